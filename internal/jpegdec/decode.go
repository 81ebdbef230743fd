// Package jpegdec decodes JPEG files to the pixels PIL gives: the same bytes
// as libjpeg-turbo's default decompression, which is what
// PIL.Image.open(p).convert("RGB") (or "L") returns.
//
// Go's image/jpeg does not: it upsamples subsampled chroma by replication
// where libjpeg interpolates ("fancy" upsampling), and its IDCT and YCbCr
// conversion round differently, so most samples of a 4:2:0 photo differ,
// by up to a hundred levels at saturated colour edges (testdata/jpeg). Models
// trained and evaluated through PIL see libjpeg's pixels, so an evaluation
// that decodes JPEG inputs or masks must see them too. No Go library decodes
// exactly as libjpeg does, and binding libjpeg-turbo through cgo would break
// `go install` on machines without a C toolchain and the library, so this
// package reimplements libjpeg-turbo's documented algorithms. The references
// (testdata/jpeg) come from Debian 12's PIL with libjpeg-turbo 2.1.5; 3.x,
// which recent Pillow wheels bundle, differs only in block smoothing's edge
// handling (below):
//
//   - entropy decoding of baseline, extended sequential and progressive
//     Huffman JPEGs (interleaved or not, with restart markers), as jdhuff.c
//     and jdphuff.c; the standard Huffman tables when a sequential file
//     defines none (Motion-JPEG frames), as libjpeg-turbo does;
//   - the accurate integer IDCT (jidctint.c, JDCT_ISLOW, the default), in
//     its exact fixed-point arithmetic as libjpeg-turbo's x86-64 SIMD code
//     computes it (the C code's results on every encoder's output; 16-bit
//     wrapping and saturation on damaged data), see idct.go;
//   - chroma upsampling as jdsample.c with do_fancy_upsampling on (the
//     default; merged upsampling is not used then): triangular "fancy"
//     filters for 2x1 (h2v1, when a component is wider than 2 samples), 1x2
//     (h1v2) and 2x2 (h2v2, wider than 2) ratios, replication for other
//     integer ratios;
//   - colour conversion as jdcolor.c: YCbCr to RGB through its 16-bit
//     fixed-point tables, RGB JPEGs (Adobe transform 0) copied, CMYK and
//     YCCK (Adobe) converted as PIL does ("CMYK;I" raw mode, then PIL's
//     CMYK to RGB);
//   - block smoothing (jdcoefct.c, do_block_smoothing, on by default) of
//     progressive files whose first AC coefficients are incomplete, as
//     libjpeg-turbo 2.1.5 does it (3.0 changed its edge handling): see
//     smooth.go. Complete files are never smoothed.
//
// Which colour space a 3- or 4-component file is in follows libjpeg's rules
// (JFIF marker, Adobe transform, component IDs 'R','G','B').
//
// Damaged files are decoded the way libjpeg-turbo decodes them where PIL
// accepts them: stray bytes before a marker are skipped; when a scan's data
// ends early (a marker where data should be) the MCU in progress reads zero
// bits and the rest of the segment is left unread; misnumbered or lost
// restart markers are resynchronised as jpeg_resync_to_restart does; a bit
// pattern that is no Huffman code reads as symbol 0; a component whose scan
// never came is mid-grey. A file that ends before its EOI marker is an
// error, as PIL's "image file is truncated". (Of 400 files with random
// bytes overwritten in their scans, PIL decoded 344, all identically here,
// and refused 56, refused here too.)
//
// Not supported (an error): arithmetic coding (which PIL decodes; it is
// rare), lossless and hierarchical JPEG, 12-bit samples, 2-component files,
// fractional sampling ratios (none of which PIL decodes either), and DNL
// markers. Decode never panics, refuses an image larger than its caller's
// pixel limit before allocating for it, and refuses files of more than
// maxScans scans.
package jpegdec

import (
	"fmt"
	"image"
)

// Config is what a JPEG file's frame header says.
type Config struct {
	Width, Height int
	Components    int  // 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK or YCCK)
	Progressive   bool // SOF2 rather than SOF0/SOF1
}

// BytesPerPixel is how many bytes a pixel of the image takes while Decode
// works, before the output image: a sample plane a component, and a
// progressive file's coefficients (2 bytes a sample) besides. Callers bound
// the memory of a decode with it before decoding.
func (c Config) BytesPerPixel() int {
	if c.Progressive {
		return 3 * c.Components
	}
	return c.Components
}

// FormatError reports a malformed or unsupported file.
type FormatError string

func (e FormatError) Error() string { return "jpeg: " + string(e) }

var errTruncated = FormatError("file is truncated")

// maxScans bounds the work a small hostile file can ask for: each scan may
// cost a pass over the whole image even when its data is empty. Encoders
// write at most a few dozen (libjpeg's progressive script has 10).
const maxScans = 1000

type component struct {
	id     uint8
	h, v   int       // sampling factors
	tq     int       // quantisation table selector
	q      [64]int16 // the quantisers as libjpeg's 16-bit ISLOW_MULT_TYPE
	qRaw   [64]uint16
	qSet   bool // q latched (at the component's first scan, as libjpeg does)
	bw, bh int  // blocks per row and column of the MCU-padded plane
	cw, ch int  // samples actually in the image (libjpeg's downsampled size)
	plane  []uint8
	coefs  []int16 // progressive: 64 natural-order coefficients per block
	dcPred int32
	td, ta int // Huffman table selectors of the current scan
	// Progression of the first coefficients, for block smoothing (smooth.go).
	coefBits, prevBits, prevLatch [smoothedCoefs]int
}

type decoder struct {
	data          []byte
	pos           int
	maxPixels     int
	width, height int
	progressive   bool
	comps         []component
	maxH, maxV    int
	mcusX, mcusY  int
	quant         [4][64]uint16 // natural order
	quantSet      [4]bool
	dc, ac        [4]huffTable
	restart       int
	jfif, adobe   bool
	transform     uint8
	eobrun        int32
	br            bitReader
	blk           [64]int16
	scans         int
	imageDone     bool // a single-scan sequential file's scan is decoded
	lastGood      int  // last iMCU row reached with data, in the last scan
}

// DecodeConfig parses the markers up to the frame header.
func DecodeConfig(data []byte) (Config, error) {
	d := &decoder{data: data}
	if err := d.readHeaders(true); err != nil {
		return Config{}, err
	}
	return Config{Width: d.width, Height: d.height, Components: len(d.comps), Progressive: d.progressive}, nil
}

// Decode decodes a JPEG file held in data. A grey (1-component) file gives
// an *image.Gray, every other an opaque *image.RGBA holding the RGB that
// PIL's convert("RGB") returns. An image of more than maxPixels pixels is
// refused before its pixels are allocated.
func Decode(data []byte, maxPixels int) (img image.Image, err error) {
	defer func() {
		// Every index is checked; this only turns a bug into an error
		// rather than a crash of the caller.
		if p := recover(); p != nil {
			img, err = nil, FormatError(fmt.Sprintf("internal error on malformed data: %v", p))
		}
	}()
	d := &decoder{data: data, maxPixels: maxPixels}
	if err := d.readHeaders(false); err != nil && !(d.imageDone && err == errTruncated) {
		// Once a single-scan file's scan is decoded, libjpeg has every
		// scanline and PIL ignores a file that ends before EOI.
		return nil, err
	}
	if d.progressive {
		smooth := d.smoothingOK()
		for i := range d.comps {
			c := &d.comps[i]
			for k := range c.prevLatch {
				c.prevLatch[k] = -1
				if d.scans > 1 {
					c.prevLatch[k] = c.prevBits[k]
				}
			}
			if smooth {
				d.idctSmoothed(c)
			} else {
				d.idctAll(c)
			}
		}
	}
	return d.convert()
}

const (
	mSOF0 = 0xC0
	mSOF1 = 0xC1
	mSOF2 = 0xC2
	mDHT  = 0xC4
	mRST0 = 0xD0
	mRST7 = 0xD7
	mSOI  = 0xD8
	mEOI  = 0xD9
	mSOS  = 0xDA
	mDQT  = 0xDB
	mDNL  = 0xDC
	mDRI  = 0xDD
	mAPP0 = 0xE0
	mAPPE = 0xEE
	mCOM  = 0xFE
)

// nextMarker returns the next marker code at or after d.pos, skipping stray
// bytes and fill bytes as libjpeg's next_marker does; 0 at the end of data.
func (d *decoder) nextMarker() byte {
	for d.pos+1 < len(d.data) {
		if d.data[d.pos] != 0xFF {
			d.pos++
			continue
		}
		c := d.data[d.pos+1]
		if c == 0xFF {
			d.pos++
			continue
		}
		d.pos += 2
		if c == 0 {
			continue // a stuffed zero outside a scan: garbage
		}
		return c
	}
	d.pos = len(d.data)
	return 0
}

// segment returns the payload of the marker segment at d.pos and moves past it.
func (d *decoder) segment(name string) ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, errTruncated
	}
	n := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	if n < 2 {
		return nil, FormatError(fmt.Sprintf("bad %s marker length %d", name, n))
	}
	if d.pos+n > len(d.data) {
		return nil, errTruncated
	}
	p := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return p, nil
}

// readHeaders walks the file's markers. With configOnly it stops at the
// frame header; otherwise it decodes every scan up to EOI.
func (d *decoder) readHeaders(configOnly bool) error {
	if len(d.data) < 2 || d.data[0] != 0xFF || d.data[1] != mSOI {
		return FormatError("missing SOI marker (not a JPEG file)")
	}
	d.pos = 2
	sawSOF := false
	for {
		m := d.nextMarker()
		switch {
		case m == 0:
			return errTruncated // no EOI: PIL reports a truncated file too
		case m == mSOF0 || m == mSOF1 || m == mSOF2:
			if sawSOF {
				return FormatError("more than one frame (SOF) marker")
			}
			p, err := d.segment("SOF")
			if err != nil {
				return err
			}
			if err := d.parseSOF(p, m == mSOF2); err != nil {
				return err
			}
			sawSOF = true
			if configOnly {
				return nil
			}
			if err := d.allocate(); err != nil {
				return err
			}
		case m == 0xC3 || (m >= 0xC5 && m <= 0xC7) || (m >= 0xC9 && m <= 0xCB) || (m >= 0xCD && m <= 0xCF):
			return FormatError(fmt.Sprintf("unsupported JPEG process (SOF%d: %s)", m-0xC0, sofName(m)))
		case m == 0xC8:
			return FormatError("unsupported JPEG extension marker JPG")
		case m == 0xCC:
			return FormatError("arithmetic coding is not supported")
		case m == mDHT:
			p, err := d.segment("DHT")
			if err != nil {
				return err
			}
			if err := d.parseDHT(p); err != nil {
				return err
			}
		case m == mDQT:
			p, err := d.segment("DQT")
			if err != nil {
				return err
			}
			if err := d.parseDQT(p); err != nil {
				return err
			}
		case m == mDRI:
			p, err := d.segment("DRI")
			if err != nil {
				return err
			}
			if len(p) != 2 {
				return FormatError("bad DRI marker length")
			}
			d.restart = int(p[0])<<8 | int(p[1])
		case m == mSOS:
			if !sawSOF {
				return FormatError("scan (SOS) before the frame header (SOF)")
			}
			if d.imageDone {
				// libjpeg's JERR_EOI_EXPECTED.
				return FormatError("a second scan in a single-scan file (EOI expected)")
			}
			if d.scans == maxScans {
				return FormatError(fmt.Sprintf("more than %d scans", maxScans))
			}
			p, err := d.segment("SOS")
			if err != nil {
				return err
			}
			if err := d.decodeScan(p); err != nil {
				return err
			}
			d.scans++
		case m == mEOI:
			if !sawSOF {
				return FormatError("no image before EOI")
			}
			if d.scans == 0 {
				return FormatError("no scan before EOI")
			}
			return nil
		case m == mSOI:
			return FormatError("duplicate SOI marker")
		case m >= mRST0 && m <= mRST7, m == 0x01:
			// Parameterless; libjpeg ignores them outside a scan.
		case m >= mAPP0 && m <= 0xEF, m == mCOM, m == mDNL:
			p, err := d.segment("APP")
			if err != nil {
				return err
			}
			if m == mAPP0 && len(p) >= 14 && string(p[:5]) == "JFIF\x00" {
				d.jfif = true
			}
			if m == mAPPE && len(p) >= 12 && string(p[:5]) == "Adobe" {
				d.adobe, d.transform = true, p[11]
			}
		default:
			return FormatError(fmt.Sprintf("unknown marker 0x%02X", m))
		}
	}
}

func sofName(m byte) string {
	switch m {
	case 0xC3, 0xC7, 0xCB, 0xCF:
		return "lossless"
	case 0xC9, 0xCA:
		return "arithmetic coding"
	}
	return "hierarchical"
}

func (d *decoder) parseSOF(p []byte, progressive bool) error {
	if len(p) < 6 {
		return FormatError("bad SOF marker length")
	}
	if p[0] != 8 {
		return FormatError(fmt.Sprintf("unsupported sample precision %d (only 8-bit JPEGs)", p[0]))
	}
	d.height = int(p[1])<<8 | int(p[2])
	d.width = int(p[3])<<8 | int(p[4])
	n := int(p[5])
	if d.height == 0 {
		return FormatError("image height 0 (DNL markers are not supported)")
	}
	if d.width == 0 {
		return FormatError("image width 0")
	}
	if n != 1 && n != 3 && n != 4 {
		return FormatError(fmt.Sprintf("unsupported number of components %d", n))
	}
	if len(p) != 6+3*n {
		return FormatError("bad SOF marker length")
	}
	d.progressive = progressive
	d.comps = make([]component, n)
	d.maxH, d.maxV = 1, 1
	for i := range d.comps {
		c := &d.comps[i]
		b := p[6+3*i:]
		c.id, c.h, c.v, c.tq = b[0], int(b[1]>>4), int(b[1]&15), int(b[2])
		for k := range c.coefBits {
			c.coefBits[k], c.prevBits[k] = -1, -1
		}
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return FormatError(fmt.Sprintf("bad sampling factors %dx%d", c.h, c.v))
		}
		if c.tq > 3 {
			return FormatError(fmt.Sprintf("bad quantisation table number %d", c.tq))
		}
		for j := 0; j < i; j++ {
			if d.comps[j].id == c.id {
				return FormatError(fmt.Sprintf("duplicate component id %d", c.id))
			}
		}
		d.maxH, d.maxV = max(d.maxH, c.h), max(d.maxV, c.v)
	}
	for i := range d.comps {
		c := &d.comps[i]
		if d.maxH%c.h != 0 || d.maxV%c.v != 0 {
			return FormatError(fmt.Sprintf("unsupported sampling factors (%dx%d against %dx%d)", c.h, c.v, d.maxH, d.maxV))
		}
	}
	return nil
}

// allocate sizes every component's plane (and progressive coefficients)
// after checking the image against the pixel limit.
func (d *decoder) allocate() error {
	if d.width > d.maxPixels/d.height {
		return FormatError(fmt.Sprintf("image size %dx%d exceeds the limit of %d pixels", d.width, d.height, d.maxPixels))
	}
	d.mcusX = ceilDiv(d.width, 8*d.maxH)
	d.mcusY = ceilDiv(d.height, 8*d.maxV)
	for i := range d.comps {
		c := &d.comps[i]
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		c.cw = ceilDiv(d.width*c.h, d.maxH)
		c.ch = ceilDiv(d.height*c.v, d.maxV)
		c.plane = make([]uint8, 64*c.bw*c.bh)
		if d.progressive {
			c.coefs = make([]int16, 64*c.bw*c.bh)
		}
	}
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func (d *decoder) parseDQT(p []byte) error {
	for len(p) > 0 {
		pq, tq := p[0]>>4, int(p[0]&15)
		if tq > 3 || pq > 1 {
			return FormatError(fmt.Sprintf("bad DQT table %d (precision %d)", tq, pq))
		}
		n := 64 << pq
		if len(p) < 1+n {
			return FormatError("bad DQT marker length")
		}
		for k := 0; k < 64; k++ {
			v := uint16(p[1+k])
			if pq == 1 {
				v = uint16(p[1+2*k])<<8 | uint16(p[2+2*k])
			}
			d.quant[tq][zigzag[k]] = v
		}
		d.quantSet[tq] = true
		p = p[1+n:]
	}
	return nil
}

func (d *decoder) parseDHT(p []byte) error {
	for len(p) > 0 {
		if len(p) < 17 {
			return FormatError("bad DHT marker length")
		}
		tc, th := p[0]>>4, int(p[0]&15)
		if tc > 1 || th > 3 {
			return FormatError(fmt.Sprintf("bad DHT table class %d number %d", tc, th))
		}
		var counts [16]uint8
		copy(counts[:], p[1:17])
		n := 0
		for _, c := range counts {
			n += int(c)
		}
		if n > 256 || len(p) < 17+n {
			return FormatError("bad DHT marker length")
		}
		t := &d.dc[th]
		if tc == 1 {
			t = &d.ac[th]
		}
		if err := t.build(counts, p[17:17+n], tc == 0); err != nil {
			return err
		}
		p = p[17+n:]
	}
	return nil
}

// zigzag maps the k-th coefficient in zigzag (file) order to its natural
// (row-major) index. Entries past 63 absorb out-of-range run lengths in
// corrupt data, as libjpeg's jpeg_natural_order does.
var zigzag = [64 + 16]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
}
