package jpegdec

// The accurate integer inverse DCT, libjpeg's jpeg_idct_islow (jidctint.c,
// the Loeffler-Ligtenberg-Moschytz algorithm with 12 multiplies and 32 adds,
// 13-bit constants, 2 extra bits of precision between the passes), which is
// libjpeg-turbo's default (JDCT_ISLOW) and what PIL decodes with.

const (
	constBits = 13
	pass1Bits = 2
)

// FIX(x) = round(x * 2^13), as in jidctint.c.
const (
	fix0_298631336 = 2446
	fix0_390180644 = 3196
	fix0_541196100 = 4433
	fix0_765366865 = 6270
	fix0_899976223 = 7373
	fix1_175875602 = 9633
	fix1_501321110 = 12299
	fix1_847759065 = 15137
	fix1_961570560 = 16069
	fix2_053119869 = 16819
	fix2_562915447 = 20995
	fix3_072711026 = 25172
)

// clampSample is the final range limit: libjpeg-turbo's SIMD IDCTs (which
// PIL runs on x86-64 and ARM) saturate the descaled result to -128..127
// before adding 128. (The portable C code wraps values beyond +-512 through
// a table instead; no image a real encoder writes comes near that.)
func clampSample(v int32) uint8 {
	v += 128
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// idct dequantises the natural-order coefficients in blk with the
// natural-order table q and writes the 8x8 samples to dst, rows stride apart.
func idct(blk *[64]int32, q *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	// Pass 1: columns, results scaled up by 2^pass1Bits.
	for c := 0; c < 8; c++ {
		if blk[8+c] == 0 && blk[16+c] == 0 && blk[24+c] == 0 && blk[32+c] == 0 &&
			blk[40+c] == 0 && blk[48+c] == 0 && blk[56+c] == 0 {
			dc := (blk[c] * q[c]) << pass1Bits
			for r := 0; r < 8; r++ {
				ws[8*r+c] = dc
			}
			continue
		}
		z2 := blk[16+c] * q[16+c]
		z3 := blk[48+c] * q[48+c]
		z1 := (z2 + z3) * fix0_541196100
		tmp2 := z1 - z3*fix1_847759065
		tmp3 := z1 + z2*fix0_765366865

		z2 = blk[c] * q[c]
		z3 = blk[32+c] * q[32+c]
		tmp0 := (z2 + z3) << constBits
		tmp1 := (z2 - z3) << constBits

		tmp10 := tmp0 + tmp3
		tmp13 := tmp0 - tmp3
		tmp11 := tmp1 + tmp2
		tmp12 := tmp1 - tmp2

		tmp0 = blk[56+c] * q[56+c]
		tmp1 = blk[40+c] * q[40+c]
		tmp2 = blk[24+c] * q[24+c]
		tmp3 = blk[8+c] * q[8+c]
		tmp0, tmp1, tmp2, tmp3 = oddPart(tmp0, tmp1, tmp2, tmp3)

		const r1 = 1 << (constBits - pass1Bits - 1)
		ws[c] = (tmp10 + tmp3 + r1) >> (constBits - pass1Bits)
		ws[56+c] = (tmp10 - tmp3 + r1) >> (constBits - pass1Bits)
		ws[8+c] = (tmp11 + tmp2 + r1) >> (constBits - pass1Bits)
		ws[48+c] = (tmp11 - tmp2 + r1) >> (constBits - pass1Bits)
		ws[16+c] = (tmp12 + tmp1 + r1) >> (constBits - pass1Bits)
		ws[40+c] = (tmp12 - tmp1 + r1) >> (constBits - pass1Bits)
		ws[24+c] = (tmp13 + tmp0 + r1) >> (constBits - pass1Bits)
		ws[32+c] = (tmp13 - tmp0 + r1) >> (constBits - pass1Bits)
	}
	// Pass 2: rows, descaled by 2^(pass1Bits+3) and range-limited.
	for r := 0; r < 8; r++ {
		w := ws[8*r : 8*r+8 : 8*r+8]
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
			v := clampSample((w[0] + 1<<(pass1Bits+2)) >> (pass1Bits + 3))
			for i := range out {
				out[i] = v
			}
			continue
		}
		z2, z3 := w[2], w[6]
		z1 := (z2 + z3) * fix0_541196100
		tmp2 := z1 - z3*fix1_847759065
		tmp3 := z1 + z2*fix0_765366865

		tmp0 := (w[0] + w[4]) << constBits
		tmp1 := (w[0] - w[4]) << constBits

		tmp10 := tmp0 + tmp3
		tmp13 := tmp0 - tmp3
		tmp11 := tmp1 + tmp2
		tmp12 := tmp1 - tmp2

		tmp0, tmp1, tmp2, tmp3 = oddPart(w[7], w[5], w[3], w[1])

		const s = constBits + pass1Bits + 3
		const r2 = 1 << (s - 1)
		out[0] = clampSample((tmp10 + tmp3 + r2) >> s)
		out[7] = clampSample((tmp10 - tmp3 + r2) >> s)
		out[1] = clampSample((tmp11 + tmp2 + r2) >> s)
		out[6] = clampSample((tmp11 - tmp2 + r2) >> s)
		out[2] = clampSample((tmp12 + tmp1 + r2) >> s)
		out[5] = clampSample((tmp12 - tmp1 + r2) >> s)
		out[3] = clampSample((tmp13 + tmp0 + r2) >> s)
		out[4] = clampSample((tmp13 - tmp0 + r2) >> s)
	}
}

// oddPart is jidctint.c's odd part for inputs y7, y5, y3, y1.
func oddPart(tmp0, tmp1, tmp2, tmp3 int32) (int32, int32, int32, int32) {
	z1 := tmp0 + tmp3
	z2 := tmp1 + tmp2
	z3 := tmp0 + tmp2
	z4 := tmp1 + tmp3
	z5 := (z3 + z4) * fix1_175875602

	tmp0 *= fix0_298631336
	tmp1 *= fix2_053119869
	tmp2 *= fix3_072711026
	tmp3 *= fix1_501321110
	z1 *= -fix0_899976223
	z2 *= -fix2_562915447
	z3 *= -fix1_961570560
	z4 *= -fix0_390180644

	z3 += z5
	z4 += z5

	tmp0 += z1 + z3
	tmp1 += z2 + z4
	tmp2 += z2 + z3
	tmp3 += z1 + z4
	return tmp0, tmp1, tmp2, tmp3
}
