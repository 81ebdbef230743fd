// Package scorekey orders float32 scores as uint32 keys (ascending key =
// descending score) and finds the m-th highest of a set of scores without
// sorting it (a radix select), for the per-image summaries of AUPIMO and
// the per-image records' FPR-limit threshold.
package scorekey

import "math"

// Key maps a finite score to a uint32 whose ascending order is the scores'
// descending order; -0 and +0 map to the same key.
func Key(f float32) uint32 {
	if f == 0 {
		f = 0
	}
	b := math.Float32bits(f)
	if b&0x80000000 != 0 {
		b = ^b
	} else {
		b |= 0x80000000
	}
	return ^b
}

// Score inverts Key (+0 for the key of zero).
func Score(k uint32) float32 {
	b := ^k
	if b&0x80000000 != 0 {
		b &^= 0x80000000
	} else {
		b = ^b
	}
	return math.Float32frombits(b)
}

// Select returns the m-th highest score (1 <= m <= the number of scores)
// of the scores that each passes to its argument, the number of scores
// strictly higher (fewer than m), and the number equal to it. each is
// called three times and must pass the same scores every time. It reads
// the keys 11, 11 and 10 bits at a time: three passes of histograms.
func Select(m int64, each func(func(float32))) (v float32, above, equal int64) {
	var prefix uint32
	shifts := [3]uint{21, 10, 0}
	widths := [3]uint{11, 11, 10}
	for d := range shifts {
		var hist [1 << 11]int64
		sh, w := shifts[d], widths[d]
		mask := uint32(1)<<w - 1
		hi := ^uint32(0) << (sh + w) // the digits already found
		each(func(f float32) {
			if k := Key(f); k&hi == prefix {
				hist[(k>>sh)&mask]++
			}
		})
		for b, c := range hist[:1<<w] {
			if above+c >= m {
				prefix |= uint32(b) << sh
				equal = c
				break
			}
			above += c
		}
	}
	return Score(prefix), above, equal
}

// SelectKeys is Select over keys already computed (Key of each score): two
// passes of 16-bit histograms.
func SelectKeys(keys []uint32, m int64) (v float32, above, equal int64) {
	count := make([]int64, 1<<16)
	for _, k := range keys {
		count[k>>16]++
	}
	var prefix uint32
	for b, c := range count {
		if above+c >= m {
			prefix = uint32(b) << 16
			break
		}
		above += c
	}
	clear(count)
	for _, k := range keys {
		if k&0xffff0000 == prefix {
			count[k&0xffff]++
		}
	}
	for b, c := range count {
		if above+c >= m {
			prefix |= uint32(b)
			equal = c
			break
		}
		above += c
	}
	return Score(prefix), above, equal
}
