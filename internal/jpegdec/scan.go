package jpegdec

import "fmt"

// scan is one SOS segment's parameters.
type scan struct {
	comps          []*component
	ss, se, ah, al int
}

// decodeScan parses an SOS payload and decodes the entropy-coded data that
// follows it, leaving d.pos at the marker after the data.
func (d *decoder) decodeScan(p []byte) error {
	if len(p) < 1 {
		return FormatError("bad SOS marker length")
	}
	n := int(p[0])
	if n < 1 || n > 4 || len(p) != 4+2*n {
		return FormatError("bad SOS marker length")
	}
	var s scan
	blocks := 0
	for i := 0; i < n; i++ {
		id, tables := p[1+2*i], p[2+2*i]
		var c *component
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return FormatError(fmt.Sprintf("scan names unknown component %d", id))
		}
		for _, o := range s.comps {
			if o == c {
				return FormatError(fmt.Sprintf("scan names component %d twice", id))
			}
		}
		c.td, c.ta = int(tables>>4), int(tables&15)
		s.comps = append(s.comps, c)
		blocks += c.h * c.v
	}
	if n > 1 && blocks > 10 {
		return FormatError("too many blocks in an MCU")
	}
	q := p[1+2*n:]
	s.ss, s.se, s.ah, s.al = int(q[0]), int(q[1]), int(q[2]>>4), int(q[2]&15)
	// Quantisation tables are latched at a component's first scan.
	for _, c := range s.comps {
		if !c.qSet {
			if !d.quantSet[c.tq] {
				return FormatError(fmt.Sprintf("quantisation table %d is not defined", c.tq))
			}
			c.qRaw = d.quant[c.tq]
			for k, v := range c.qRaw {
				c.q[k] = int16(v)
			}
			c.qSet = true
		}
	}
	if err := d.checkTables(&s); err != nil {
		return err
	}
	if d.progressive {
		d.startProgressiveScan(&s)
	}
	for _, c := range s.comps {
		c.dcPred = 0
	}
	d.eobrun = 0
	d.br.reset(d.data, d.pos)
	if err := d.decodeMCUs(&s); err != nil {
		return err
	}
	if d.br.eof {
		return errTruncated
	}
	// A sequential file whose first scan holds every component has no
	// other (libjpeg decodes it in one pass, has_multiple_scans false).
	d.imageDone = !d.progressive && d.scans == 0 && n == len(d.comps)
	if m := d.br.alignToMarker(); m >= 0 {
		d.pos = m
	} else {
		d.pos = len(d.data)
	}
	return nil
}

// checkTables validates the scan's parameters and that the Huffman tables it
// needs exist, as libjpeg's start_pass_huff_decoder and
// start_pass_phuff_decoder do.
func (d *decoder) checkTables(s *scan) error {
	needDC, needAC := true, true
	if d.progressive {
		bad := false
		if s.ss == 0 {
			bad = s.se != 0
			needAC = false
			needDC = s.ah == 0
		} else {
			bad = s.ss > s.se || s.se > 63 || len(s.comps) != 1
			needDC = false
		}
		if s.ah != 0 && s.al != s.ah-1 {
			bad = true
		}
		if s.al > 13 {
			bad = true
		}
		if bad {
			return FormatError(fmt.Sprintf("bad progressive scan (Ss=%d Se=%d Ah=%d Al=%d)", s.ss, s.se, s.ah, s.al))
		}
	}
	for _, c := range s.comps {
		if needDC {
			if err := d.needTable(0, c.td); err != nil {
				return err
			}
		}
		if needAC {
			if err := d.needTable(1, c.ta); err != nil {
				return err
			}
		}
	}
	return nil
}

// needTable checks that Huffman table th of class tc (0 DC, 1 AC) is
// defined, taking the standard one in a sequential scan that left it
// undefined.
func (d *decoder) needTable(tc, th int) error {
	name, tables := "DC", &d.dc
	if tc == 1 {
		name, tables = "AC", &d.ac
	}
	if th > 3 {
		return FormatError(fmt.Sprintf("bad Huffman table number %d", th))
	}
	if !tables[th].defined && !d.progressive {
		tables[th] = stdTable(tc, th)
	}
	if !tables[th].defined {
		return FormatError(fmt.Sprintf("%s Huffman table %d is not defined", name, th))
	}
	return nil
}

// decodeMCUs walks the scan's MCUs in order, handling restart intervals.
// An interleaved scan's MCU holds h x v blocks of each component; a
// single-component scan's MCU is one block, over the blocks that hold
// image samples (not the MCU padding).
func (d *decoder) decodeMCUs(s *scan) error {
	var mx, my int
	if len(s.comps) == 1 {
		c := s.comps[0]
		mx, my = ceilDiv(c.cw, 8), ceilDiv(c.ch, 8)
	} else {
		mx, my = d.mcusX, d.mcusY
	}
	total := mx * my
	nextRST := 0
	for m := 0; m < total; m++ {
		if d.restart > 0 && m > 0 && m%d.restart == 0 {
			if err := d.processRestart(nextRST); err != nil {
				return err
			}
			nextRST = (nextRST + 1) & 7
			for _, c := range s.comps {
				c.dcPred = 0
			}
			d.eobrun = 0
		}
		x, y := m%mx, m/mx
		// Once a segment's data has run out, libjpeg leaves its later
		// MCUs unread (the MCU where it ran out reads zero bits to its end).
		skip := d.br.insufficient
		if !skip {
			d.lastGood = y
			if len(s.comps) == 1 {
				d.lastGood = y / s.comps[0].v
			}
		}
		if len(s.comps) == 1 {
			d.decodeBlock(s, s.comps[0], x, y, skip)
		} else {
			for _, c := range s.comps {
				for v := 0; v < c.v; v++ {
					for h := 0; h < c.h; h++ {
						d.decodeBlock(s, c, x*c.h+h, y*c.v+v, skip)
					}
				}
			}
		}
		if x == mx-1 && d.br.eof {
			return errTruncated
		}
	}
	return nil
}

// processRestart expects RSTn at the end of the current interval. A
// different marker is handled as libjpeg's jpeg_resync_to_restart does: a
// restart marker of the wrong number is skipped or honoured by how far it
// is from n, and any other marker leaves the rest of the scan unread.
func (d *decoder) processRestart(n int) error {
	if d.br.eof {
		return errTruncated
	}
	p := d.br.alignToMarker()
	for {
		if p < 0 {
			return errTruncated
		}
		m := int(d.data[p+1])
		rst := func(k int) int { return mRST0 + (n+k)&7 }
		switch {
		case m == rst(0):
			d.br.reset(d.data, p+2)
			return nil
		case m < mSOF0:
			p = nextMarkerAt(d.data, p+2) // not a valid marker: look further
		case m < mRST0 || m > mRST7 || m == rst(1) || m == rst(2):
			// Stay at this marker: the next segment reads as empty.
			short := d.br.insufficient
			d.br.reset(d.data, p)
			d.br.marker, d.br.insufficient = true, short
			return nil
		case m == rst(-1) || m == rst(-2):
			p = nextMarkerAt(d.data, p+2) // an earlier restart: look further
		default:
			// Too far off to tell: take it as the one expected.
			d.br.reset(d.data, p+2)
			return nil
		}
	}
}

// nextMarkerAt returns the position of the first marker at or after p, or -1.
func nextMarkerAt(data []byte, p int) int {
	br := bitReader{data: data, pos: p}
	return br.alignToMarker()
}

// decodeBlock decodes block (bx, by) of component c: a sequential block is
// transformed to samples at once, a progressive one updates c.coefs. A
// skipped block is left unread: a sequential one is then all zero
// coefficients (mid-grey), a progressive one keeps what earlier scans gave
// it.
func (d *decoder) decodeBlock(s *scan, c *component, bx, by int, skip bool) {
	if !d.progressive {
		blk := &d.blk
		*blk = [64]int16{}
		if !skip {
			d.decodeSequential(c, blk)
		}
		stride := 8 * c.bw
		idct(blk, &c.q, c.plane[8*by*stride+8*bx:], stride)
		return
	}
	if skip {
		return
	}
	i := 64 * (by*c.bw + bx)
	b := (*[64]int16)(c.coefs[i : i+64])
	switch {
	case s.ss == 0 && s.ah == 0:
		d.dcFirst(s, c, b)
	case s.ss == 0:
		if d.br.bit() {
			b[0] |= 1 << s.al
		}
	case s.ah == 0:
		d.acFirst(s, c, b)
	default:
		d.acRefine(s, c, b)
	}
}

// decodeSequential reads one block of a baseline or extended sequential
// scan (jdhuff.c decode_mcu) into natural order.
func (d *decoder) decodeSequential(c *component, blk *[64]int16) {
	br := &d.br
	c.dcPred += br.receiveExtend(br.decode(&d.dc[c.td]))
	blk[0] = int16(c.dcPred)
	ac := &d.ac[c.ta]
	for k := 1; k < 64; k++ {
		rs := br.decode(ac)
		r, sz := int(rs>>4), rs&15
		if sz != 0 {
			k += r
			blk[zigzag[k]] = int16(br.receiveExtend(sz))
		} else {
			if r != 15 {
				break
			}
			k += 15
		}
	}
}

// dcFirst: the first scan of the DC coefficients (jdphuff.c decode_mcu_DC_first).
func (d *decoder) dcFirst(s *scan, c *component, b *[64]int16) {
	c.dcPred += d.br.receiveExtend(d.br.decode(&d.dc[c.td]))
	b[0] = int16(c.dcPred << s.al)
}

// acFirst: the first scan of a band of AC coefficients (decode_mcu_AC_first).
func (d *decoder) acFirst(s *scan, c *component, b *[64]int16) {
	if d.eobrun > 0 {
		d.eobrun--
		return
	}
	br := &d.br
	ac := &d.ac[c.ta]
	for k := s.ss; k <= s.se; k++ {
		rs := br.decode(ac)
		r, sz := int(rs>>4), rs&15
		if sz != 0 {
			k += r
			b[zigzag[k]] = int16(br.receiveExtend(sz) << s.al)
		} else {
			if r != 15 {
				d.eobrun = 1 << r
				if r != 0 {
					d.eobrun += br.bits(uint(r))
				}
				d.eobrun--
				break
			}
			k += 15
		}
	}
}

// acRefine: a successive-approximation refinement scan of an AC band
// (decode_mcu_AC_refine): one correction bit for each coefficient already
// non-zero, and new coefficients of magnitude 1 << Al.
func (d *decoder) acRefine(s *scan, c *component, b *[64]int16) {
	br := &d.br
	p1 := int16(1) << s.al
	m1 := int16(-1) << s.al
	k := s.ss
	if d.eobrun == 0 {
		ac := &d.ac[c.ta]
		for ; k <= s.se; k++ {
			rs := br.decode(ac)
			r, sz := int(rs>>4), rs&15
			var val int16
			if sz != 0 {
				// sz should be 1; libjpeg warns and goes on otherwise.
				if br.bit() {
					val = p1
				} else {
					val = m1
				}
			} else if r != 15 {
				d.eobrun = 1 << r
				if r != 0 {
					d.eobrun += br.bits(uint(r))
				}
				break
			}
			// Skip r zero coefficients (refining the non-zero ones passed),
			// then place val at the next zero coefficient.
			for k <= s.se {
				coef := &b[zigzag[k]]
				if *coef != 0 {
					refine(br, coef, p1, m1)
				} else {
					r--
					if r < 0 {
						break
					}
				}
				k++
			}
			if val != 0 {
				b[zigzag[k]] = val // k may be Se+1 on corrupt data, as in libjpeg
			}
		}
	}
	if d.eobrun > 0 {
		// The rest of the band is in an end-of-band run: refine its
		// non-zero coefficients only.
		for ; k <= s.se; k++ {
			if coef := &b[zigzag[k]]; *coef != 0 {
				refine(br, coef, p1, m1)
			}
		}
		d.eobrun--
	}
}

func refine(br *bitReader, coef *int16, p1, m1 int16) {
	if br.bit() && *coef&p1 == 0 {
		if *coef >= 0 {
			*coef += p1
		} else {
			*coef += m1
		}
	}
}

// idctAll transforms a progressive component's coefficients to samples.
func (d *decoder) idctAll(c *component) {
	stride := 8 * c.bw
	for by := 0; by < c.bh; by++ {
		for bx := 0; bx < c.bw; bx++ {
			i := 64 * (by*c.bw + bx)
			idct((*[64]int16)(c.coefs[i:i+64]), &c.q, c.plane[8*by*stride+8*bx:], stride)
		}
	}
	c.coefs = nil
}
