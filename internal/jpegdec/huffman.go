package jpegdec

import "errors"

// lookaheadBits is how many bits one table look-up resolves; longer codes
// (rare) take the canonical-code search.
const lookaheadBits = 9

// huffTable is a decoding table built as libjpeg's jpeg_make_d_derived_tbl
// does (JPEG standard figures C.1, C.2 and F.15), with the same validation.
type huffTable struct {
	defined bool
	// lookup[b] for the next lookaheadBits bits b: code length << 8 | symbol,
	// or 0 when the code is longer.
	lookup [1 << lookaheadBits]uint16
	// maxcode[l] is the largest code of length l (-1 if none), valoffset[l]
	// the index in vals of the first code of length l minus that code.
	maxcode   [18]int32
	valoffset [18]int32
	vals      [256]uint8
}

var errBadHuffTable = errors.New("jpeg: bad Huffman table")

// build fills t from the code counts per length (counts[l-1] codes of
// length l) and the symbols in code order. isDC enforces libjpeg's check
// that DC symbols are at most 15.
func (t *huffTable) build(counts [16]uint8, symbols []uint8, isDC bool) error {
	n := 0
	for _, c := range counts {
		n += int(c)
	}
	if n > 256 || n != len(symbols) {
		return errBadHuffTable
	}
	if isDC {
		for _, s := range symbols {
			if s > 15 {
				return errBadHuffTable
			}
		}
	}
	*t = huffTable{defined: true}
	copy(t.vals[:], symbols)
	// Canonical codes, length by length; a code may never be all ones.
	var codes [256]uint32
	code, p := uint32(0), 0
	for l := 1; l <= 16 && p < n; l++ {
		for i := 0; i < int(counts[l-1]); i++ {
			codes[p] = code
			p++
			code++
		}
		if code >= 1<<l {
			return errBadHuffTable
		}
		code <<= 1
	}
	p = 0
	for l := 1; l <= 16; l++ {
		c := int(counts[l-1])
		if c == 0 {
			t.maxcode[l] = -1
			continue
		}
		t.valoffset[l] = int32(p) - int32(codes[p])
		p += c
		t.maxcode[l] = int32(codes[p-1])
	}
	t.maxcode[17] = 0xFFFFF // ends the search
	p = 0
	for l := 1; l <= lookaheadBits; l++ {
		for i := 0; i < int(counts[l-1]); i++ {
			first := codes[p] << (lookaheadBits - l)
			for j := uint32(0); j < 1<<(lookaheadBits-l); j++ {
				t.lookup[first+j] = uint16(l)<<8 | uint16(symbols[p])
			}
			p++
		}
	}
	return nil
}

// bitReader reads the entropy-coded data of one scan. Bits are kept
// left-aligned in acc, with zeros below the n valid ones. Like libjpeg's
// fill_bit_buffer, a 0xFF 0x00 pair is a data byte 0xFF, 0xFF fill bytes are
// skipped, and the reader stops at a marker. A read that needs bits past the
// marker gets zero bits and sets insufficient: libjpeg then warns
// ("premature end of data segment") and leaves every later MCU of the
// segment unread (zero coefficients), which decodeMCUs reproduces. Running
// off the end of the file sets eof: the caller reports a truncated file, as
// PIL does.
type bitReader struct {
	data         []byte
	pos          int // next byte to read
	acc          uint64
	n            uint // valid bits in acc
	marker       bool // stopped at a marker; pos is at its 0xFF
	eof          bool
	insufficient bool // a read went past the marker
}

func (b *bitReader) reset(data []byte, pos int) {
	*b = bitReader{data: data, pos: pos}
}

// fill tops acc up to at least 57 bits, or to the marker.
func (b *bitReader) fill() {
	for b.n <= 56 && !b.marker {
		if b.pos >= len(b.data) {
			b.eof, b.marker = true, true
			return
		}
		c := b.data[b.pos]
		if c != 0xFF {
			b.pos++
		} else {
			q := b.pos + 1
			for q < len(b.data) && b.data[q] == 0xFF {
				q++
			}
			switch {
			case q >= len(b.data):
				b.eof, b.marker = true, true
				return
			case b.data[q] == 0:
				b.pos = q + 1 // stuffed 0xFF
			default:
				b.pos = q - 1 // leave the marker (its last 0xFF) to the caller
				b.marker = true
				return
			}
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// consume drops n bits that have been looked at.
func (b *bitReader) consume(n uint) {
	if n > b.n {
		b.insufficient = true
		b.acc, b.n = 0, 0
		return
	}
	b.acc <<= n
	b.n -= n
}

// bits returns the next n (0..16) bits as an unsigned value.
func (b *bitReader) bits(n uint) int32 {
	if b.n < n {
		b.fill()
	}
	v := int32(b.acc >> (64 - n))
	b.consume(n)
	return v
}

func (b *bitReader) bit() bool {
	return b.bits(1) != 0
}

// receiveExtend reads an s-bit magnitude category value and sign-extends it
// (JPEG standard F.2.2.1, libjpeg's HUFF_EXTEND). s is 0..15.
func (b *bitReader) receiveExtend(s uint8) int32 {
	if s == 0 {
		return 0
	}
	v := b.bits(uint(s))
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// decode reads one Huffman-coded symbol. A bit pattern that is no code
// (corrupt data) gives symbol 0 after 17 bits, as libjpeg's jpeg_huff_decode
// does (with a warning).
func (b *bitReader) decode(t *huffTable) uint8 {
	if b.n < 16 {
		b.fill()
	}
	if v := t.lookup[b.acc>>(64-lookaheadBits)]; v != 0 {
		b.consume(uint(v >> 8))
		return uint8(v)
	}
	for l := uint(lookaheadBits + 1); l <= 16; l++ {
		code := int32(b.acc >> (64 - l))
		if code <= t.maxcode[l] {
			b.consume(l)
			return t.vals[uint8(code+t.valoffset[l])]
		}
	}
	b.consume(17)
	return 0
}

// alignToMarker drops the bits left in the current byte and returns the
// position of the next marker's 0xFF, skipping any stray bytes before it as
// libjpeg's next_marker does; -1 when the data ends first.
func (b *bitReader) alignToMarker() int {
	for p := b.pos; p+1 < len(b.data); p++ {
		if b.data[p] == 0xFF && b.data[p+1] != 0 && b.data[p+1] != 0xFF {
			return p
		}
	}
	return -1
}
