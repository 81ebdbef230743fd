// Command libzsadbench is zsadbench's C library, the engine of the Python
// package python/zsadbench. Build it with
//
//	go build -buildmode=c-shared -o libzsadbench.so ./capi/libzsadbench
//
// which also writes libzsadbench.h. Package capi documents what each
// function does; this file only converts C's types.
//
// Every function but zsad_free, zsad_close and zsad_abi returns ZSAD_OK
// (0), ZSAD_INPUT_ERROR (1: bad input or settings) or ZSAD_INTERNAL_ERROR
// (2: a bug, recovered), and on success sets *out to its JSON result (or
// NULL where it has none), on failure to the error's message: a
// NUL-terminated string allocated with malloc, which the caller frees with
// zsad_free. Arrays are described by a pointer each and layout rows of 5
// int64 values: dtype (ZSAD_FLOAT32, ZSAD_FLOAT64, ZSAD_UINT8, or ZSAD_NONE
// for a normal image's absent mask), height, width, and the byte strides
// of a row and of a column. Pointers are read during the call only; the
// library keeps none, and hands C no pointer to Go memory (evaluators and
// results are int64 ids).
package main

/*
#include <stdint.h>
#include <stdlib.h>

enum { ZSAD_OK = 0, ZSAD_INPUT_ERROR = 1, ZSAD_INTERNAL_ERROR = 2 };
enum { ZSAD_NONE = 0, ZSAD_FLOAT32 = 1, ZSAD_FLOAT64 = 2, ZSAD_UINT8 = 3 };
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/zsadbench/zsadbench/capi"
)

// abi is the version of this interface: the Python package refuses a
// library of another.
const abi = 1

func main() {}

// status sets *out to the result or the error's message and returns the
// status code.
func status(result []byte, err error, out **C.char) C.int {
	if out != nil {
		*out = nil
	}
	if err != nil {
		if out != nil {
			*out = C.CString(err.Error())
		}
		var internal *capi.InternalError
		if errors.As(err, &internal) {
			return C.ZSAD_INTERNAL_ERROR
		}
		return C.ZSAD_INPUT_ERROR
	}
	if out != nil && result != nil {
		*out = (*C.char)(C.CBytes(append(result, 0)))
	}
	return C.ZSAD_OK
}

// batch describes the C arrays as a capi.Batch; it reads none of them.
func batch(n C.int64_t, maps *unsafe.Pointer, mapLayout *C.int64_t, masks *unsafe.Pointer, maskLayout *C.int64_t, scores *C.double) (capi.Batch, error) {
	if n <= 0 {
		return capi.Batch{}, errors.New("no images")
	}
	if n > capi.MaxImages {
		return capi.Batch{}, errors.New("too many images in one batch")
	}
	if maps == nil || mapLayout == nil {
		return capi.Batch{}, errors.New("maps: null pointer")
	}
	k := int(n)
	b := capi.Batch{
		N:         k,
		Maps:      unsafe.Slice(maps, k),
		MapLayout: unsafe.Slice((*int64)(unsafe.Pointer(mapLayout)), k*capi.LayoutColumns),
	}
	if masks != nil {
		if maskLayout == nil {
			return capi.Batch{}, errors.New("masks: null layout")
		}
		b.Masks = unsafe.Slice(masks, k)
		b.MaskLayout = unsafe.Slice((*int64)(unsafe.Pointer(maskLayout)), k*capi.LayoutColumns)
	}
	if scores != nil {
		b.Scores = unsafe.Slice((*float64)(unsafe.Pointer(scores)), k)
	}
	return b, nil
}

// zsad_abi returns the version of this interface (1).
//
//export zsad_abi
func zsad_abi() C.int { return abi }

// zsad_evaluate evaluates n images as one category named category with the
// settings of the JSON object request, as `zsadbench score` does; *out is
// the category's JSON object with its warnings. When the request asks for
// curves, *result is the id of the report that holds them (zsad_curve;
// free it with zsad_close), else 0 (result may be NULL then). Contiguous float32 maps are read where
// they lie, so they must not change until the call returns.
//
//export zsad_evaluate
func zsad_evaluate(request, category *C.char, n C.int64_t, maps *unsafe.Pointer, mapLayout *C.int64_t, masks *unsafe.Pointer, maskLayout *C.int64_t, scores *C.double, result *C.int64_t, out **C.char) C.int {
	if result != nil {
		*result = 0
	}
	if request == nil || category == nil {
		return status(nil, errors.New("null request or category"), out)
	}
	b, err := batch(n, maps, mapLayout, masks, maskLayout, scores)
	if err != nil {
		return status(nil, err, out)
	}
	js, id, err := capi.Evaluate([]byte(C.GoString(request)), C.GoString(category), b)
	if err == nil && result != nil {
		*result = C.int64_t(id)
	} else if err == nil {
		capi.Close(id)
	}
	return status(js, err, out)
}

// zsad_new creates an evaluator with the settings of the JSON object
// request and sets *evaluator to its id.
//
//export zsad_new
func zsad_new(request *C.char, evaluator *C.int64_t, out **C.char) C.int {
	if request == nil || evaluator == nil {
		return status(nil, errors.New("null request or evaluator"), out)
	}
	id, err := capi.New([]byte(C.GoString(request)))
	*evaluator = C.int64_t(id)
	return status(nil, err, out)
}

// zsad_update copies n images into the evaluator's category (added after
// the others the first time it is named).
//
//export zsad_update
func zsad_update(evaluator C.int64_t, category *C.char, n C.int64_t, maps *unsafe.Pointer, mapLayout *C.int64_t, masks *unsafe.Pointer, maskLayout *C.int64_t, scores *C.double, out **C.char) C.int {
	if category == nil {
		return status(nil, errors.New("null category"), out)
	}
	b, err := batch(n, maps, mapLayout, masks, maskLayout, scores)
	if err == nil {
		err = capi.Update(int64(evaluator), C.GoString(category), b)
	}
	return status(nil, err, out)
}

// zsad_compute evaluates what the evaluator holds; *out is the JSON that
// `zsadbench score --format json` writes.
//
//export zsad_compute
func zsad_compute(evaluator C.int64_t, out **C.char) C.int {
	js, err := capi.Compute(int64(evaluator))
	return status(js, err, out)
}

// zsad_reset drops the evaluator's images, keeping its settings.
//
//export zsad_reset
func zsad_reset(evaluator C.int64_t, out **C.char) C.int {
	return status(nil, capi.Reset(int64(evaluator)), out)
}

// zsad_curve copies the curve of kind (image-roc, image-pr, pixel-roc,
// pixel-pr, pro-fpr, pro-rc) of the category'th category of a result (or
// of an evaluator's last compute) into threshold, x and y, which hold
// *length values each. With all three NULL it only sets *length (-1 when
// the curve's metric was not computed).
//
//export zsad_curve
func zsad_curve(result, category C.int64_t, kind *C.char, length *C.int64_t, threshold, x, y *C.double, out **C.char) C.int {
	if kind == nil || length == nil {
		return status(nil, errors.New("null kind or length"), out)
	}
	var t, xs, ys []float64
	if threshold != nil || x != nil || y != nil {
		if threshold == nil || x == nil || y == nil || *length < 0 {
			return status(nil, errors.New("curve: want three buffers or none"), out)
		}
		t = unsafe.Slice((*float64)(unsafe.Pointer(threshold)), int(*length))
		xs = unsafe.Slice((*float64)(unsafe.Pointer(x)), int(*length))
		ys = unsafe.Slice((*float64)(unsafe.Pointer(y)), int(*length))
	}
	n, err := capi.CopyCurve(int64(result), int(category), C.GoString(kind), t, xs, ys)
	if err == nil {
		*length = C.int64_t(n)
	}
	return status(nil, err, out)
}

// zsad_close frees an evaluator or a result; an unknown id is ignored.
//
//export zsad_close
func zsad_close(id C.int64_t) { capi.Close(int64(id)) }

// zsad_open returns how many evaluators and results are open (a check for
// leaks).
//
//export zsad_open
func zsad_open() C.int64_t { return C.int64_t(capi.Len()) }

// zsad_free frees a string that another function returned in *out.
//
//export zsad_free
func zsad_free(s *C.char) { C.free(unsafe.Pointer(s)) }
