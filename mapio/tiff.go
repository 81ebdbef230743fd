package mapio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"golang.org/x/image/tiff/lzw"
)

// TIFF tags read by this package.
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagFillOrder       = 266
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagPredictor       = 317
	tagTileWidth       = 322
	tagTileLength      = 323
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
	tagSampleFormat    = 339
)

// TIFF compression schemes decoded by this package.
const (
	compNone      = 1
	compLZW       = 5
	compDeflate   = 8
	compPackBits  = 32773
	compDeflateAd = 32946 // the older code for deflate, as written by some tools
)

// tiffIFD is what the first image file directory says about the image.
type tiffIFD struct {
	bo            binary.ByteOrder
	width, height int
	bps           int // bits per sample, equal for all samples
	sampleFormat  int // 1 uint, 2 int, 3 float
	compression   int
	photometric   int // -1 when absent
	spp           int
	predictor     int
	fillOrder     int
	rowsPerStrip  int
	tiled         bool
	tileW, tileH  int
	offsets       []uint64
	counts        []uint64
}

// DecodeTIFF reads the first image of a TIFF (classic or BigTIFF, either
// byte order) as a score map. Supported images have one sample per pixel
// and are laid out in strips or tiles, with compression none (1), LZW (5),
// deflate (8 or 32946; the zlib checksum is verified) or PackBits (32773).
// With LZW or deflate the predictor may be none (1), horizontal (2, applied
// to the samples' integer bit patterns in the file's byte order, as libtiff
// does) or floating point (3, TIFF Technical Note 3: byte planes most
// significant first in either byte order); with other compressions the
// Predictor tag is ignored, as libtiff and tifffile do. Sample types and the
// resulting values:
//
//   - 32-bit IEEE float (SampleFormat 3): the values as stored;
//   - 64-bit IEEE float: rounded to the nearest float32;
//   - 8- or 16-bit unsigned integer: v/255 or v/65535 (so in [0, 1]); with
//     PhotometricInterpretation 0 (WhiteIsZero) the scale is inverted first.
//
// Multi-channel, signed-integer, other bit depths, FillOrder 2 and other
// compressions are errors, as are truncated or inconsistent files.
// Values are not checked for NaN/Inf (see [Map.CheckFinite] and [ReadMap]).
// The whole input (at most [MaxFileBytes]) is read into memory first.
func DecodeTIFF(r io.Reader) (Map, error) {
	data, err := readAllBounded(r)
	if err != nil {
		return Map{}, fmt.Errorf("tiff: %w", err)
	}
	return decodeTIFFBytes(data)
}

func decodeTIFFBytes(data []byte) (Map, error) {
	ifd, err := parseTIFF(data)
	if err != nil {
		return Map{}, err
	}
	return ifd.decodeGrey(data, true)
}

func isTIFF(data []byte) bool {
	if len(data) < 4 {
		return false
	}
	s := string(data[:4])
	return s == "II*\x00" || s == "MM\x00*" || s == "II+\x00" || s == "MM\x00+"
}

// parseTIFF reads the header and the first IFD.
func parseTIFF(data []byte) (*tiffIFD, error) {
	if len(data) < 8 {
		return nil, errors.New("tiff: file too short")
	}
	d := &tiffIFD{photometric: -1, spp: 1, bps: 1, sampleFormat: 1, compression: 1, predictor: 1, fillOrder: 1}
	switch string(data[:2]) {
	case "II":
		d.bo = binary.LittleEndian
	case "MM":
		d.bo = binary.BigEndian
	default:
		return nil, errors.New("tiff: not a TIFF file (bad byte-order mark)")
	}
	var big bool
	var off uint64
	switch d.bo.Uint16(data[2:4]) {
	case 42:
		off = uint64(d.bo.Uint32(data[4:8]))
	case 43:
		if len(data) < 16 || d.bo.Uint16(data[4:6]) != 8 || d.bo.Uint16(data[6:8]) != 0 {
			return nil, errors.New("tiff: malformed BigTIFF header")
		}
		big = true
		off = d.bo.Uint64(data[8:16])
	default:
		return nil, errors.New("tiff: not a TIFF file (bad magic number)")
	}

	entrySize, countSize, inline := uint64(12), uint64(2), uint64(4)
	if big {
		entrySize, countSize, inline = 20, 8, 8
	}
	if off < 8 || off > uint64(len(data)) || uint64(len(data))-off < countSize {
		return nil, fmt.Errorf("tiff: first directory offset %d outside the file", off)
	}
	var n uint64
	if big {
		n = d.bo.Uint64(data[off:])
	} else {
		n = uint64(d.bo.Uint16(data[off:]))
	}
	start := off + countSize
	if n == 0 || n > (uint64(len(data))-start)/entrySize {
		return nil, fmt.Errorf("tiff: directory with %d entries does not fit in the file", n)
	}
	var haveW, haveH, haveOffsets bool
	var rps uint64 = math.MaxUint64
	var tileW, tileH uint64
	var stripOffsets, stripCounts, tileOffsets, tileCounts []uint64
	for i := uint64(0); i < n; i++ {
		e := data[start+i*entrySize : start+(i+1)*entrySize]
		tag := d.bo.Uint16(e[0:2])
		switch tag {
		case tagImageWidth, tagImageLength, tagBitsPerSample, tagCompression, tagPhotometric,
			tagFillOrder, tagStripOffsets, tagSamplesPerPixel, tagRowsPerStrip, tagStripByteCounts,
			tagPredictor, tagTileWidth, tagTileLength, tagTileOffsets, tagTileByteCounts, tagSampleFormat:
		default:
			continue
		}
		typ := d.bo.Uint16(e[2:4])
		var count uint64
		var field []byte
		if big {
			count, field = d.bo.Uint64(e[4:12]), e[12:20]
		} else {
			count, field = uint64(d.bo.Uint32(e[4:8])), e[8:12]
		}
		vals, err := d.uints(data, tag, typ, count, field, inline)
		if err != nil {
			return nil, err
		}
		first := vals[0]
		switch tag {
		case tagImageWidth:
			d.width, haveW = clampInt(first), true
		case tagImageLength:
			d.height, haveH = clampInt(first), true
		case tagBitsPerSample:
			for _, v := range vals {
				if v != first {
					return nil, fmt.Errorf("tiff: samples of different bit depths %v", vals)
				}
			}
			d.bps = clampInt(first)
		case tagSampleFormat:
			for _, v := range vals {
				if v != first {
					return nil, fmt.Errorf("tiff: samples of different formats %v", vals)
				}
			}
			d.sampleFormat = clampInt(first)
		case tagCompression:
			d.compression = clampInt(first)
		case tagPhotometric:
			d.photometric = clampInt(first)
		case tagFillOrder:
			d.fillOrder = clampInt(first)
		case tagSamplesPerPixel:
			d.spp = clampInt(first)
		case tagRowsPerStrip:
			rps = first
		case tagPredictor:
			d.predictor = clampInt(first)
		case tagTileWidth:
			tileW = first
		case tagTileLength:
			tileH = first
		case tagStripOffsets:
			stripOffsets, haveOffsets = vals, true
		case tagStripByteCounts:
			stripCounts = vals
		case tagTileOffsets:
			tileOffsets = vals
		case tagTileByteCounts:
			tileCounts = vals
		}
	}
	if !haveW || !haveH {
		return nil, errors.New("tiff: missing ImageWidth or ImageLength")
	}
	if err := checkSize("tiff", d.width, d.height); err != nil {
		return nil, err
	}
	if d.spp < 1 || d.spp > 64 {
		return nil, fmt.Errorf("tiff: invalid SamplesPerPixel %d", d.spp)
	}
	if tileOffsets != nil || tileW != 0 || tileH != 0 {
		if tileW == 0 || tileH == 0 || tileW > MaxPixels || tileH > MaxPixels || tileW*tileH > MaxPixels {
			return nil, fmt.Errorf("tiff: invalid tile size %dx%d", tileW, tileH)
		}
		if tileOffsets == nil || tileCounts == nil {
			return nil, errors.New("tiff: tiled image without TileOffsets or TileByteCounts")
		}
		d.tiled, d.tileW, d.tileH = true, int(tileW), int(tileH)
		d.offsets, d.counts = tileOffsets, tileCounts
	} else {
		if !haveOffsets || stripCounts == nil {
			return nil, errors.New("tiff: missing StripOffsets or StripByteCounts")
		}
		if rps == 0 {
			return nil, errors.New("tiff: RowsPerStrip is 0")
		}
		d.rowsPerStrip = int(min(rps, uint64(d.height)))
		d.offsets, d.counts = stripOffsets, stripCounts
	}
	return d, nil
}

func clampInt(v uint64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}

// uints returns the values of an integer-typed IFD entry.
func (d *tiffIFD) uints(data []byte, tag, typ uint16, count uint64, field []byte, inline uint64) ([]uint64, error) {
	var size uint64
	switch typ {
	case 1, 7: // BYTE, UNDEFINED
		size = 1
	case 3: // SHORT
		size = 2
	case 4, 13: // LONG, IFD
		size = 4
	case 16, 18: // LONG8, IFD8
		size = 8
	default:
		return nil, fmt.Errorf("tiff: tag %d has non-integer type %d", tag, typ)
	}
	if count == 0 {
		return nil, fmt.Errorf("tiff: tag %d has no values", tag)
	}
	if count > uint64(len(data))/size+1 {
		return nil, fmt.Errorf("tiff: tag %d claims %d values, more than the file holds", tag, count)
	}
	p := field
	if count*size > inline {
		var off uint64
		if inline == 8 {
			off = d.bo.Uint64(field)
		} else {
			off = uint64(d.bo.Uint32(field))
		}
		if off > uint64(len(data)) || uint64(len(data))-off < count*size {
			return nil, fmt.Errorf("tiff: values of tag %d lie outside the file", tag)
		}
		p = data[off : off+count*size]
	}
	out := make([]uint64, count)
	for i := range out {
		switch size {
		case 1:
			out[i] = uint64(p[i])
		case 2:
			out[i] = uint64(d.bo.Uint16(p[2*i:]))
		case 4:
			out[i] = uint64(d.bo.Uint32(p[4*i:]))
		case 8:
			out[i] = d.bo.Uint64(p[8*i:])
		}
	}
	return out, nil
}

// maxRatio bounds how many decoded bytes one stored byte can produce under a
// compression, with slack for tiny streams; it keeps a lying header from
// causing an allocation far larger than the file.
func maxRatio(compression int) (mul, add uint64) {
	switch compression {
	case compNone:
		return 1, 0
	case compPackBits:
		return 64, 128
	case compDeflate, compDeflateAd:
		return 1032, 64
	case compLZW:
		return 4096, 4096
	}
	return 1 << 13, 4096 // CCITT and others, decoded by x/image/tiff
}

// chunkGeometry returns the number of chunks (strips or tiles) and the
// chunks' width in pixels.
func (d *tiffIFD) chunkGeometry() (n, chunkW int) {
	if d.tiled {
		across := (d.width + d.tileW - 1) / d.tileW
		down := (d.height + d.tileH - 1) / d.tileH
		return across * down, d.tileW
	}
	return (d.height + d.rowsPerStrip - 1) / d.rowsPerStrip, d.width
}

// chunkRect returns chunk i's top-left pixel and its stored row count.
func (d *tiffIFD) chunkRect(i int) (x0, y0, rows int) {
	if d.tiled {
		across := (d.width + d.tileW - 1) / d.tileW
		return (i % across) * d.tileW, (i / across) * d.tileH, d.tileH
	}
	y0 = i * d.rowsPerStrip
	return 0, y0, min(d.rowsPerStrip, d.height-y0)
}

// checkChunks verifies that the chunk tables cover the image, that every
// chunk lies inside the file, and that no chunk claims to decode to more
// than its compression could produce from its stored size. bitsPerPixel is
// the packed size of one pixel.
func (d *tiffIFD) checkChunks(data []byte, bitsPerPixel int) error {
	n, chunkW := d.chunkGeometry()
	kind := "strip"
	if d.tiled {
		kind = "tile"
	}
	if len(d.offsets) < n || len(d.counts) < n {
		return fmt.Errorf("tiff: image needs %d %ss but the file lists %d offsets and %d byte counts",
			n, kind, len(d.offsets), len(d.counts))
	}
	mul, add := maxRatio(d.compression)
	// Chunks may overlap in a malicious file, so bound the total as well.
	var total uint64
	limit := mul*uint64(len(data)) + add*uint64(n)
	for i := range n {
		off, cnt := d.offsets[i], d.counts[i]
		if off > uint64(len(data)) || uint64(len(data))-off < cnt {
			return fmt.Errorf("tiff: %s %d (offset %d, %d bytes) extends past the end of the file (%d bytes)",
				kind, i, off, cnt, len(data))
		}
		_, _, rows := d.chunkRect(i)
		rowBytes := (uint64(chunkW)*uint64(bitsPerPixel) + 7) / 8
		need := rowBytes * uint64(rows)
		if d.compression == compNone {
			if cnt < need {
				return fmt.Errorf("tiff: %s %d holds %d bytes, needs %d (truncated file?)", kind, i, cnt, need)
			}
		} else if need > cnt*mul+add {
			return fmt.Errorf("tiff: %s %d cannot decode to %d bytes from %d stored bytes", kind, i, need, cnt)
		}
		if total += need; total > limit {
			return fmt.Errorf("tiff: %d %ss cannot decode to %d bytes from a %d-byte file", n, kind, total, len(data))
		}
	}
	return nil
}

// decodeGrey decodes a one-sample-per-pixel image. When scale is true,
// integer samples are mapped to [0, 1]; otherwise they keep their raw value.
func (d *tiffIFD) decodeGrey(data []byte, scale bool) (Map, error) {
	if d.spp != 1 {
		return Map{}, fmt.Errorf("tiff: %d samples per pixel; a score map (or float mask) must have one channel", d.spp)
	}
	switch {
	case d.sampleFormat == 3 && (d.bps == 32 || d.bps == 64):
	case d.sampleFormat == 1 && (d.bps == 8 || d.bps == 16):
		if d.photometric > 1 {
			return Map{}, fmt.Errorf("tiff: PhotometricInterpretation %d; a score map must be grey", d.photometric)
		}
	case d.sampleFormat == 3:
		return Map{}, fmt.Errorf("tiff: %d-bit float samples unsupported (want 32 or 64)", d.bps)
	case d.sampleFormat == 1:
		return Map{}, fmt.Errorf("tiff: %d-bit unsigned integer samples unsupported (want 8 or 16, or float)", d.bps)
	case d.sampleFormat == 2:
		return Map{}, fmt.Errorf("tiff: %d-bit signed integer samples unsupported", d.bps)
	default:
		return Map{}, fmt.Errorf("tiff: unsupported SampleFormat %d", d.sampleFormat)
	}
	switch d.compression {
	case compNone, compLZW, compDeflate, compDeflateAd, compPackBits:
	default:
		return Map{}, fmt.Errorf("tiff: unsupported compression %d", d.compression)
	}
	switch d.compression {
	case compLZW, compDeflate, compDeflateAd:
	default:
		// As libtiff and tifffile do: only these codecs use a predictor.
		d.predictor = 1
	}
	switch {
	case d.predictor == 1:
	case d.predictor == 2:
	case d.predictor == 3 && d.sampleFormat == 3:
	default:
		return Map{}, fmt.Errorf("tiff: unsupported predictor %d for %d-bit samples", d.predictor, d.bps)
	}
	if d.fillOrder != 1 {
		return Map{}, fmt.Errorf("tiff: unsupported FillOrder %d", d.fillOrder)
	}
	// The float32 output and one chunk's samples (float64: 8 bytes a pixel).
	if err := CheckDecodeSize("tiff", d.width, d.height, max(4, d.bps/8)); err != nil {
		return Map{}, err
	}
	if err := d.checkChunks(data, d.bps); err != nil {
		return Map{}, err
	}

	bytesPer := d.bps / 8
	n, chunkW := d.chunkGeometry()
	rowBytes := chunkW * bytesPer
	out := make([]float32, d.width*d.height)
	var buf []byte
	var zr io.ReadCloser
	conv := d.converter(scale)
	for i := range n {
		x0, y0, rows := d.chunkRect(i)
		need := rowBytes * rows
		raw := data[d.offsets[i] : d.offsets[i]+d.counts[i]]
		var chunk []byte
		if d.compression == compNone && d.predictor == 1 {
			chunk = raw[:need]
		} else {
			if cap(buf) < need {
				buf = make([]byte, need)
			}
			chunk = buf[:need]
			if err := d.decompress(chunk, raw, &zr); err != nil {
				kind := "strip"
				if d.tiled {
					kind = "tile"
				}
				return Map{}, fmt.Errorf("tiff: %s %d: %w", kind, i, err)
			}
		}
		// Only the part of the chunk inside the image is kept (tiles may
		// overhang the right and bottom edges).
		cols := min(chunkW, d.width-x0)
		keepRows := min(rows, d.height-y0)
		for r := range keepRows {
			row := chunk[r*rowBytes : (r+1)*rowBytes]
			dst := out[(y0+r)*d.width+x0 : (y0+r)*d.width+x0+cols]
			switch d.predictor {
			case 2:
				d.undoHorizontal(row)
				conv(dst, row)
			case 3:
				undoFloatPredictor(dst, row, bytesPer)
			default:
				conv(dst, row)
			}
		}
	}
	return Map{Width: d.width, Height: d.height, Pix: out}, nil
}

// decompress fills dst from the stored bytes src.
func (d *tiffIFD) decompress(dst, src []byte, zr *io.ReadCloser) error {
	switch d.compression {
	case compNone:
		copy(dst, src)
		return nil
	case compPackBits:
		return unpackBits(dst, src)
	case compDeflate, compDeflateAd:
		var err error
		if *zr == nil {
			*zr, err = zlib.NewReader(bytes.NewReader(src))
		} else {
			err = (*zr).(zlib.Resetter).Reset(bytes.NewReader(src), nil)
		}
		if err != nil {
			*zr = nil
			return fmt.Errorf("deflate: %w", err)
		}
		if _, err := io.ReadFull(*zr, dst); err != nil {
			return fmt.Errorf("deflate: %w", noEOF(err))
		}
		// Reading on to the end of the stream verifies its checksum, which
		// catches corruption inside stored (incompressible) blocks. Data
		// beyond what the image needs is ignored.
		var extra [64]byte
		if _, err := io.ReadFull(*zr, extra[:]); err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("deflate: %w", err)
		}
		return nil
	case compLZW:
		lr := lzw.NewReader(bytes.NewReader(src), lzw.MSB, 8)
		defer lr.Close()
		if _, err := io.ReadFull(lr, dst); err != nil {
			return fmt.Errorf("lzw: %w", noEOF(err))
		}
		return nil
	}
	return fmt.Errorf("unsupported compression %d", d.compression)
}

// checkExpansion decompresses every chunk, counting the bytes without
// keeping them, and refuses a chunk whose stream expands past the rows it
// holds (bitsPerPixel bits a pixel). It guards golang.org/x/image/tiff,
// which reads a chunk's whole stream into memory, up to 8 bytes a pixel
// whatever the image needs: a small deflate stream of zeros could take
// gigabytes. CCITT streams end with their rows and stored chunks with their
// byte count, so only deflate, LZW and PackBits are checked.
func (d *tiffIFD) checkExpansion(data []byte, bitsPerPixel int) error {
	switch d.compression {
	case compDeflate, compDeflateAd, compLZW, compPackBits:
	default:
		return nil
	}
	n, chunkW := d.chunkGeometry()
	rows := d.rowsPerStrip
	if d.tiled {
		rows = d.tileH
	}
	limit := int64((uint64(chunkW)*uint64(bitsPerPixel) + 7) / 8 * uint64(rows))
	for i := range min(n, len(d.offsets), len(d.counts)) {
		off, cnt := d.offsets[i], d.counts[i]
		if off > uint64(len(data)) || uint64(len(data))-off < cnt {
			return nil // reported by the decoder
		}
		src := data[off : off+cnt]
		var got int64
		switch d.compression {
		case compPackBits:
			got = packBitsLen(src)
		case compLZW:
			lr := lzw.NewReader(bytes.NewReader(src), lzw.MSB, 8)
			got, _ = io.Copy(io.Discard, io.LimitReader(lr, limit+1))
			lr.Close()
		default:
			zr, err := zlib.NewReader(bytes.NewReader(src))
			if err != nil {
				return nil // reported by the decoder
			}
			got, _ = io.Copy(io.Discard, io.LimitReader(zr, limit+1))
		}
		if got > limit {
			return fmt.Errorf("tiff: chunk %d expands to more than the %d bytes of its %d rows", i, limit, rows)
		}
	}
	return nil
}

// packBitsLen is the length of what unpackBits would write from src.
func packBitsLen(src []byte) int64 {
	var n int64
	for i := 0; i < len(src); {
		c := int(int8(src[i]))
		switch {
		case c >= 0:
			n += int64(c + 1)
			i += c + 2
		case c != -128:
			n += int64(1 - c)
			i += 2
		default:
			i++
		}
	}
	return n
}

// xImageBytes is how many bytes a pixel takes when golang.org/x/image/tiff
// decodes an integer image: the decoded image (1 byte for grey and
// palette, 2 for 16-bit grey, 4 for 8-bit colour, 8 for 16-bit colour) and
// one chunk's decompressed samples, which its buffer may hold twice over
// while it grows.
func (d *tiffIFD) xImageBytes() int {
	decoded := 4
	switch {
	case d.spp == 1 && d.bps <= 8:
		decoded = 1
	case d.spp == 1:
		decoded = 2
	case d.bps > 8:
		decoded = 8
	}
	return decoded + 2*d.bps*d.spp/8
}

// unpackBits decodes PackBits (Apple's byte-oriented run-length code) until
// dst is full.
func unpackBits(dst, src []byte) error {
	o, i := 0, 0
	for o < len(dst) {
		if i >= len(src) {
			return fmt.Errorf("packbits: data ends after %d of %d bytes", o, len(dst))
		}
		n := int(int8(src[i]))
		i++
		switch {
		case n >= 0:
			k := n + 1
			if i+k > len(src) || o+k > len(dst) {
				return errors.New("packbits: literal run overruns the data")
			}
			copy(dst[o:], src[i:i+k])
			i += k
			o += k
		case n != -128:
			k := 1 - n
			if i >= len(src) || o+k > len(dst) {
				return errors.New("packbits: repeat run overruns the data")
			}
			b := src[i]
			i++
			for j := range k {
				dst[o+j] = b
			}
			o += k
		}
	}
	return nil
}

// undoHorizontal reverses predictor 2 in place on one row: each sample's
// integer bit pattern (in the file's byte order) was stored as the
// difference from its left neighbour, modulo 2^bits.
func (d *tiffIFD) undoHorizontal(row []byte) {
	bo := d.bo
	switch d.bps {
	case 8:
		for i := 1; i < len(row); i++ {
			row[i] += row[i-1]
		}
	case 16:
		prev := bo.Uint16(row)
		for i := 2; i+2 <= len(row); i += 2 {
			prev += bo.Uint16(row[i:])
			bo.PutUint16(row[i:], prev)
		}
	case 32:
		prev := bo.Uint32(row)
		for i := 4; i+4 <= len(row); i += 4 {
			prev += bo.Uint32(row[i:])
			bo.PutUint32(row[i:], prev)
		}
	case 64:
		prev := bo.Uint64(row)
		for i := 8; i+8 <= len(row); i += 8 {
			prev += bo.Uint64(row[i:])
			bo.PutUint64(row[i:], prev)
		}
	}
}

// undoFloatPredictor reverses predictor 3 (Adobe TIFF Technote 3) on one
// row and writes the first len(dst) values: the row holds the samples'
// bytes as planes, most significant byte first regardless of the file's
// byte order, and each byte was stored as the difference from the previous
// byte of the row.
func undoFloatPredictor(dst []float32, row []byte, bytesPer int) {
	for i := 1; i < len(row); i++ {
		row[i] += row[i-1]
	}
	w := len(row) / bytesPer
	if bytesPer == 4 {
		p0, p1, p2, p3 := row[:w], row[w:2*w], row[2*w:3*w], row[3*w:4*w]
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(p0[i])<<24 | uint32(p1[i])<<16 | uint32(p2[i])<<8 | uint32(p3[i]))
		}
		return
	}
	for i := range dst {
		var bits uint64
		for k := range 8 {
			bits = bits<<8 | uint64(row[k*w+i])
		}
		dst[i] = float32(math.Float64frombits(bits))
	}
}

// converter returns a function converting the first len(dst) samples of a
// row (predictor already undone) to float32.
func (d *tiffIFD) converter(scale bool) func(dst []float32, row []byte) {
	bo := d.bo
	invert := d.photometric == 0 && d.sampleFormat == 1
	switch {
	case d.sampleFormat == 3 && d.bps == 32:
		if bo == binary.LittleEndian {
			return func(dst []float32, row []byte) {
				for i := range dst {
					dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(row[4*i:]))
				}
			}
		}
		return func(dst []float32, row []byte) {
			for i := range dst {
				dst[i] = math.Float32frombits(binary.BigEndian.Uint32(row[4*i:]))
			}
		}
	case d.sampleFormat == 3:
		return func(dst []float32, row []byte) {
			for i := range dst {
				dst[i] = float32(math.Float64frombits(bo.Uint64(row[8*i:])))
			}
		}
	case d.bps == 8:
		div := float32(1)
		if scale {
			div = 255
		}
		return func(dst []float32, row []byte) {
			for i := range dst {
				v := row[i]
				if invert {
					v = 255 - v
				}
				dst[i] = float32(v) / div
			}
		}
	default: // 16-bit unsigned
		div := float32(1)
		if scale {
			div = 65535
		}
		return func(dst []float32, row []byte) {
			for i := range dst {
				v := bo.Uint16(row[2*i:])
				if invert {
					v = 65535 - v
				}
				dst[i] = float32(v) / div
			}
		}
	}
}
