package mapio_test

import (
	"bytes"
	"fmt"

	"github.com/zsadbench/zsadbench/mapio"
)

// A map written with EncodeNPY reads back exactly; Binary thresholds it.
func ExampleDecodeNPY() {
	m := mapio.Map{Width: 3, Height: 2, Pix: []float32{0, 0.25, 0.5, 0.75, 1, 0.125}}
	var buf bytes.Buffer
	if err := mapio.EncodeNPY(&buf, m); err != nil {
		panic(err)
	}
	back, err := mapio.DecodeNPY(&buf)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Width, back.Height, back.At(1, 1))
	fmt.Println(back.Binary(0.5))
	// Output:
	// 3 2 1
	// [false false false true true false]
}

// CheckFinite names the first NaN or Inf in row-major order.
func ExampleMap_CheckFinite() {
	m := mapio.New(4, 3)
	m.Pix[2*4+1] = float32(1) / float32(m.Pix[0]) // +Inf
	fmt.Println(m.CheckFinite())
	// Output: non-finite value +Inf at row 2, col 1
}
