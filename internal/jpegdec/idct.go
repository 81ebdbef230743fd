package jpegdec

// The accurate integer inverse DCT, libjpeg's jpeg_idct_islow (jidctint.c,
// the Loeffler-Ligtenberg-Moschytz algorithm with 12 multiplies and 32 adds,
// 13-bit constants, 2 extra bits of precision between the passes), which is
// libjpeg-turbo's default (JDCT_ISLOW) and what PIL decodes with.
//
// PIL runs libjpeg-turbo's SIMD version of it (jidctint-avx2.asm and
// -sse2.asm on x86-64), which gives the C code's results whenever the
// dequantised coefficients and the values between the passes fit in 16
// bits, as they do in every file a real encoder writes. Beyond that (damaged
// or hostile files) the SIMD code keeps 16-bit lanes: the dequantisation
// and three sums per pass wrap, the pass outputs saturate. This function
// follows the SIMD code, so damaged files decode as PIL decodes them too:
// 16-bit products and sums are written as int16 conversions, the 32-bit
// multiply-adds (pmaddwd) in int32.

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

// sat16 is the signed saturation of vpackssdw.
func sat16(v int32) int16 {
	return int16(min(max(v, -32768), 32767))
}

// idct1D is the SIMD code's one-dimensional pass on eight int16 inputs
// (dodct in jidctint-avx2.asm): results descaled by shift and saturated to
// 16 bits, in out[0..7].
func idct1D(in *[8]int16, out *[8]int16, shift uint) {
	i0, i1, i2, i3 := int32(in[0]), int32(in[1]), int32(in[2]), int32(in[3])
	i4, i5, i6, i7 := int32(in[4]), int32(in[5]), int32(in[6]), int32(in[7])

	// Even part. tmp2, tmp3 are jidctint.c's, with the rotation folded into
	// two multiply-adds; in0 +- in4 is a 16-bit sum.
	tmp3 := i2*(fix0_541196100+fix0_765366865) + i6*fix0_541196100
	tmp2 := i2*fix0_541196100 + i6*(fix0_541196100-fix1_847759065)
	tmp0 := int32(int16(i0+i4)) << constBits
	tmp1 := int32(int16(i0-i4)) << constBits
	tmp10 := tmp0 + tmp3
	tmp13 := tmp0 - tmp3
	tmp11 := tmp1 + tmp2
	tmp12 := tmp1 - tmp2

	// Odd part, likewise: z3 = in7 + in3 and z4 = in5 + in1 are 16-bit sums.
	z3 := int32(int16(i7 + i3))
	z4 := int32(int16(i5 + i1))
	z3, z4 = z3*(fix1_175875602-fix1_961570560)+z4*fix1_175875602,
		z3*fix1_175875602+z4*(fix1_175875602-fix0_390180644)
	t0 := i7*(fix0_298631336-fix0_899976223) + i1*-fix0_899976223 + z3
	t1 := i5*(fix2_053119869-fix2_562915447) + i3*-fix2_562915447 + z4
	t2 := i5*-fix2_562915447 + i3*(fix3_072711026-fix2_562915447) + z3
	t3 := i7*-fix0_899976223 + i1*(fix1_501321110-fix0_899976223) + z4

	r := int32(1) << (shift - 1)
	out[0] = sat16((tmp10 + t3 + r) >> shift)
	out[7] = sat16((tmp10 - t3 + r) >> shift)
	out[1] = sat16((tmp11 + t2 + r) >> shift)
	out[6] = sat16((tmp11 - t2 + r) >> shift)
	out[2] = sat16((tmp12 + t1 + r) >> shift)
	out[5] = sat16((tmp12 - t1 + r) >> shift)
	out[3] = sat16((tmp13 + t0 + r) >> shift)
	out[4] = sat16((tmp13 - t0 + r) >> shift)
}

// idct dequantises the natural-order coefficients in blk with the
// natural-order table q and writes the 8x8 samples to dst, rows stride apart.
func idct(blk, q *[64]int16, dst []uint8, stride int) {
	var dq [64]int16
	var ac int16
	for k := range dq {
		dq[k] = blk[k] * q[k] // 16-bit, as vpmullw
	}
	for _, v := range dq[8:] {
		ac |= v
	}
	acZero := ac == 0
	// Pass 1: columns, into ws transposed (ws[8*c+r] = column c, row r).
	var ws [64]int16
	var col, res [8]int16
	if acZero {
		// The SIMD code's shortcut when rows 1..7 are all zero: a 16-bit
		// shift of the dequantised DC row.
		for c := range 8 {
			v := dq[c] << pass1Bits
			for r := range 8 {
				ws[8*c+r] = v
			}
		}
	} else {
		for c := range 8 {
			if dq[8+c]|dq[16+c]|dq[24+c]|dq[32+c]|dq[40+c]|dq[48+c]|dq[56+c] == 0 {
				// What idct1D gives for a lone DC input, faster.
				v := sat16(int32(dq[c]) << pass1Bits)
				for r := range 8 {
					ws[8*c+r] = v
				}
				continue
			}
			for r := range 8 {
				col[r] = dq[8*r+c]
			}
			idct1D(&col, (*[8]int16)(ws[8*c:8*c+8]), constBits-pass1Bits)
		}
	}
	// Pass 2: rows, descaled by 2^(pass1Bits+3), saturated to -128..127
	// (vpacksswb) and shifted to 0..255.
	for r := range 8 {
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if ws[8+r]|ws[16+r]|ws[24+r]|ws[32+r]|ws[40+r]|ws[48+r]|ws[56+r] == 0 {
			// A lone DC input: idct1D gives (in0 + 16) >> 5 everywhere.
			v := uint8(min(max((int32(ws[r])+16)>>5, -128), 127) + 128)
			for c := range out {
				out[c] = v
			}
			continue
		}
		for c := range 8 {
			col[c] = ws[8*c+r]
		}
		idct1D(&col, &res, constBits+pass1Bits+3)
		for c, v := range res {
			x := int32(v) + 128
			if uint32(x) > 255 {
				x = min(max(x, 0), 255)
			}
			out[c] = uint8(x)
		}
	}
}
