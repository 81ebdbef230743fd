package jpegdec

// Block smoothing of progressive files whose low-frequency coefficients are
// incomplete, as libjpeg-turbo 2.1's jdcoefct.c (decompress_smooth_data,
// on by default as do_block_smoothing): a coefficient among the first nine
// AC ones that is still zero and not known exactly is estimated from the DC
// values of the 5x5 neighbouring blocks; when no AC data came at all, the
// DC value is re-estimated too. Complete files (every encoder's output) are
// never smoothed; a progressive file cut short after its first scans is.
//
// The neighbourhood follows libjpeg-turbo 2.1.5 exactly, including its
// edge handling, which 3.0 changed for components with vertical sampling
// factor 2 or more and for images one or two blocks wide.

// smoothedCoefs is how many coefficients (natural order 0..9 in zigzag
// order: DC, then the first nine AC) progression is tracked for.
const smoothedCoefs = 10

// startProgressiveScan records which coefficient bits a scan delivers, as
// libjpeg's start_pass_phuff_decoder does (coef_bits: -1 = nothing yet,
// else the Al of the last scan, 0 = exact).
func (d *decoder) startProgressiveScan(s *scan) {
	for _, c := range s.comps {
		for k := min(s.ss, 1); k <= max(s.se, 9) && k < smoothedCoefs; k++ {
			if d.scans > 0 {
				c.prevBits[k] = c.coefBits[k]
			} else {
				c.prevBits[k] = 0
			}
		}
		for k := s.ss; k <= s.se && k < smoothedCoefs; k++ {
			c.coefBits[k] = s.al
		}
	}
}

// smoothingOK is jdcoefct.c's smoothing_ok: every component has usable
// quantisers and some DC data, and some component lacks exact low AC data.
func (d *decoder) smoothingOK() bool {
	if !d.progressive {
		return false
	}
	useful := false
	for i := range d.comps {
		c := &d.comps[i]
		if !c.qSet {
			return false
		}
		for _, k := range [...]int{0, 1, 8, 16, 9, 2, 3, 10, 17, 24} {
			if c.qRaw[k] == 0 {
				return false
			}
		}
		if c.coefBits[0] < 0 {
			return false
		}
		for k := 1; k < smoothedCoefs; k++ {
			if c.coefBits[k] != 0 {
				useful = true
			}
		}
	}
	return useful
}

// smoothPredict is libjpeg's estimate of one coefficient from num (the
// weighted DC sum times Q00) and its quantiser q, limited to what the
// coefficient's missing Al bits can hold.
func smoothPredict(num, q int64, al int) int16 {
	neg := num < 0
	if neg {
		num = -num
	}
	pred := ((q << 7) + num) / (q << 8)
	if al > 0 && pred >= 1<<al {
		pred = 1<<al - 1
	}
	if neg {
		pred = -pred
	}
	return int16(int32(pred))
}

// idctSmoothed transforms component c's coefficients with block smoothing.
func (d *decoder) idctSmoothed(c *component) {
	v := c.v
	last := d.mcusY - 1
	heightInBlocks := ceilDiv(c.ch, 8)
	widthInBlocks := ceilDiv(c.cw, 8)
	lastCol := widthInBlocks - 1
	q := func(k int) int64 { return int64(c.qRaw[k]) }
	q00, q01, q10, q20, q11, q02 := q(0), q(1), q(8), q(16), q(9), q(2)
	q03, q12, q21, q30 := q(3), q(10), q(17), q(24)
	dc := func(row, col int) int { return int(c.coefs[64*(row*c.bw+col)]) }
	stride := 8 * c.bw
	for imcu := 0; imcu <= last; imcu++ {
		// Rows after the last iMCU row the final scan reached use the
		// progression state from before that scan.
		bits := &c.coefBits
		if imcu > d.lastGood {
			bits = &c.prevLatch
		}
		changeDC := true
		for k := 1; k < smoothedCoefs; k++ {
			changeDC = changeDC && bits[k] == -1
		}
		blockRows := v
		if imcu == last {
			if blockRows = heightInBlocks % v; blockRows == 0 {
				blockRows = v
			}
		}
		for br := 0; br < blockRows; br++ {
			r := imcu*v + br
			prev, prevPrev, next, nextNext := r, r, r, r
			if br > 0 || imcu > 0 {
				prev = r - 1
			}
			prevPrev = prev
			if br > 1 || imcu > 1 {
				prevPrev = r - 2
			}
			if br < blockRows-1 || imcu < last {
				next = r + 1
			}
			nextNext = next
			if br < blockRows-2 || imcu+1 < last {
				nextNext = r + 2
			}
			rows := [5]int{prevPrev, prev, r, next, nextNext}
			// DC[i][j]: row i of the window (top to bottom), column j
			// (left to right), shifted along as libjpeg's 25 registers.
			var w [5][5]int
			for i, row := range rows {
				for j := range w[i] {
					w[i][j] = dc(row, 0)
				}
			}
			for col := 0; col < widthInBlocks; col++ {
				if col == 0 && col < lastCol {
					for i, row := range rows {
						w[i][3] = dc(row, 1)
					}
				}
				if col+1 < lastCol {
					for i, row := range rows {
						w[i][4] = dc(row, col+2)
					}
				}
				blk := c.coefs[64*(r*c.bw+col) : 64*(r*c.bw+col)+64]
				var wc [64]int16
				copy(wc[:], blk)
				smoothBlock(&wc, &w, bits, changeDC, q00, q01, q10, q20, q11, q02, q03, q12, q21, q30)
				idct(&wc, &c.q, c.plane[8*r*stride+8*col:], stride)
				for i := range w {
					copy(w[i][:4], w[i][1:])
				}
			}
		}
	}
	c.coefs = nil
}

// smoothBlock applies libjpeg's estimates to one block's coefficients wc
// (natural order) from the window of DC values w.
func smoothBlock(wc *[64]int16, w *[5][5]int, bits *[smoothedCoefs]int, changeDC bool, q00, q01, q10, q20, q11, q02, q03, q12, q21, q30 int64) {
	// libjpeg's DC01..DC25, row by row.
	dc01, dc02, dc03, dc04, dc05 := int64(w[0][0]), int64(w[0][1]), int64(w[0][2]), int64(w[0][3]), int64(w[0][4])
	dc06, dc07, dc08, dc09, dc10 := int64(w[1][0]), int64(w[1][1]), int64(w[1][2]), int64(w[1][3]), int64(w[1][4])
	dc11, dc12, dc13, dc14, dc15 := int64(w[2][0]), int64(w[2][1]), int64(w[2][2]), int64(w[2][3]), int64(w[2][4])
	dc16, dc17, dc18, dc19, dc20 := int64(w[3][0]), int64(w[3][1]), int64(w[3][2]), int64(w[3][3]), int64(w[3][4])
	dc21, dc22, dc23, dc24, dc25 := int64(w[4][0]), int64(w[4][1]), int64(w[4][2]), int64(w[4][3]), int64(w[4][4])
	est := func(pos, bit int, q, gauss, k8 int64) {
		if al := bits[bit]; al != 0 && wc[pos] == 0 {
			s := k8
			if changeDC {
				s = gauss
			}
			wc[pos] = smoothPredict(q00*s, q, al)
		}
	}
	est(1, 1, q01,
		-dc01-dc02+dc04+dc05-3*dc06+13*dc07-13*dc09+3*dc10-3*dc11+38*dc12-38*dc14+
			3*dc15-3*dc16+13*dc17-13*dc19+3*dc20-dc21-dc22+dc24+dc25,
		-7*dc11+50*dc12-50*dc14+7*dc15)
	est(8, 2, q10,
		-dc01-3*dc02-3*dc03-3*dc04-dc05-dc06+13*dc07+38*dc08+13*dc09-dc10+dc16-
			13*dc17-38*dc18-13*dc19+dc20+dc21+3*dc22+3*dc23+3*dc24+dc25,
		-7*dc03+50*dc08-50*dc18+7*dc23)
	est(16, 3, q20,
		dc03+2*dc07+7*dc08+2*dc09-5*dc12-14*dc13-5*dc14+2*dc17+7*dc18+2*dc19+dc23,
		-dc03+13*dc08-24*dc13+13*dc18-dc23)
	est(9, 4, q11,
		-dc01+dc05+9*dc07-9*dc09-9*dc17+9*dc19+dc21-dc25,
		dc10+dc16-10*dc17+10*dc19-dc02-dc20+dc22-dc24+dc04-dc06+10*dc07-10*dc09)
	est(2, 5, q02,
		2*dc07-5*dc08+2*dc09+dc11+7*dc12-14*dc13+7*dc14+dc15+2*dc17-5*dc18+2*dc19,
		-dc11+13*dc12-24*dc13+13*dc14-dc15)
	if !changeDC {
		return
	}
	est(3, 6, q03, dc07-dc09+2*dc12-2*dc14+dc17-dc19, 0)
	est(10, 7, q12, dc07-3*dc08+dc09-dc17+3*dc18-dc19, 0)
	est(17, 8, q21, dc07-dc09-3*dc12+3*dc14+dc17-dc19, 0)
	est(24, 9, q30, dc07+2*dc08+dc09-dc17-2*dc18-dc19, 0)
	num := q00 * (-2*dc01 - 6*dc02 - 8*dc03 - 6*dc04 - 2*dc05 -
		6*dc06 + 6*dc07 + 42*dc08 + 6*dc09 - 6*dc10 -
		8*dc11 + 42*dc12 + 152*dc13 + 42*dc14 - 8*dc15 -
		6*dc16 + 6*dc17 + 42*dc18 + 6*dc19 - 6*dc20 -
		2*dc21 - 6*dc22 - 8*dc23 - 6*dc24 - 2*dc25)
	wc[0] = smoothPredict(num, q00, 0)
}
