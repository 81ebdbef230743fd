// Package synth generates deterministic synthetic zero-shot anomaly detection
// data: ground-truth masks with realistic defects and float32 score maps that
// partly find them, for tests, benchmarks and demonstrations of zsadbench.
//
// The output depends only on the Options and on the package version, never on
// GOMAXPROCS or on scheduling: every image draws its random numbers from its
// own generator, seeded from (Seed, category name, image index). Values are
// bit-identical across machines of the same architecture; on architectures
// whose compilers fuse multiply-adds (arm64, ppc64le, s390x, riscv64) the last
// bits of map values, and rarely a boundary pixel of a mask, may differ.
//
// A category holds Images images. A fixed number of them (see
// Options.AnomalousFraction) is anomalous; each anomalous image has 1 to 4
// defects and a defect type that names its MVTec AD folder:
//
//   - "blob": filled ellipses and irregular blobs (unions of overlapping
//     ellipses), from a few pixels up to about 15% of the image each;
//   - "scratch": thin polylines, 1 to 5 pixels wide at Size 512 (thinner at
//     smaller sizes), of 2 to 4 segments;
//   - "mixed": at least one of each.
//
// About a third of the second and later defects are placed so that they touch
// or overlap an earlier one, so they merge into one ground-truth region.
// Normal images have defect type "good" and an all-false mask.
//
// A score map is a smoothed detector response plus background: each defect is
// drawn into a response image with its own gain (about one defect in eight is
// nearly missed) and with a shifted, resized or partial outline (under- and
// over-segmentation); 0 to 3 false-positive blobs per image (in normal images
// too) are added; the response is blurred with a Gaussian (three box blurs) of
// sigma about Size/48, then a smooth low-frequency background, a constant
// offset and small i.i.d. noise are added. Values lie roughly in [0, 1] (they
// are not clipped, so a few may fall slightly outside) and are tied only by
// chance. Each category has its own detection quality and noise levels, so
// per-category metrics differ.
//
// RCPRODemo (the rcpro-demo preset of zsadbench synth) draws, on the masks
// Generate makes, one score map per Behaviour instead: tight, over-segmenting,
// false positives on normal images, fragmented, blurred. They show what RCPRO
// penalises and AUPRO does not (README, "Why RCPRO"). Its halos need each
// pixel's nearest defect, from an exact Euclidean distance transform
// (Felzenszwalb and Huttenlocher's), written here because neither the
// standard library nor gonum has one.
package synth

//go:generate go run ./internal/mkexample -out ../testdata/example
