// Package backend defines how zsadbench gets anomaly score maps: a Backend
// takes images and returns, per image, a score map at the image's own size and
// an image-level score. Imported maps (files written by any model) and the
// DIVE model on ONNX Runtime (package dive) are backends.
package backend

import (
	"context"
	"image"
)

// Input is one image to score. Key identifies it in the results (a relative
// path, a sample id); backends copy it to Output.Key unchanged. Image is the
// decoded image; when it is nil, a backend that needs pixels decodes the file
// at Path itself (lazily, so a large folder is never held in memory at once),
// and its errors name Path.
type Input struct {
	Key   string
	Path  string
	Image image.Image
}

// Output is a backend's result for one Input.
//
// Map holds Width*Height finite float32 scores in row-major order (index
// y*Width + x), higher = more anomalous, at the original image's size (the
// size of Input.Image's bounds, or of the decoded file) unless the backend
// was asked for another (a DIVE model's input size, dive.Options.MapSize). Score is the image's
// anomaly score (for DIVE, the model's probability of "abnormal"); backends
// without an image-level output use the maximum of Map.
type Output struct {
	Key           string
	Width, Height int
	Map           []float32
	Score         float64
}

// Backend turns images into score maps.
//
// Predict returns one Output per Input, in the same order, or an error (the
// first that occurred; no partial results). It processes the inputs in
// batches of the backend's choosing and returns ctx.Err() soon after ctx is
// cancelled. Implementations document whether Predict may be called from
// several goroutines at once.
//
// Close releases the backend's resources; Predict after Close returns an
// error. Close is idempotent.
type Backend interface {
	Name() string
	Predict(ctx context.Context, in []Input) ([]Output, error)
	Close() error
}
