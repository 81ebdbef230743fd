package main

import (
	"fmt"

	"github.com/zsadbench/zsadbench/load"
)

// resizeNote is the one stderr line saying how many maps were resized to
// the evaluation size, from and to which sizes ("" when none was).
func (job *evalJob) resizeNote(src *load.Source) string {
	resized, _ := src.Resized()
	n := resized.Maps()
	if n == 0 {
		return ""
	}
	to := "their ground truth's size"
	if job.load.Size > 0 {
		to = fmt.Sprintf("%dx%d (--size)", job.load.Size, job.load.Size)
	}
	return fmt.Sprintf("note: resized %d of %d maps to %s: %s", n, src.Maps(), to, resized)
}
