package mapio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/x448/float16"
)

// npyMagic opens every .npy file.
const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header length a file may claim (NumPy itself
// refuses headers over 10000 bytes by default).
const maxNPYHeader = 1 << 16

// npyHeader is the part of a .npy header that matters to a score map.
type npyHeader struct {
	descr    string // e.g. "<f4"
	fortran  bool
	shape    []int
	order    binary.ByteOrder
	itemSize int // 2, 4 or 8
	h, w     int
}

// DecodeNPY reads a NumPy .npy file (format version 1, 2 or 3) holding a
// score map: dtype float16, float32 or float64 ('<f2', '>f2', '<f4', '>f4',
// '<f8', '>f8'), C or Fortran order, shape (H, W), or a 3-D shape with one
// singleton axis, (1, H, W) or (H, W, 1) (when both the first and last axes
// are 1, the first is taken as the singleton). float16 values (from
// mixed-precision inference) convert to float32 exactly; float64 values are
// rounded to the nearest float32 (values beyond float32's range become
// ±Inf). Any other dtype or
// shape, an empty array, or a payload shorter than the header promises is an
// error; bytes after the payload are ignored. Values are not checked for
// NaN/Inf here (see [Map.CheckFinite] and [ReadMap]).
//
// The header is parsed by this package, not by npyio: npyio v0.14's header
// reader panics on some malformed headers (a header without its final
// newline, keys in another order) and allocates whatever length a header
// claims. The output is allocated at once when r reports its remaining
// length (bytes.Reader, strings.Reader, bytes.Buffer, a regular *os.File)
// and that length holds the promised payload; otherwise it grows only as
// payload bytes actually arrive. Either way a header claiming a huge shape
// cannot cause a huge allocation.
func DecodeNPY(r io.Reader) (Map, error) { return decodeNPY(r, nil) }

// decodeNPY is DecodeNPY reading a little-endian float32 payload into
// alloc(n) (nil: make).
func decodeNPY(r io.Reader, alloc func(int) []float32) (Map, error) {
	h, err := readNPYHeader(r)
	if err != nil {
		return Map{}, err
	}
	total := h.h * h.w

	// Pre-size the output only when the reader says how much is left.
	capHint := min(total, 1<<16)
	if left, ok := remaining(r); ok {
		if avail := int(min(left/int64(h.itemSize), math.MaxInt32)); avail < total {
			return Map{}, h.truncated(avail)
		}
		capHint = total
	}
	if capHint == total && h.itemSize == 4 && h.order == binary.LittleEndian && nativeLittleEndian {
		// The common case, little-endian float32 on a little-endian
		// machine: the payload is the values' memory, read straight in.
		var pix []float32
		if alloc != nil {
			pix = alloc(total)
		} else {
			pix = make([]float32, total)
		}
		n, err := io.ReadFull(r, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(pix))), 4*total))
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return Map{}, h.truncated(n / 4)
		} else if err != nil {
			return Map{}, fmt.Errorf("npy: reading data: %w", err)
		}
		return h.finish(pix), nil
	}
	pix := make([]float32, 0, capHint)
	const chunk = 32 << 10
	buf := make([]byte, chunk)
	for len(pix) < total {
		k := min(chunk/h.itemSize, total-len(pix))
		nr, err := io.ReadFull(r, buf[:k*h.itemSize])
		pix = h.appendValues(pix, buf[:nr-nr%h.itemSize])
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return Map{}, h.truncated(len(pix))
			}
			return Map{}, fmt.Errorf("npy: reading data: %w", err)
		}
	}
	return h.finish(pix), nil
}

// readNPYHeader reads the preamble and header of a .npy stream, leaving r
// at the first byte of the payload.
func readNPYHeader(r io.Reader) (*npyHeader, error) {
	var pre [12]byte
	if _, err := io.ReadFull(r, pre[:10]); err != nil {
		return nil, fmt.Errorf("npy: reading header: %w", noEOF(err))
	}
	hlen, n, err := npyPreamble(pre[:10])
	if err != nil {
		return nil, err
	}
	if n == 12 {
		if _, err := io.ReadFull(r, pre[10:12]); err != nil {
			return nil, fmt.Errorf("npy: reading header: %w", noEOF(err))
		}
		hlen = int(binary.LittleEndian.Uint32(pre[8:12]))
		if hlen > maxNPYHeader {
			return nil, fmt.Errorf("npy: header length %d exceeds %d bytes", hlen, maxNPYHeader)
		}
	}
	hdrText := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdrText); err != nil {
		return nil, fmt.Errorf("npy: header truncated: %w", noEOF(err))
	}
	return parseNPYHeader(hdrText)
}

// nativeLittleEndian reports whether this machine stores a uint32's low
// byte first, as little-endian .npy payloads do.
var nativeLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// remaining reports how many bytes are left to read from r when r can say:
// an in-memory reader (Len) or a regular file (Stat and Seek).
func remaining(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len()), true
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil || pos > fi.Size() {
			return 0, false
		}
		return fi.Size() - pos, true
	}
	return 0, false
}

// decodeNPYBytes is DecodeNPY for a file already in memory.
func decodeNPYBytes(data []byte) (Map, error) {
	if len(data) < 10 {
		return Map{}, fmt.Errorf("npy: reading header: %w", io.ErrUnexpectedEOF)
	}
	hlen, n, err := npyPreamble(data[:10])
	if err != nil {
		return Map{}, err
	}
	if n == 12 {
		if len(data) < 12 {
			return Map{}, fmt.Errorf("npy: reading header: %w", io.ErrUnexpectedEOF)
		}
		hlen = int(binary.LittleEndian.Uint32(data[8:12]))
		if hlen > maxNPYHeader {
			return Map{}, fmt.Errorf("npy: header length %d exceeds %d bytes", hlen, maxNPYHeader)
		}
	}
	if len(data)-n < hlen {
		return Map{}, fmt.Errorf("npy: header truncated: %w", io.ErrUnexpectedEOF)
	}
	h, err := parseNPYHeader(data[n : n+hlen])
	if err != nil {
		return Map{}, err
	}
	payload := data[n+hlen:]
	total := h.h * h.w
	if avail := len(payload) / h.itemSize; avail < total {
		return Map{}, h.truncated(avail)
	}
	pix := h.appendValues(make([]float32, 0, total), payload[:total*h.itemSize])
	return h.finish(pix), nil
}

// npyPreamble checks the magic string and version in the first 10 bytes and
// returns the header length (for version 1) and the offset of the header text.
func npyPreamble(p []byte) (hlen, offset int, err error) {
	if string(p[:6]) != npyMagic {
		return 0, 0, errors.New("npy: not a NumPy .npy file (bad magic)")
	}
	switch p[6] {
	case 1:
		return int(binary.LittleEndian.Uint16(p[8:10])), 10, nil
	case 2, 3:
		return 0, 12, nil
	}
	return 0, 0, fmt.Errorf("npy: unsupported format version %d.%d", p[6], p[7])
}

func (h *npyHeader) shapeString() string {
	parts := make([]string, len(h.shape))
	for i, d := range h.shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (h *npyHeader) truncated(got int) error {
	return fmt.Errorf("npy: data truncated: shape %s needs %d values of %d bytes, file holds %d",
		h.shapeString(), h.h*h.w, h.itemSize, got)
}

// appendValues converts whole items of raw to float32 and appends them.
func (h *npyHeader) appendValues(dst []float32, raw []byte) []float32 {
	n := len(raw) / h.itemSize
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	out := dst[start:]
	switch {
	case h.itemSize == 2:
		raw = raw[:2*len(out)]
		for i := range out {
			out[i] = float16.Frombits(h.order.Uint16(raw[2*i : 2*i+2])).Float32()
		}
	case h.itemSize == 4 && h.order == binary.LittleEndian:
		raw = raw[:4*len(out)]
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i : 4*i+4]))
		}
	case h.itemSize == 4:
		raw = raw[:4*len(out)]
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(raw[4*i : 4*i+4]))
		}
	case h.order == binary.LittleEndian:
		raw = raw[:8*len(out)]
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i : 8*i+8])))
		}
	default:
		raw = raw[:8*len(out)]
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(raw[8*i : 8*i+8])))
		}
	}
	return dst
}

// finish turns the decoded values (in file order) into a row-major Map.
func (h *npyHeader) finish(pix []float32) Map {
	if h.fortran && h.w > 1 && h.h > 1 {
		// Fortran order stores column after column: pix is W rows of H.
		t := make([]float32, len(pix))
		transpose(t, pix, h.w, h.h)
		pix = t
	}
	return Map{Width: h.w, Height: h.h, Pix: pix}
}

// transpose writes the transpose of src (rows x cols, row-major) into dst
// (cols x rows), in cache-friendly blocks.
func transpose(dst, src []float32, rows, cols int) {
	const b = 32
	for r0 := 0; r0 < rows; r0 += b {
		r1 := min(r0+b, rows)
		for c0 := 0; c0 < cols; c0 += b {
			c1 := min(c0+b, cols)
			for r := r0; r < r1; r++ {
				for c := c0; c < c1; c++ {
					dst[c*rows+r] = src[r*cols+c]
				}
			}
		}
	}
}

// parseNPYHeader parses the header text: a Python dict literal with exactly
// the keys 'descr', 'fortran_order' and 'shape', then padding.
func parseNPYHeader(text []byte) (*npyHeader, error) {
	p := &pyLiteral{s: text}
	dict, err := p.dict()
	if err != nil {
		return nil, fmt.Errorf("npy: malformed header: %w", err)
	}
	if rest := bytes.TrimRight(text[p.i:], " \t\r\n\x00"); len(rest) > 0 {
		return nil, fmt.Errorf("npy: malformed header: unexpected %q after the dictionary", clip(rest))
	}
	h := &npyHeader{}
	var haveDescr, haveOrder, haveShape bool
	for _, kv := range dict {
		switch kv.key {
		case "descr":
			s, ok := kv.val.(string)
			if !ok {
				return nil, fmt.Errorf("npy: unsupported dtype %s (structured arrays are not score maps)", kv.raw)
			}
			h.descr, haveDescr = s, true
		case "fortran_order":
			b, ok := kv.val.(bool)
			if !ok {
				return nil, fmt.Errorf("npy: malformed header: fortran_order is %s", kv.raw)
			}
			h.fortran, haveOrder = b, true
		case "shape":
			t, ok := kv.val.([]int)
			if !ok {
				return nil, fmt.Errorf("npy: malformed header: shape is %s", kv.raw)
			}
			h.shape, haveShape = t, true
		default:
			return nil, fmt.Errorf("npy: malformed header: unexpected key %q", kv.key)
		}
	}
	if !haveDescr || !haveOrder || !haveShape {
		return nil, errors.New("npy: malformed header: want keys 'descr', 'fortran_order' and 'shape'")
	}
	switch h.descr {
	case "<f2":
		h.order, h.itemSize = binary.LittleEndian, 2
	case ">f2":
		h.order, h.itemSize = binary.BigEndian, 2
	case "<f4":
		h.order, h.itemSize = binary.LittleEndian, 4
	case ">f4":
		h.order, h.itemSize = binary.BigEndian, 4
	case "<f8":
		h.order, h.itemSize = binary.LittleEndian, 8
	case ">f8":
		h.order, h.itemSize = binary.BigEndian, 8
	default:
		return nil, fmt.Errorf("npy: unsupported dtype %q (%s); a score map must be float16, float32 or float64",
			h.descr, dtypeName(h.descr))
	}
	switch s := h.shape; {
	case len(s) == 2:
		h.h, h.w = s[0], s[1]
	case len(s) == 3 && s[0] == 1:
		h.h, h.w = s[1], s[2]
	case len(s) == 3 && s[2] == 1:
		h.h, h.w = s[0], s[1]
	default:
		return nil, fmt.Errorf("npy: unsupported shape %s; want (H, W), (1, H, W) or (H, W, 1)", h.shapeString())
	}
	for _, d := range h.shape {
		if d == 0 {
			return nil, fmt.Errorf("npy: empty array of shape %s", h.shapeString())
		}
	}
	if h.w > MaxPixels/h.h {
		return nil, fmt.Errorf("npy: shape %s exceeds the limit of %d values", h.shapeString(), MaxPixels)
	}
	return h, nil
}

// dtypeName names a NumPy type string such as "<i4" for error messages.
func dtypeName(descr string) string {
	if len(descr) < 2 {
		return "unknown"
	}
	kind, size := descr[1], descr[2:]
	bits := ""
	if n, err := strconv.Atoi(size); err == nil && n > 0 && n <= 64 {
		bits = strconv.Itoa(8 * n)
	}
	switch kind {
	case 'f':
		return "float" + bits
	case 'i':
		return "int" + bits
	case 'u':
		return "uint" + bits
	case 'b':
		return "bool"
	case 'c':
		if n, err := strconv.Atoi(size); err == nil && n > 0 && n <= 64 {
			return "complex" + strconv.Itoa(8*n)
		}
		return "complex"
	case 'O':
		return "object"
	case 'U':
		return "unicode string"
	case 'S':
		return "byte string"
	case 'M', 'm':
		return "datetime"
	}
	return "unknown"
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// pyLiteral parses the subset of Python literal syntax found in .npy
// headers: a dict of string keys whose values are strings, True/False, or
// tuples of non-negative integers. Other values (lists, nested dicts) are
// recorded as unsupported with their raw text.
type pyLiteral struct {
	s []byte
	i int
}

type pyEntry struct {
	key string
	val any // string, bool, []int, or nil when unsupported
	raw string
}

func (p *pyLiteral) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyLiteral) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyLiteral) expect(c byte) error {
	p.space()
	if p.peek() != c {
		if p.i >= len(p.s) {
			return fmt.Errorf("expected %q, found end of header", c)
		}
		return fmt.Errorf("expected %q at offset %d, found %q", c, p.i, p.s[p.i])
	}
	p.i++
	return nil
}

func (p *pyLiteral) dict() ([]pyEntry, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	var out []pyEntry
	for {
		p.space()
		if p.peek() == '}' {
			p.i++
			return out, nil
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		p.space()
		start := p.i
		val, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, pyEntry{key: key, val: val, raw: clip(p.s[start:p.i])})
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		default:
			return nil, p.expect('}')
		}
	}
}

func (p *pyLiteral) str() (string, error) {
	p.space()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.expect('\'')
	}
	end := bytes.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	s := string(p.s[p.i+1 : p.i+1+end])
	if strings.ContainsRune(s, '\\') {
		return "", fmt.Errorf("unsupported escape in string %q", s)
	}
	p.i += end + 2
	return s, nil
}

func (p *pyLiteral) value() (any, error) {
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		return p.tuple()
	case c == '[' || c == '{':
		// A structured dtype description: skip it with bracket matching.
		depth := 0
		for p.i < len(p.s) {
			switch p.s[p.i] {
			case '[', '{', '(':
				depth++
			case ']', '}', ')':
				depth--
			case '\'', '"':
				if _, err := p.str(); err != nil {
					return nil, err
				}
				continue
			}
			p.i++
			if depth == 0 {
				return nil, nil
			}
		}
		return nil, errors.New("unterminated list")
	case bytes.HasPrefix(p.s[p.i:], []byte("True")):
		p.i += 4
		return true, nil
	case bytes.HasPrefix(p.s[p.i:], []byte("False")):
		p.i += 5
		return false, nil
	}
	if p.i >= len(p.s) {
		return nil, errors.New("missing value at end of header")
	}
	return nil, fmt.Errorf("unsupported value at offset %d: %q", p.i, clip(p.s[p.i:]))
}

func (p *pyLiteral) tuple() ([]int, error) {
	p.i++ // '('
	dims := []int{}
	for {
		p.space()
		if p.peek() == ')' {
			p.i++
			return dims, nil
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if start == p.i {
			if p.i >= len(p.s) {
				return nil, errors.New("unterminated shape tuple")
			}
			return nil, fmt.Errorf("bad shape entry at offset %d: %q", p.i, clip(p.s[p.i:]))
		}
		d, err := strconv.Atoi(string(p.s[start:p.i]))
		if err != nil || d > MaxPixels {
			return nil, fmt.Errorf("shape entry %s out of range", clip(p.s[start:p.i]))
		}
		if p.peek() == 'L' { // Python 2 long literal
			p.i++
		}
		dims = append(dims, d)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case ')':
		default:
			return nil, p.expect(')')
		}
	}
}

// EncodeNPY writes m as a NumPy .npy file (format version 1.0): dtype '<f4'
// (float32, little-endian), C order, shape (Height, Width), with the header
// padded with spaces to a multiple of 64 bytes as numpy.save does, so the
// output is byte-identical to numpy.save of the same float32 array. It
// returns an error, writing nothing, if m's size is invalid (see
// [Map.Validate]; values are not checked) or larger than [MaxPixels].
func EncodeNPY(w io.Writer, m Map) error {
	if err := m.sizeError(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", m.Height, m.Width)
	// 10 bytes of preamble + dict + padding + '\n' is a multiple of 64.
	hlen := len(dict) + 1
	hlen += (64 - (10+hlen)%64) % 64
	if hlen > math.MaxUint16 {
		return fmt.Errorf("npy: header too long (%d bytes)", hlen)
	}
	const chunk = 32 << 10
	buf := make([]byte, 0, max(chunk, 10+hlen))
	buf = append(buf, npyMagic...)
	buf = append(buf, 1, 0)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(hlen))
	buf = append(buf, dict...)
	for len(buf) < 10+hlen-1 {
		buf = append(buf, ' ')
	}
	buf = append(buf, '\n')
	for _, v := range m.Pix {
		if len(buf)+4 > cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("npy: %w", err)
			}
			buf = buf[:0]
		}
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}
