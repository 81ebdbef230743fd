package dataset

import (
	"fmt"
	"strings"
	"testing"
)

// metaGT builds an AnomalyCLIP-style dataset: images, masks, and a
// classification-only category whose anomalous entries point mask_path at a
// folder or "".
func metaGT(t *testing.T) string {
	return mk(t, t.TempDir(),
		"bottle/test/good/000.png",
		"bottle/test/broken_large/000.png", "bottle/ground_truth/broken_large/000_mask.png",
		"headct/test/good/0.png", "headct/test/Ungood/1.png", "headct/test/Ungood/2.png",
	)
}

func metaJSON(abs string) string {
	return `{"train": {"bottle": [{"img_path": "bottle/train/good/000.png", "mask_path": "", "cls_name": "bottle", "specie_name": "good", "anomaly": 0}]},
 "Test": {
  "headct": [
   {"img_path": "headct/test/good/0.png", "mask_path": "", "cls_name": "headct", "specie_name": "good", "anomaly": 0},
   {"img_path": "headct/test/Ungood/1.png", "mask_path": "", "cls_name": "headct", "specie_name": "Ungood", "anomaly": 1},
   {"img_path": "headct/test/Ungood/2.png", "mask_path": "headct", "cls_name": "headct", "specie_name": 7, "anomaly": 1}
  ],
  "bottle": [
   {"img_path": "` + abs + `/bottle/test/broken_large/000.png", "mask_path": "bottle/ground_truth/broken_large/000_mask.png", "cls_name": "bottle", "specie_name": "broken_large", "anomaly": 1},
   {"img_path": "bottle/test/good/000.png", "mask_path": "", "cls_name": "bottle", "specie_name": "good", "anomaly": 0}
  ]
 }}`
}

func metaWant(gt, pred string) []Entry {
	return []Entry{
		{Category: "bottle", Key: "bottle/test/broken_large/000", MapPath: j(pred, "bottle/test/broken_large/000.npy"),
			MaskPath: j(gt, "bottle/ground_truth/broken_large/000_mask.png"), Anomalous: true, Defect: "broken_large", ImageLabels: true, PixelLabels: true},
		{Category: "bottle", Key: "bottle/test/good/000", MapPath: j(pred, "bottle/test/good/000.npy"), ImageLabels: true, PixelLabels: true},
		{Category: "headct", Key: "headct/test/Ungood/1", MapPath: j(pred, "headct/test/Ungood/1.npy"), Anomalous: true, Defect: "Ungood", ImageLabels: true},
		{Category: "headct", Key: "headct/test/Ungood/2", MapPath: j(pred, "headct/test/Ungood/2.npy"), Anomalous: true, ImageLabels: true},
		{Category: "headct", Key: "headct/test/good/0", MapPath: j(pred, "headct/test/good/0.npy"), ImageLabels: true},
	}
}

func metaPred(t *testing.T) string {
	return mk(t, t.TempDir(),
		"bottle/test/good/000.npy", "bottle/test/broken_large/000.npy",
		"headct/test/good/0.npy", "headct/test/Ungood/1.npy", "headct/test/Ungood/2.npy")
}

func TestMeta(t *testing.T) {
	gt := metaGT(t)
	meta := writeFile(t, gt, "meta.json", metaJSON(gt))
	pred := metaPred(t)
	for _, o := range []Options{
		{Layout: Meta, Pred: pred, GT: gt, Meta: meta},
		{Layout: Auto, Pred: pred, GT: gt, Meta: meta},
		{Pred: pred, Meta: meta}, // GT defaults to the index's folder
	} {
		d := mustOpen(t, o)
		if d.Layout != Meta {
			t.Errorf("layout %s", d.Layout)
		}
		checkEntries(t, d.Entries, metaWant(gt, pred))
		if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0].Error(), "headct") {
			t.Errorf("warnings %v", d.Warnings)
		}
	}
	d := mustOpen(t, Options{Pred: pred, Meta: meta, Categories: []string{"bottle"}})
	checkEntries(t, d.Entries, metaWant(gt, pred)[:2])

	// Predict mode: images, no maps.
	d = mustOpen(t, Options{Mode: PredictMode, Meta: meta})
	want := metaWant(gt, pred)
	for i := range want {
		want[i].MapPath = ""
		want[i].ImagePath = j(gt, want[i].Key+".png")
	}
	checkEntries(t, d.Entries, want)
}

func TestMetaErrors(t *testing.T) {
	gt := metaGT(t)
	pred := metaPred(t)
	entry := func(fields string) string {
		return `{"test": {"bottle": [{"img_path": "bottle/test/good/000.png", "mask_path": "", "cls_name": "bottle", "anomaly": 0}, {` + fields + `}]}}`
	}
	cases := []struct {
		name, json string
		parts      []string
	}{
		{"bad json", `{"test": {"bottle": [`, []string{"not a JSON object"}},
		{"not an object", `[1, 2]`, []string{"not a JSON object"}},
		{"trailing data", `{"test": {}} x`, []string{"data after the JSON object"}},
		{"no test", `{"train": {}}`, []string{`no "test" split`}},
		{"two tests", `{"test": {}, "Test": {}}`, []string{`two test splits, "Test" and "test"`}},
		{"empty", `{"test": {}}`, []string{"lists no test images"}},
		{"class not list", `{"test": {"bottle": 3}}`, []string{"test/bottle is not a list"}},
		{"entry not object", `{"test": {"bottle": [3]}}`, []string{"test/bottle[0] is not an object"}},
		{"missing img_path", entry(`"mask_path": "", "cls_name": "bottle", "anomaly": 0`), []string{"test/bottle[1]", `missing key "img_path"`}},
		{"missing anomaly", entry(`"img_path": "bottle/test/broken_large/000.png", "mask_path": "", "cls_name": "bottle"`),
			[]string{"test/bottle[1]", `"bottle/test/broken_large/000.png"`, `missing key "anomaly"`}},
		{"missing mask_path", entry(`"img_path": "x.png", "cls_name": "bottle", "anomaly": 0`), []string{"test/bottle[1]", `missing key "mask_path"`}},
		{"missing cls_name", entry(`"img_path": "x.png", "mask_path": "", "anomaly": 0`), []string{"test/bottle[1]", `missing key "cls_name"`}},
		{"bad anomaly", entry(`"img_path": "x.png", "mask_path": "", "cls_name": "bottle", "anomaly": 2`), []string{"test/bottle[1]", `"anomaly" is 2, not 0 or 1`}},
		{"string anomaly", entry(`"img_path": "x.png", "mask_path": "", "cls_name": "bottle", "anomaly": "1"`), []string{`"anomaly" is "1"`}},
		{"img_path number", entry(`"img_path": 7, "mask_path": "", "cls_name": "bottle", "anomaly": 0`), []string{`"img_path" is not a string`}},
		{"empty cls_name", entry(`"img_path": "x.png", "mask_path": "", "cls_name": "", "anomaly": 0`), []string{`"cls_name" is empty`}},
		{"missing mask", entry(`"img_path": "bottle/test/broken_large/000.png", "mask_path": "bottle/ground_truth/broken_large/001_mask.png", "cls_name": "bottle", "anomaly": 1`),
			[]string{"test/bottle[1]", "mask " + j(gt, "bottle/ground_truth/broken_large/001_mask.png") + " does not exist"}},
		{"missing map", entry(`"img_path": "bottle/test/broken_large/009.png", "mask_path": "bottle/ground_truth/broken_large/000_mask.png", "cls_name": "bottle", "anomaly": 1`),
			[]string{"test/bottle[1]", `"bottle/test/broken_large/009.png"`, "has no score map", j(pred, "bottle/test/broken_large/009")}},
		{"outside root", entry(`"img_path": "/elsewhere/x.png", "mask_path": "", "cls_name": "bottle", "anomaly": 0`),
			[]string{"test/bottle[1]", "not inside the dataset folder " + gt}},
		{"parent path", entry(`"img_path": "../x.png", "mask_path": "", "cls_name": "bottle", "anomaly": 0`),
			[]string{"test/bottle[1]", "not inside the dataset folder"}},
		{"duplicate", entry(`"img_path": "bottle/test/good/000.png", "mask_path": "", "cls_name": "bottle", "anomaly": 0`),
			[]string{"test/bottle[0]", "test/bottle[1]", "name one image"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			meta := writeFile(t, t.TempDir(), "meta.json", c.json)
			wantErr(t, Options{Layout: Meta, Pred: pred, GT: gt, Meta: meta}, append([]string{"index " + meta}, c.parts...)...)
		})
	}
	// Predict mode: the image must exist.
	meta := writeFile(t, t.TempDir(), "meta.json", entry(`"img_path": "bottle/test/good/777.png", "mask_path": "", "cls_name": "bottle", "anomaly": 0`))
	wantErr(t, Options{Mode: PredictMode, GT: gt, Meta: meta}, "index "+meta, "test/bottle[1]", "image "+j(gt, "bottle/test/good/777.png")+" does not exist")
	wantErr(t, Options{Layout: Meta, Pred: pred, GT: gt}, "needs an index file")
	wantErr(t, Options{Layout: Meta, Pred: pred, GT: gt, Meta: j(gt, "nope.json")}, "read index "+j(gt, "nope.json"))
	wantErr(t, Options{Layout: MVTec, Pred: pred, GT: gt, Meta: meta}, "reads none")
}

func TestJSONL(t *testing.T) {
	gt := mk(t, t.TempDir(),
		"MVTec/bottle/test/good/000.png",
		"MVTec/bottle/test/broken_large/000.png", "MVTec/bottle/ground_truth/broken_large/000_mask.png",
		"MVTec/cable/test/good/000.png", "MVTec/cable/test/cut/000.png", "MVTec/cable/ground_truth/cut/000_mask.jpg",
	)
	pred := mk(t, t.TempDir(),
		"MVTec/bottle/test/good/000.tiff", "MVTec/bottle/test/broken_large/000.tiff",
		"MVTec/cable/test/good/000.tiff", "MVTec/cable/test/cut/000.tiff", "MVTec/cable/test/cut/999.tiff")
	index := writeFile(t, t.TempDir(), "test.jsonl", `{"image_path": "MVTec/bottle/test/good/000.png", "label": 0, "class_name": "bottle"}
{"image_path": "MVTec/bottle/test/broken_large/000.png", "label": 1.0, "class_name": "bottle", "mask_path": "MVTec/bottle/ground_truth/broken_large/000_mask.png"}

{"image_path": "MVTec/cable/test/good/000.png", "label": 0.0, "class_name": "cable", "mask_path": null}
{"image_path": "`+gt+`/MVTec/cable/test/cut/000.png", "label": true, "class_name": "cable", "mask_path": "`+gt+`/MVTec/cable/ground_truth/cut/000_mask.jpg", "extra": [1]}
`)
	want := []Entry{
		{Category: "bottle", Key: "MVTec/bottle/test/broken_large/000", MapPath: j(pred, "MVTec/bottle/test/broken_large/000.tiff"),
			MaskPath: j(gt, "MVTec/bottle/ground_truth/broken_large/000_mask.png"), Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "bottle", Key: "MVTec/bottle/test/good/000", MapPath: j(pred, "MVTec/bottle/test/good/000.tiff"), ImageLabels: true, PixelLabels: true},
		{Category: "cable", Key: "MVTec/cable/test/cut/000", MapPath: j(pred, "MVTec/cable/test/cut/000.tiff"),
			MaskPath: j(gt, "MVTec/cable/ground_truth/cut/000_mask.jpg"), MaskThreshold: 127, Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "cable", Key: "MVTec/cable/test/good/000", MapPath: j(pred, "MVTec/cable/test/good/000.tiff"), ImageLabels: true, PixelLabels: true},
	}
	for _, layout := range []Layout{JSONL, Auto} {
		d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt, Meta: index})
		if d.Layout != JSONL {
			t.Errorf("layout %s", d.Layout)
		}
		checkEntries(t, d.Entries, want)
		// The map of an image the index does not list is reported.
		if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0].Error(), j(pred, "MVTec/cable/test/cut/999.tiff")) {
			t.Errorf("warnings %v", d.Warnings)
		}
	}

	cases := []struct{ name, lines, part string }{
		{"bad json", `{"image_path": `, "line 1: not a JSON object"},
		{"missing label", `{"image_path": "a.png", "class_name": "x"}`, `line 1 ("a.png"): missing key "label"`},
		{"bad label", "\n" + `{"image_path": "a.png", "class_name": "x", "label": 0.5}`, `line 2 ("a.png"): "label" is 0.5, not 0 or 1`},
		{"missing class", `{"image_path": "a.png", "label": 1}`, `missing key "class_name"`},
		{"mask not string", `{"image_path": "a.png", "label": 1, "class_name": "x", "mask_path": 3}`, `"mask_path" is not a string`},
		{"missing map", `{"image_path": "MVTec/bottle/test/good/001.png", "label": 0, "class_name": "bottle"}`, `line 1 ("MVTec/bottle/test/good/001.png")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			index := writeFile(t, t.TempDir(), "i.jsonl", c.lines)
			wantErr(t, Options{Layout: JSONL, Pred: pred, GT: gt, Meta: index}, "index "+index, c.part)
		})
	}
	long := writeFile(t, t.TempDir(), "i.jsonl", fmt.Sprintf(`{"image_path": "%s"}`, strings.Repeat("a", maxIndexLine)))
	wantErr(t, Options{Layout: JSONL, Pred: pred, GT: gt, Meta: long}, "longer than")
}
