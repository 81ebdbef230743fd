package dataset

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zsadbench/zsadbench/mapio"
)

// An .npz archive of several arrays (numpy.savez(f, **{name: map})) reads
// as a folder of .npy maps named by its keys: maps.npz holding
// "bottle/test/good/000" is the folder maps.npz with the file
// bottle/test/good/000.npy in it, so --pred may be such an archive, or hold
// one in place of a folder. An archive of one array is a map file. Only the
// archives' directories are read here (mapio.NPZKeys); mapio reads the maps
// by those paths.

// archiveFolder reports whether p is an .npz archive of several arrays. An
// archive that cannot be read is a file, whose error comes when it is read
// as a map.
func archiveFolder(p string) bool {
	if lowerExt(p) != ".npz" {
		return false
	}
	keys, err := mapio.NPZKeys(p)
	return err == nil && len(keys) > 1
}

// inArchive splits p into an archive folder and the slash-separated path
// inside it ("" for the archive itself); ok is false when p is not in one.
func inArchive(p string) (archive, inner string, ok bool) {
	slash := filepath.ToSlash(filepath.Clean(p))
	lower := strings.ToLower(slash)
	for i := 0; ; {
		j := strings.Index(lower[i:], ".npz")
		if j < 0 {
			return "", "", false
		}
		end := i + j + len(".npz")
		if end == len(slash) || slash[end] == '/' {
			a := filepath.FromSlash(slash[:end])
			if st, err := os.Stat(a); err == nil && st.Mode().IsRegular() {
				if !archiveFolder(a) {
					return "", "", false
				}
				return a, strings.TrimPrefix(slash[end:], "/"), true
			}
		}
		i = end
	}
}

// archiveDir lists the folder inner of archive like readDir: folders for
// the next element of longer keys, "<name>.npy" files for the keys that end
// there. ok is false when inner is not a folder of the archive.
func archiveDir(archive, inner string) (nodes []node, ok bool) {
	keys, err := mapio.NPZKeys(archive)
	if err != nil {
		return nil, false
	}
	prefix := ""
	if inner != "" {
		prefix = inner + "/"
	}
	seen := map[string]bool{}
	for _, k := range keys {
		rest, found := strings.CutPrefix(k, prefix)
		if !found || rest == "" {
			continue
		}
		ok = true
		name, _, deeper := strings.Cut(rest, "/")
		if !deeper {
			name += ".npy"
		}
		if seen[name] || strings.HasPrefix(name, ".") {
			continue
		}
		seen[name] = true
		nodes = append(nodes, node{name: name, path: filepath.Join(archive, filepath.FromSlash(path.Join(inner, name))), dir: deeper})
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].name < nodes[j].name })
	return nodes, ok || inner == ""
}

// archiveKind reports whether p is a folder or a file inside an archive
// folder (the archive itself is a folder).
func archiveKind(p string) (dir, file bool) {
	archive, inner, ok := inArchive(p)
	if !ok {
		return false, false
	}
	if inner == "" {
		return true, false
	}
	parent, base := path.Split(inner)
	nodes, ok := archiveDir(archive, strings.TrimSuffix(parent, "/"))
	if !ok {
		return false, false
	}
	for _, n := range nodes {
		if n.name == base {
			return n.dir, !n.dir
		}
	}
	return false, false
}

// foundInstead returns, when the score map folder root holds files in a
// format that is not read (a PyTorch .pt file, a pickle), "; found N .pt
// files (first: PATH): " and what mapio says of that format; else "".
func foundInstead(root, mapExt string) string {
	count := map[string]int{}
	first := map[string]string{}
	walkFiles(root, func(rel, p string) error {
		ext := lowerExt(rel)
		if !isMapFile(rel, mapExt) && !isImage(rel) {
			if count[ext]++; count[ext] == 1 {
				first[ext] = p
			}
		}
		return nil
	})
	best := ""
	for ext, n := range count {
		if best == "" || n > count[best] || (n == count[best] && ext < best) {
			best = ext
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; found %d %s file(s) (first: %s): %v", count[best], extName(best), first[best], mapio.UnsupportedMapFormat(best))
}

// siblingInstead returns, when the map expected at stem (a path without
// extension) exists in a format that is not read, "; found PATH: " and what
// mapio says of that format; else "".
func siblingInstead(stemPath, mapExt string) string {
	fs, err := files(filepath.Dir(stemPath))
	if err != nil {
		return ""
	}
	base := filepath.Base(stemPath)
	for _, f := range fs {
		if stem(f.name) == base && !isMapFile(f.name, mapExt) && !isImage(f.name) {
			return fmt.Sprintf("; found %s: %v", f.path, mapio.UnsupportedMapFormat(filepath.Ext(f.name)))
		}
	}
	return ""
}

func extName(ext string) string {
	if ext == "" {
		return "extensionless"
	}
	return ext
}
