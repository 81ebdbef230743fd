package mapio

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zsadbench/zsadbench/internal/inputfile"
)

// An .npz archive is what numpy.savez and numpy.savez_compressed write: a
// zip archive holding one .npy file per array, named "<key>.npy" (stored,
// or deflated by savez_compressed). This package reads them with
// archive/zip; every member's declared size is checked against the limits
// of a score map before it is read, and a deflated member's values are
// allocated only as its data arrives, so a small hostile archive cannot
// cause a large allocation.

// maxNPYBytes bounds a .npy member: the longest header and MaxPixels float64
// values.
const maxNPYBytes = 12 + maxNPYHeader + 8*MaxPixels

// DecodeNPZ reads an .npz archive of size bytes holding one score map: it
// must hold exactly one array (whatever its key: "arr_0" from
// numpy.savez(f, a), "anomaly_map" from numpy.savez(f, anomaly_map=a)),
// decoded as [DecodeNPY] does. An archive with several arrays is an error
// naming them.
func DecodeNPZ(r io.ReaderAt, size int64) (Map, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Map{}, fmt.Errorf("npz: %w", err)
	}
	members, names, err := npzMembers(zr)
	if err != nil {
		return Map{}, err
	}
	if len(names) != 1 {
		return Map{}, oneArrayError(names)
	}
	return decodeNPZMember(members[names[0]], names[0], size, nil)
}

func oneArrayError(names []string) error {
	if len(names) == 0 {
		return errors.New("npz: the archive holds no array")
	}
	shown := names
	if len(shown) > 4 {
		shown = append(slices.Clip(shown[:4]), "...")
	}
	return fmt.Errorf("npz: the archive holds %d arrays (%s); a map file holds one, and an archive of several maps is read as a folder of them",
		len(names), strings.Join(shown, ", "))
}

// npzMembers indexes the .npy members of an archive by key, and lists the
// keys in archive order. A member that is not a .npy file, or two members
// with one key, are errors.
func npzMembers(zr *zip.Reader) (map[string]*zip.File, []string, error) {
	members := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a folder entry
		}
		key, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok || key == "" {
			return nil, nil, fmt.Errorf("npz: member %q is not a .npy array (not a NumPy .npz archive)", clip([]byte(f.Name)))
		}
		if _, dup := members[key]; dup {
			return nil, nil, fmt.Errorf("npz: two members named %q", clip([]byte(f.Name)))
		}
		members[key] = f
		names = append(names, key)
	}
	return members, names, nil
}

// decodeNPZMember decodes one .npy member of an archive of archiveSize
// bytes, into alloc(n) (nil: make) when the values can be read straight in.
func decodeNPZMember(f *zip.File, key string, archiveSize int64, alloc func(int) []float32) (Map, error) {
	if f.UncompressedSize64 > maxNPYBytes {
		return Map{}, fmt.Errorf("npz: array %q: %d bytes exceed the largest score map", key, f.UncompressedSize64)
	}
	stored := f.Method == zip.Store
	if stored && f.CompressedSize64 > uint64(archiveSize) {
		return Map{}, fmt.Errorf("npz: array %q: %d bytes cannot fit in a %d-byte archive", key, f.CompressedSize64, archiveSize)
	}
	rc, err := f.Open()
	if err != nil {
		return Map{}, fmt.Errorf("npz: array %q: %w", key, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if stored {
		// A stored member's length is what its bytes in the archive hold,
		// so the map may be allocated at once.
		r = &sizedReader{r: rc, left: int64(f.UncompressedSize64)}
	}
	m, err := decodeNPY(r, alloc)
	if err != nil {
		return Map{}, fmt.Errorf("npz: array %q: %w", key, err)
	}
	// Reading on to the member's end makes archive/zip check its CRC-32.
	if _, err := io.Copy(io.Discard, io.LimitReader(rc, 1<<16)); err != nil {
		return Map{}, fmt.Errorf("npz: array %q: %w", key, err)
	}
	return m, nil
}

// sizedReader is a reader that reports how many bytes are left (see
// remaining), for members whose size is known.
type sizedReader struct {
	r    io.Reader
	left int64
}

func (s *sizedReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.left -= int64(n)
	return n, err
}

func (s *sizedReader) Len() int { return int(max(0, s.left)) }

// readNPZFile reads the one map of the .npz file at path.
func readNPZFile(path string, alloc func(int) []float32) (Map, error) {
	a, err := openArchive(path)
	if err != nil {
		return Map{}, err
	}
	if len(a.names) != 1 {
		return Map{}, oneArrayError(a.names)
	}
	return a.read(a.names[0], alloc)
}

// NPZKeys returns the keys of the arrays in the .npz archive at path, in
// archive order. Only the archive's directory is read. Errors start with
// the path.
func NPZKeys(path string) ([]string, error) {
	a, err := openArchive(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return slices.Clone(a.names), nil
}

// SplitArchivePath splits the path of an array inside an .npz archive,
// "<archive>.npz/<key>.npy" (the key may hold slashes), as package dataset
// names the maps of an archive of several: it returns the archive's path and
// the key. ok is false unless some folder of path ending in ".npz" (any
// case) is a regular file.
func SplitArchivePath(path string) (archive, key string, ok bool) {
	slash := filepath.ToSlash(path)
	if !strings.Contains(strings.ToLower(slash), ".npz/") {
		return "", "", false
	}
	for i := 0; i < len(slash); {
		j := strings.Index(strings.ToLower(slash[i:]), ".npz/")
		if j < 0 {
			break
		}
		end := i + j + len(".npz")
		if st, err := os.Stat(filepath.FromSlash(slash[:end])); err == nil && st.Mode().IsRegular() {
			key, ok := strings.CutSuffix(slash[end+1:], ".npy")
			if !ok || key == "" {
				return "", "", false
			}
			return filepath.FromSlash(slash[:end]), key, true
		}
		i = end + 1
	}
	return "", "", false
}

// readArchiveMember reads the map of key in the .npz archive at path.
func readArchiveMember(archive, key string, alloc func(int) []float32) (Map, error) {
	a, err := openArchive(archive)
	if err != nil {
		return Map{}, err
	}
	return a.read(key, alloc)
}

// archives caches the directories of the .npz archives read recently, so
// that reading the maps of an archive of thousands, one by one, parses its
// directory once rather than once a map.
var archives = struct {
	sync.Mutex
	byPath map[string]*archive
	order  []string // least recently opened first
}{byPath: map[string]*archive{}}

// maxCachedArchives bounds the directories kept (each a few hundred bytes
// an array).
const maxCachedArchives = 16

// archive is one .npz file's directory. Its file is open only while
// members are being read.
type archive struct {
	size    int64
	modTime time.Time
	file    *sharedFile
	members map[string]*zip.File
	names   []string
}

// openArchive returns the directory of the .npz file at path, read again
// when the file changed since it was cached. Only regular files are read.
func openArchive(path string) (*archive, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	archives.Lock()
	defer archives.Unlock()
	if a, ok := archives.byPath[path]; ok && a.size == st.Size() && a.modTime.Equal(st.ModTime()) {
		return a, nil
	}
	sf := &sharedFile{path: path}
	if err := sf.acquire(); err != nil {
		return nil, err
	}
	defer sf.release()
	zr, err := zip.NewReader(sf, st.Size())
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	members, names, err := npzMembers(zr)
	if err != nil {
		return nil, err
	}
	a := &archive{size: st.Size(), modTime: st.ModTime(), file: sf, members: members, names: names}
	if _, ok := archives.byPath[path]; !ok {
		archives.order = append(archives.order, path)
	}
	archives.byPath[path] = a
	if len(archives.order) > maxCachedArchives {
		delete(archives.byPath, archives.order[0])
		archives.order = archives.order[1:]
	}
	return a, nil
}

func (a *archive) read(key string, alloc func(int) []float32) (Map, error) {
	f, ok := a.members[key]
	if !ok {
		return Map{}, fmt.Errorf("npz: the archive has no array %q", key)
	}
	if err := a.file.acquire(); err != nil {
		return Map{}, err
	}
	defer a.file.release()
	return decodeNPZMember(f, key, a.size, alloc)
}

// sharedFile is an io.ReaderAt on a file that is open while anyone has
// acquired it (os.File.ReadAt may be called from several goroutines).
type sharedFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
	refs int
}

func (s *sharedFile) acquire() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		f, _, err := inputfile.Open(s.path)
		if err != nil {
			return unwrapPathError(err)
		}
		s.f = f
	}
	s.refs++
	return nil
}

func (s *sharedFile) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs--; s.refs == 0 {
		s.f.Close()
		s.f = nil
	}
}

func (s *sharedFile) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	f := s.f
	s.mu.Unlock()
	if f == nil {
		return 0, fs.ErrClosed
	}
	return f.ReadAt(p, off)
}
