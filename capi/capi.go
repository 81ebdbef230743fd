// Package capi is what zsadbench's C library does: the Go side of the
// Python package python/zsadbench. capi/libzsadbench exports it with cgo
// (go build -buildmode=c-shared); this package holds everything but the C
// types, so that its tests need no C.
//
// Arrays come in as pointers into the caller's memory with their shapes
// and byte strides (Array, Batch); settings as JSON (Request); results go
// out as the JSON the CLI writes (package report), curves by copying into
// the caller's buffers. Evaluate scores one category in one call; an
// evaluator (New, Update, Compute) collects a dataset's categories batch
// by batch, copying every batch into Go memory.
//
// The C caller's memory is read only during a call, and only Evaluate
// uses a map where it lies (a contiguous float32 map, read while Evaluate
// runs); no Go pointer is handed to C, which sees evaluators and reports
// as integer ids. Every entry point returns its errors: bad input (a
// non-finite score, sizes that do not match, a mask of 0.5, invalid
// settings) as an error with the CLI's message, and a panic, anywhere in
// zsadbench, as an *InternalError, so that nothing ends the host process.
// A fault on reading the caller's memory is one such panic when it
// happens while the batch is converted (always in the calling goroutine);
// the caller is still responsible for valid pointers.
package capi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/zsadbench/zsadbench/curve"
	"github.com/zsadbench/zsadbench/evaluate"
	"github.com/zsadbench/zsadbench/metric"
	"github.com/zsadbench/zsadbench/report"
)

// Request is an evaluation's configuration as JSON: the fields of the
// results' "settings" (metric.Settings: "thresholds", "fpr_limit",
// "rcpro_tau", "rcpro_delta", "connectivity", "rc_average", "metrics"),
// "workers" (0: every core) and "curves" (keep every curve for Curve).
// Fields left out keep metric.DefaultSettings'.
type Request struct {
	metric.Settings
	Workers int  `json:"workers"`
	Curves  bool `json:"curves"`
}

// ParseRequest reads and validates a Request. Unknown fields are errors.
func ParseRequest(b []byte) (Request, error) {
	r := Request{Settings: metric.DefaultSettings}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("settings: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Request{}, errors.New("settings: trailing data after the JSON object")
	}
	r.Settings.Workers = r.Workers
	if err := r.Settings.Validate(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// InternalError is a panic recovered at the C interface: a bug in
// zsadbench, or a fault on reading memory the caller said was valid.
type InternalError struct {
	Value any
	Stack []byte
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("zsadbench internal error (please report it): %v\n%s", e.Value, e.Stack)
}

// guard runs fn and returns its error, or a panic in it as an
// *InternalError. A fault on reading memory in this goroutine is a panic
// too, not the end of the process.
func guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if v := recover(); v != nil {
			err = &InternalError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// categoryJSON is a category's object of the CLI's JSON with the
// category's warnings, which the CLI lists only in the report's.
type categoryJSON struct {
	*evaluate.CategoryReport
	Warnings []string `json:"warnings"`
}

// Evaluate evaluates the images of b as one category named name, as
// `zsadbench score` evaluates a category (evaluate.Dataset over it), and
// returns the category's JSON object with a "warnings" list. When the
// request asks for curves, id names the report that holds them (for
// Curve; free it with Close); else id is 0. A contiguous float32 map is
// read where it lies: it must stay valid and unchanged until Evaluate
// returns.
func Evaluate(request []byte, name string, b Batch) (result []byte, id int64, err error) {
	err = guard(func() error {
		req, err := ParseRequest(request)
		if err != nil {
			return err
		}
		if name == "" {
			return errors.New("category: empty name")
		}
		images, err := b.images(true)
		if err != nil {
			return err
		}
		cat := metric.Category{Name: name, Images: images}
		rep, err := evaluate.Dataset(context.Background(), evaluate.Categories([]metric.Category{cat}), req.Settings, evaluate.Options{Curves: req.Curves})
		if err != nil {
			return err
		}
		cr := rep.Categories[0]
		out := categoryJSON{cr, cr.Warnings}
		if out.Warnings == nil {
			out.Warnings = []string{}
		}
		if result, err = json.Marshal(out); err != nil {
			return err
		}
		if req.Curves {
			id = objects.add(rep)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return result, id, nil
}

// evaluator collects a dataset's categories, batch by batch.
type evaluator struct {
	mu    sync.Mutex
	req   Request
	cats  []metric.Category
	index map[string]int
	last  *evaluate.Report // the last Compute's, for Curve
}

// New returns the id of a new evaluator with the settings of request.
func New(request []byte) (id int64, err error) {
	err = guard(func() error {
		req, err := ParseRequest(request)
		if err != nil {
			return err
		}
		id = objects.add(&evaluator{req: req, index: map[string]int{}})
		return nil
	})
	return id, err
}

// Update copies the images of b into evaluator id's category (a new one,
// after the others, when no batch named it before). It checks every image
// now, so an error names the image of this batch; a batch with an error
// adds nothing.
func Update(id int64, category string, b Batch) error {
	return guard(func() error {
		ev, err := objects.evaluator(id)
		if err != nil {
			return err
		}
		if category == "" {
			return errors.New("category: empty name")
		}
		images, err := b.images(false)
		if err != nil {
			return err
		}
		ev.mu.Lock()
		defer ev.mu.Unlock()
		c, ok := ev.index[category]
		if !ok {
			c = len(ev.cats)
			ev.index[category] = c
			ev.cats = append(ev.cats, metric.Category{Name: category})
		}
		ev.cats[c].Images = append(ev.cats[c].Images, images...)
		return nil
	})
}

// Compute evaluates everything evaluator id was given, as `zsadbench score
// --format json` does, and returns that JSON (settings, categories, mean,
// warnings). The evaluator keeps its images: more batches may follow.
func Compute(id int64) (result []byte, err error) {
	err = guard(func() error {
		ev, err := objects.evaluator(id)
		if err != nil {
			return err
		}
		ev.mu.Lock()
		defer ev.mu.Unlock()
		if len(ev.cats) == 0 {
			return errors.New("no images: update the evaluator first")
		}
		ev.last = nil
		rep, err := evaluate.Dataset(context.Background(), evaluate.Categories(ev.cats), ev.req.Settings, evaluate.Options{Curves: ev.req.Curves})
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := report.Write(&buf, rep, "json"); err != nil {
			return err
		}
		result = buf.Bytes()
		if ev.req.Curves {
			ev.last = rep
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// Reset drops every image evaluator id was given, keeping its settings.
func Reset(id int64) error {
	return guard(func() error {
		ev, err := objects.evaluator(id)
		if err != nil {
			return err
		}
		ev.mu.Lock()
		defer ev.mu.Unlock()
		ev.cats, ev.index, ev.last = nil, map[string]int{}, nil
		return nil
	})
}

// Curve returns the curve of kind of category c (an index into the
// result's categories) of report id (from Evaluate) or of evaluator id's
// last Compute; ok is false when the curve's metric was not computed.
func Curve(id int64, c int, kind string) (cv curve.Curve, ok bool, err error) {
	err = guard(func() error {
		var rep *evaluate.Report
		switch o := objects.get(id).(type) {
		case *evaluate.Report:
			rep = o
		case *evaluator:
			o.mu.Lock()
			rep = o.last
			o.mu.Unlock()
			if rep == nil {
				return errors.New("no curves: compute first, with curves requested")
			}
		default:
			return fmt.Errorf("result %d does not exist (closed?)", id)
		}
		if c < 0 || c >= len(rep.Categories) {
			return fmt.Errorf("category %d: want 0 to %d", c, len(rep.Categories)-1)
		}
		k := curve.Kind(kind)
		if !k.Valid() {
			_, err := curve.ParseKind(kind)
			return err
		}
		cv, ok = rep.Categories[c].Curves[k]
		return nil
	})
	return cv, ok, err
}

// CopyCurve copies what Curve returns into t, x and y (thresholds, x and
// y) and returns the curve's length; with t, x and y nil it only returns
// the length (-1 when the curve's metric was not computed), so that the
// caller can size them.
func CopyCurve(id int64, c int, kind string, t, x, y []float64) (n int, err error) {
	cv, ok, err := Curve(id, c, kind)
	if err != nil {
		return 0, err
	}
	if t == nil && x == nil && y == nil {
		if !ok {
			return -1, nil
		}
		return cv.Len(), nil
	}
	n = cv.Len()
	if !ok {
		return 0, fmt.Errorf("no %s curve: its metric was not requested", kind)
	}
	if len(t) != n || len(x) != n || len(y) != n {
		return 0, fmt.Errorf("curve %s has %d points; buffers of %d, %d and %d", kind, n, len(t), len(x), len(y))
	}
	return n, guard(func() error {
		copy(t, cv.Threshold)
		copy(x, cv.X)
		copy(y, cv.Y)
		return nil
	})
}

// Close frees evaluator or report id; an unknown id is ignored.
func Close(id int64) { objects.remove(id) }

// registry holds what C names by id. Ids are never reused, so a stale id
// finds nothing rather than another caller's object.
type registry struct {
	mu   sync.Mutex
	last int64
	m    map[int64]any
}

var objects = registry{m: map[int64]any{}}

func (r *registry) add(o any) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last++
	r.m[r.last] = o
	return r.last
}

func (r *registry) get(id int64) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id]
}

func (r *registry) evaluator(id int64) (*evaluator, error) {
	if ev, ok := r.get(id).(*evaluator); ok {
		return ev, nil
	}
	return nil, fmt.Errorf("evaluator %d does not exist (closed?)", id)
}

func (r *registry) remove(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, id)
}

// Len returns how many evaluators and reports are open (for tests of
// leaks).
func Len() int {
	objects.mu.Lock()
	defer objects.mu.Unlock()
	return len(objects.m)
}
