package main

import (
	"errors"
	"fmt"

	"github.com/zsadbench/zsadbench/dataset"
	"github.com/zsadbench/zsadbench/load"
)

// inFlagTerms adds to a library error the flag behind it, where one is: the
// library speaks of its options, the user of the command line.
func inFlagTerms(err error) error {
	var size *load.SizeError
	if errors.As(err, &size) {
		return fmt.Errorf("%w (--strict-size)", err)
	}
	if errors.Is(err, dataset.ErrOutsideDataset) {
		return fmt.Errorf("%w (--%s reads it anyway)", err, flagAllowOutsideMasks)
	}
	if errors.Is(err, load.ErrUnknownSize) {
		return fmt.Errorf("%w; evaluate every image at one size with --size N", err)
	}
	return err
}
