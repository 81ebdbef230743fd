package dataset

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// The index and label decoders must never panic, and must return records
// that satisfy their documented guarantees.

func FuzzParseMeta(f *testing.F) {
	f.Add([]byte(metaJSON("/abs")))
	f.Add([]byte(`{"Test": {"a": [{"img_path": "x", "mask_path": "", "cls_name": "a", "anomaly": 1.0}]}}`))
	f.Add([]byte(`{"test": {"a": [null]}}`))
	f.Add([]byte(`{"test": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := parseMeta(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.img == "" || r.cls == "" {
				t.Fatalf("record %+v has an empty image or class", r)
			}
		}
	})
}

func FuzzParseJSONL(f *testing.F) {
	f.Add([]byte(`{"image_path": "a.png", "label": 1, "class_name": "x", "mask_path": "m.png"}` + "\n\n" + `{"image_path": "b.png", "label": 0.0, "class_name": "x"}`))
	f.Add([]byte(`{"image_path": "a.png", "label": true, "class_name": "x", "mask_path": null}`))
	f.Add([]byte("null\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := parseJSONL(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.img == "" || r.cls == "" {
				t.Fatalf("record %+v has an empty image or class", r)
			}
		}
	})
}

func FuzzParseVisA(f *testing.F) {
	f.Add([]byte("object,split,label,image,mask\ncandle,test,anomaly,a.JPG,m.png\ncandle,train,normal,b.JPG,\n"))
	f.Add([]byte("\ufeffObject , Split,label,image,mask,extra\n\"c,d\",TEST,Normal,\"x\"\"y\",,z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseVisA(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.object == "" || r.image == "" {
				t.Fatalf("row %+v has an empty object or image", r)
			}
		}
	})
}

func FuzzParseLabels(f *testing.F) {
	f.Add([]byte("id, hemorrhage\n0,1\n1, 1\n100,0\n"))
	f.Add([]byte("id,x\n0,1\n0,0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		labels, err := parseLabels(bytes.NewReader(data))
		if err != nil {
			return
		}
		for id := range labels {
			if id < 0 {
				t.Fatalf("negative id %d", id)
			}
		}
	})
}

// FuzzProtocol checks that whatever ReadProtocol accepts, WriteProtocol
// writes back and ReadProtocol reads again unchanged.
func FuzzProtocol(f *testing.F) {
	f.Add([]byte("# zsadbench protocol v1\nbottle/test/good/000\r\n\n  yes/1 no \n"))
	f.Add([]byte("a\na\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ReadProtocol(bytes.NewReader(data))
		if err != nil {
			return
		}
		entries := make([]Entry, len(keys))
		for i, k := range keys {
			if k == "" || strings.HasPrefix(k, "#") {
				t.Fatalf("key %q read", k)
			}
			entries[i].Key = k
		}
		var buf bytes.Buffer
		if err := WriteProtocol(&buf, entries); err != nil {
			// Keys with inner line breaks other than \n cannot exist
			// here; anything else ReadProtocol returns must be writable.
			t.Fatalf("WriteProtocol(%q): %v", keys, err)
		}
		again, err := ReadProtocol(&buf)
		if err != nil || !slices.Equal(again, keys) {
			t.Fatalf("round trip: %q -> %q, %v", keys, again, err)
		}
	})
}
