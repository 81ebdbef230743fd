package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVisA(t *testing.T) {
	gt := mk(t, t.TempDir(),
		"candle/Data/Images/Normal/0000.JPG", "candle/Data/Images/Normal/0001.JPG",
		"candle/Data/Images/Anomaly/000.JPG", "candle/Data/Masks/Anomaly/000.png",
		"pcb1/Data/Images/Normal/0000.JPG", "pcb1/Data/Images/Anomaly/000.JPG", "pcb1/Data/Masks/Anomaly/000.png",
	)
	// Class-id masks are read with threshold 0 like any PNG mask.
	writeFile(t, gt, visaCSV, `object,split,label,image,mask
candle,train,normal,candle/Data/Images/Normal/0001.JPG,
candle,test,normal,candle/Data/Images/Normal/0000.JPG,
candle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,candle/Data/Masks/Anomaly/000.png
pcb1,test,normal,pcb1/Data/Images/Normal/0000.JPG,
pcb1,test,Anomaly,pcb1/Data/Images/Anomaly/000.JPG,pcb1/Data/Masks/Anomaly/000.png
`)
	pred := mk(t, t.TempDir(),
		"candle/Data/Images/Normal/0000.npy", "candle/Data/Images/Anomaly/000.npy",
		"pcb1/Data/Images/Normal/0000.npy", "pcb1/Data/Images/Anomaly/000.npy")
	want := []Entry{
		{Category: "candle", Key: "candle/Data/Images/Anomaly/000", MapPath: j(pred, "candle/Data/Images/Anomaly/000.npy"),
			MaskPath: j(gt, "candle/Data/Masks/Anomaly/000.png"), Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "candle", Key: "candle/Data/Images/Normal/0000", MapPath: j(pred, "candle/Data/Images/Normal/0000.npy"), ImageLabels: true, PixelLabels: true},
		{Category: "pcb1", Key: "pcb1/Data/Images/Anomaly/000", MapPath: j(pred, "pcb1/Data/Images/Anomaly/000.npy"),
			MaskPath: j(gt, "pcb1/Data/Masks/Anomaly/000.png"), Anomalous: true, ImageLabels: true, PixelLabels: true},
		{Category: "pcb1", Key: "pcb1/Data/Images/Normal/0000", MapPath: j(pred, "pcb1/Data/Images/Normal/0000.npy"), ImageLabels: true, PixelLabels: true},
	}
	for _, layout := range []Layout{VisA, Auto} {
		d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt})
		if d.Layout != VisA {
			t.Errorf("layout %s", d.Layout)
		}
		checkEntries(t, d.Entries, want)
	}
	d := mustOpen(t, Options{Layout: VisA, Mode: PredictMode, GT: gt, Categories: []string{"pcb1"}})
	if len(d.Entries) != 2 || d.Entries[0].ImagePath != j(gt, "pcb1/Data/Images/Anomaly/000.JPG") {
		t.Errorf("predict entries %+v", d.Entries)
	}

	csvPath := j(gt, visaCSV)
	os.Remove(j(pred, "pcb1/Data/Images/Normal/0000.npy"))
	wantErr(t, Options{Layout: VisA, Pred: pred, GT: gt}, csvPath+":5: image "+j(gt, "pcb1/Data/Images/Normal/0000.JPG")+" has no score map")

	cases := []struct{ name, csv, part string }{
		{"bad label", "object,split,label,image,mask\ncandle,test,weird,a.JPG,\n", `: line 2: label "weird"`},
		{"no column", "object,split,label,image\ncandle,test,normal,a.JPG\n", `header has no column "mask"`},
		{"ragged", "object,split,label,image,mask\ncandle,test,normal\n", "wrong number of fields"},
		{"anomaly without mask", "object,split,label,image,mask\ncandle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,\n", ":2: anomalous image"},
		{"missing mask", "object,split,label,image,mask\ncandle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,candle/Data/Masks/Anomaly/009.png\n",
			":2: mask " + j(gt, "candle/Data/Masks/Anomaly/009.png") + " does not exist"},
		{"no test rows", "object,split,label,image,mask\ncandle,train,normal,a.JPG,\n", "has no test rows"},
		{"empty", "", "empty file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			writeFile(t, gt, visaCSV, c.csv)
			wantErr(t, Options{Layout: VisA, Pred: pred, GT: gt}, csvPath, c.part)
		})
	}
}

func TestBTAD(t *testing.T) {
	gt := mk(t, t.TempDir(),
		"01/train/ok/0000.bmp",
		"01/test/ok/0000.bmp", "01/test/ko/0000.bmp", "01/ground_truth/ko/0000.png",
		"02/test/ok/0000.png", "02/test/ko/0000.png", "02/ground_truth/ko/0000.png",
		"03/test/ok/0000.bmp", "03/test/ko/0000.bmp", "03/ground_truth/ko/0000.bmp",
	)
	pred := t.TempDir()
	var want []Entry
	for _, c := range []string{"01", "02", "03"} {
		mk(t, pred, c+"/test/ko/0000.npy", c+"/test/ok/0000.npy")
		ext := map[string]string{"01": ".png", "02": ".png", "03": ".bmp"}[c]
		want = append(want,
			Entry{Category: c, Key: c + "/test/ko/0000", MapPath: j(pred, c+"/test/ko/0000.npy"),
				MaskPath: j(gt, c+"/ground_truth/ko/0000"+ext), Anomalous: true, ImageLabels: true, PixelLabels: true},
			Entry{Category: c, Key: c + "/test/ok/0000", MapPath: j(pred, c+"/test/ok/0000.npy"), ImageLabels: true, PixelLabels: true})
	}
	for _, layout := range []Layout{BTAD, Auto} {
		d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt})
		if d.Layout != BTAD {
			t.Errorf("layout %s", d.Layout)
		}
		checkEntries(t, d.Entries, want)
	}
	d := mustOpen(t, Options{Layout: BTAD, Mode: PredictMode, GT: gt, Categories: []string{"03"}})
	if len(d.Entries) != 2 || d.Entries[0].ImagePath != j(gt, "03/test/ko/0000.bmp") {
		t.Errorf("predict entries %+v", d.Entries)
	}

	mk(t, gt, "02/ground_truth/ko/0001.png")
	wantErr(t, Options{Layout: BTAD, Pred: pred, GT: gt}, "mask "+j(gt, "02/ground_truth/ko/0001.png")+" has no image")
	os.Remove(j(gt, "02/ground_truth/ko/0001.png"))
	mk(t, gt, "02/test/ko/0002.png")
	wantErr(t, Options{Layout: BTAD, Pred: pred, GT: gt}, "anomalous image "+j(gt, "02/test/ko/0002.png")+" has no mask")
	os.Remove(j(gt, "02/test/ko/0002.png"))
	mk(t, gt, "02/test/good/0000.png")
	wantErr(t, Options{Layout: BTAD, Pred: pred, GT: gt}, "folder "+j(gt, "02/test/good")+" is neither test/ok nor test/ko")
}

func TestFoldersHeadCT(t *testing.T) {
	gt := mk(t, filepath.Join(t.TempDir(), "HeadCT"), "head_ct/head_ct/000.png", "head_ct/head_ct/001.png", "head_ct/head_ct/100.png", "README.txt")
	writeFile(t, gt, "labels.csv", "id, hemorrhage\n0,1\n1, 1\n100,0\n")
	pred := mk(t, t.TempDir(), "head_ct/head_ct/000.npy", "head_ct/head_ct/001.npy", "head_ct/head_ct/100.npy")
	want := []Entry{
		{Category: "HeadCT", Key: "head_ct/head_ct/000", MapPath: j(pred, "head_ct/head_ct/000.npy"), Anomalous: true, ImageLabels: true},
		{Category: "HeadCT", Key: "head_ct/head_ct/001", MapPath: j(pred, "head_ct/head_ct/001.npy"), Anomalous: true, ImageLabels: true},
		{Category: "HeadCT", Key: "head_ct/head_ct/100", MapPath: j(pred, "head_ct/head_ct/100.npy"), ImageLabels: true},
	}
	for _, layout := range []Layout{Folders, Auto} {
		d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt})
		if d.Layout != Folders {
			t.Errorf("layout %s", d.Layout)
		}
		checkEntries(t, d.Entries, want)
	}

	labels := j(gt, "labels.csv")
	writeFile(t, gt, "labels.csv", "id, hemorrhage\n0,1\n1,1\n100,0\n7,1\n")
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, labels+":5: no image for id 7")
	writeFile(t, gt, "labels.csv", "id, hemorrhage\n0,1\n1,1\n")
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "image "+j(gt, "head_ct/head_ct/100.png")+": id 100 is not in "+labels)
	for _, c := range []struct{ csv, part string }{
		{"name, hemorrhage\n0,1\n", `first column is "name"`},
		{"id, hemorrhage\n0,2\n", `line 2: label "2" is not 0 or 1`},
		{"id, hemorrhage\nx,1\n", `line 2: id "x"`},
		{"id, hemorrhage\n0,1\n0,0\n", "line 3: id 0 already given on line 2"},
		{"id, hemorrhage\n0,1,3\n", "wrong number of fields"},
	} {
		writeFile(t, gt, "labels.csv", c.csv)
		wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "read labels "+labels, c.part)
	}
	writeFile(t, gt, "labels.csv", "id, hemorrhage\n0,1\n1,1\n100,0\n")
	mk(t, gt, "head_ct/scan.png")
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "image "+j(gt, "head_ct/scan.png")+": its name is not an id")
	os.Remove(j(gt, "head_ct/scan.png"))
	mk(t, gt, "copy/001.png")
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "two images with id 1")
}

func TestFoldersYesNo(t *testing.T) {
	gt := mk(t, filepath.Join(t.TempDir(), "brain_tumor_dataset"), "yes/Y1.jpg", "yes/Y2.JPG", "no/1 no.jpeg", "no/N2.jpg", "notes.txt")
	pred := mk(t, t.TempDir(), "yes/Y1.npy", "yes/Y2.npy", "no/1 no.npy", "no/N2.npy")
	want := []Entry{
		{Category: "brain_tumor_dataset", Key: "no/1 no", MapPath: j(pred, "no/1 no.npy"), ImageLabels: true},
		{Category: "brain_tumor_dataset", Key: "no/N2", MapPath: j(pred, "no/N2.npy"), ImageLabels: true},
		{Category: "brain_tumor_dataset", Key: "yes/Y1", MapPath: j(pred, "yes/Y1.npy"), Anomalous: true, ImageLabels: true},
		{Category: "brain_tumor_dataset", Key: "yes/Y2", MapPath: j(pred, "yes/Y2.npy"), Anomalous: true, ImageLabels: true},
	}
	for _, layout := range []Layout{Folders, Auto} {
		d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt})
		checkEntries(t, d.Entries, want)
	}
	d := mustOpen(t, Options{Mode: PredictMode, GT: gt})
	if d.Layout != Folders || d.Entries[0].ImagePath != j(gt, "no/1 no.jpeg") || d.Entries[0].PixelLabels {
		t.Errorf("predict %s %+v", d.Layout, d.Entries[0])
	}

	// Br35H ships a pred/ folder of unlabelled images beside yes/ and no/.
	mk(t, gt, "pred/pred0.jpg")
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "folder "+j(gt, "pred")+" is neither yes/ nor no/")
	os.RemoveAll(j(gt, "pred"))
	mk(t, gt, "Y9.jpg")
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "image "+j(gt, "Y9.jpg")+" is outside yes/ and no/")
	os.Remove(j(gt, "Y9.jpg"))
	mk(t, gt, "labels.csv")
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "both labels.csv and yes/")
	os.Remove(j(gt, "labels.csv"))
	os.RemoveAll(j(gt, "no"))
	wantErr(t, Options{Layout: Folders, Pred: pred, GT: gt}, "needs both yes/ and no/")
}

func TestSegmentation(t *testing.T) {
	t.Run("isic", func(t *testing.T) {
		gt := mk(t, filepath.Join(t.TempDir(), "ISIC"),
			"ISBI2016_ISIC_Part1_Test_Data/ISIC_0000003.jpg", "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000012.jpg",
			"ISBI2016_ISIC_Part1_Test_Data/ISIC_0000012_superpixels.png",
			"ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000003_Segmentation.png",
			"ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000012_segmentation.png",
			"ISBI2016_ISIC_Part1_Test_GroundTruth.csv")
		pred := mk(t, t.TempDir(), "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000003.npy", "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000012.npy")
		want := []Entry{
			{Category: "ISIC", Key: "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000003", MapPath: j(pred, "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000003.npy"),
				MaskPath: j(gt, "ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000003_Segmentation.png"), Anomalous: true, PixelLabels: true},
			{Category: "ISIC", Key: "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000012", MapPath: j(pred, "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000012.npy"),
				MaskPath: j(gt, "ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000012_segmentation.png"), Anomalous: true, PixelLabels: true},
		}
		for _, layout := range []Layout{Segmentation, Auto} {
			d := mustOpen(t, Options{Layout: layout, Pred: pred, GT: gt})
			if d.Layout != Segmentation {
				t.Errorf("layout %s", d.Layout)
			}
			checkEntries(t, d.Entries, want)
		}
		mk(t, gt, "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000099.jpg")
		wantErr(t, Options{Layout: Segmentation, Pred: pred, GT: gt}, "image "+j(gt, "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000099.jpg")+" has no mask")
		os.Remove(j(gt, "ISBI2016_ISIC_Part1_Test_Data/ISIC_0000099.jpg"))
		mk(t, gt, "ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000098_Segmentation.png")
		wantErr(t, Options{Layout: Segmentation, Pred: pred, GT: gt}, "mask "+j(gt, "ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000098_Segmentation.png")+" has no image")
	})
	t.Run("colondb", func(t *testing.T) {
		gt := mk(t, filepath.Join(t.TempDir(), "CVC-ColonDB"), "images/1.png", "images/2.png", "masks/1.png", "masks/2.png")
		pred := mk(t, t.TempDir(), "images/1.png", "images/2.png")
		d := mustOpen(t, Options{Pred: pred, GT: gt})
		checkEntries(t, d.Entries, []Entry{
			{Category: "CVC-ColonDB", Key: "images/1", MapPath: j(pred, "images/1.png"), MaskPath: j(gt, "masks/1.png"), Anomalous: true, PixelLabels: true},
			{Category: "CVC-ColonDB", Key: "images/2", MapPath: j(pred, "images/2.png"), MaskPath: j(gt, "masks/2.png"), Anomalous: true, PixelLabels: true},
		})
		os.Remove(j(gt, "masks/2.png"))
		wantErr(t, Options{Pred: pred, GT: gt}, "image "+j(gt, "images/2.png")+" has no mask in "+j(gt, "masks"))
	})
	t.Run("tn3k", func(t *testing.T) {
		gt := mk(t, filepath.Join(t.TempDir(), "TN3K"), "test-image/0000.jpg", "test-image/0001.jpg", "test-mask/0000.jpg", "test-mask/0001.jpg",
			"trainval-image/0002.jpg", "trainval-mask/0002.jpg")
		d := mustOpen(t, Options{Mode: PredictMode, GT: gt})
		checkEntries(t, d.Entries, []Entry{
			{Category: "TN3K", Key: "test-image/0000", ImagePath: j(gt, "test-image/0000.jpg"), MaskPath: j(gt, "test-mask/0000.jpg"), MaskThreshold: 127, Anomalous: true, PixelLabels: true},
			{Category: "TN3K", Key: "test-image/0001", ImagePath: j(gt, "test-image/0001.jpg"), MaskPath: j(gt, "test-mask/0001.jpg"), MaskThreshold: 127, Anomalous: true, PixelLabels: true},
		})
		mk(t, gt, "images/", "masks/")
		wantErr(t, Options{Layout: Segmentation, Mode: PredictMode, GT: gt}, "several segmentation sets", "images/masks", "test-image/test-mask")
	})
}

func TestDetect(t *testing.T) {
	d := t.TempDir()
	cases := []struct {
		name     string
		gt, pred []string // files to make; pred nil = predict mode
		want     Layout
		errParts []string
	}{
		{"mvtec", []string{"a/ground_truth/x/0_mask.png"}, []string{"a/test/good/0.npy"}, MVTec, nil},
		{"mvtec predict", []string{"a/test/good/0.png"}, nil, MVTec, nil},
		{"flat", []string{"0.png"}, []string{"0.npy"}, Flat, nil},
		{"flat predict", []string{"0.png"}, nil, Flat, nil},
		{"visa", []string{"split_csv/1cls.csv", "candle/Data/Images/Normal/0.JPG"}, []string{"candle/Data/Images/Normal/0.npy"}, VisA, nil},
		{"btad", []string{"01/test/ok/0.bmp"}, []string{"01/test/ok/0.npy"}, BTAD, nil},
		{"headct", []string{"labels.csv", "head_ct/0.png"}, []string{"head_ct/0.npy"}, Folders, nil},
		{"yes no", []string{"yes/a.jpg", "No/b.jpg"}, nil, Folders, nil},
		{"isic", []string{"gt/I_1_Segmentation.png", "img/I_1.jpg"}, []string{"img/I_1.npy"}, Segmentation, nil},
		{"isic top", []string{"I_1_segmentation.png", "I_1.jpg"}, []string{"I_1.npy"}, Segmentation, nil},
		{"colondb", []string{"images/1.png", "masks/1.png"}, []string{"images/1.npy"}, Segmentation, nil},
		{"mvtec and flat", []string{"x.png"}, []string{"a/test/good/0.npy", "b.npy"}, "", []string{"mvtec and flat"}},
		{"visa and btad", []string{"split_csv/1cls.csv", "01/test/ko/0.bmp"}, []string{"b.npy"}, "", []string{"visa and btad"}},
		{"nothing", []string{"readme.txt"}, []string{"sub/readme.txt"}, "", []string{"cannot tell the layout", "choose a layout"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gt := mk(t, j(d, filepath.Join("gt", string(rune('a'+i)))), c.gt...)
			pred := ""
			if c.pred != nil {
				pred = mk(t, j(d, filepath.Join("pred", string(rune('a'+i)))), c.pred...)
			}
			got, err := Detect(gt, pred)
			if c.errParts != nil {
				if err == nil {
					t.Fatalf("got %s, want an error", got)
				}
				for _, p := range c.errParts {
					if !strings.Contains(err.Error(), p) {
						t.Errorf("error %q lacks %q", err, p)
					}
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
	if _, err := Detect(j(d, "none"), ""); err == nil || !strings.Contains(err.Error(), j(d, "none")+" does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}
