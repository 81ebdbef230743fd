// Package dataset finds the images, score maps and masks of an anomaly
// detection dataset in the layouts researchers keep them in, and turns every
// layout into the same sorted list of entries (category, key, image, map, mask,
// labels). It only resolves paths, categories and labels: it never decodes a
// map, a mask or an image. It is strict: anything it cannot place without
// guessing is an error that names the file or the index entry.
//
// # Layouts
//
//   - mvtec (also MPDD, DTD-Synthetic, converted SDD): maps at
//     PRED/<category>/test/<defect>/<id>.<ext>, images at
//     GT/<category>/test/<defect>/<id>.<image ext>, masks at
//     GT/<category>/ground_truth/<defect>/<id>_mask.<mask ext> (or <id>.<mask ext>).
//     Defect "good" is normal; any other defect needs a mask (error naming
//     the expected mask path otherwise). PRED and GT may be the same folder.
//   - flat: maps PRED/<stem>.<ext>; masks GT/<stem>.png or
//     GT/<stem>_mask.<mask ext>; one category named after PRED's base name
//     (GT's in predict mode, where images are GT/<stem>.<image ext>). A
//     missing mask means a normal image.
//   - meta: the AnomalyCLIP-family meta.json (only its "test" split).
//   - jsonl: AA-CLIP's JSON lines index.
//   - visa: VisA's split_csv/1cls.csv (test rows only).
//   - btad: BTAD's <class>/test/{ok,ko} with masks in <class>/ground_truth/ko.
//   - folders: classification-only sets, HeadCT (labels.csv) or BrainMRI and
//     Br35H (yes/ and no/). No pixel labels.
//   - segmentation: sets without normal images, ISIC (*_Segmentation.png),
//     CVC-ColonDB (images/ + masks/), TN3K (test-image/ + test-mask/). No
//     image labels.
//
// # Keys and maps
//
// Every entry has a Key: the image's path relative to the dataset root,
// without extension, with forward slashes ("bottle/test/broken_large/000").
// In every layout but flat, an image's score map is found by mirroring its
// key under PRED: PRED/<key>.npy, .npz, .tiff, .tif or .png. An .npz archive
// of several arrays reads as a folder of .npy maps named by its keys (see
// archiveFolder), so PRED may be such an archive. With Options.MapExt
// empty, two map files for one key are an error naming both, except when PRED
// and GT are the same folder and a key has a PNG beside an .npy or TIFF file:
// the PNG is then the image and the other file the map.
//
// Names starting with "." are ignored everywhere; symbolic links are followed.
// File extensions are matched case-insensitively.
//
// # What the caller decides
//
// Reading maps and masks, mask thresholds (Entry.MaskThreshold is only the
// default: 127 for JPEG masks, 0 otherwise), resizing and presets such as
// the AnomalyCLIP protocol belong to the caller. Entry.PixelLabels false means
// pixel metrics must be null; Entry.ImageLabels false means image metrics must
// be null. Both are uniform within a category.
//
// # The imbalanced protocol
//
// Subsample draws the DIVE paper's imbalanced test sets (all normal images
// and a seeded random share of anomalous ones per category); WriteProtocol and
// ReadProtocol store the kept keys in a text file, and Restrict applies such a
// file to a dataset, so that a split can be shared exactly. The DIVE paper's
// own split is not published.
package dataset
