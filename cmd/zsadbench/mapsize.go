package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/backend"
	"github.com/zsadbench/zsadbench/dive"
)

// mapSizeFlag is predict's and run's --map-size.
func mapSizeFlag() cli.Flag {
	return &cli.StringFlag{Name: "map-size", Value: "image",
		Category: catModel,
		Usage:    "where the patch map is upsampled and smoothed, and so the maps' size, `SIZE`: image (each image's size), model (the model's input size, as the AnomalyCLIP-family scripts do; run --protocol anomalyclip's default) or N (NxN)"}
}

// parseMapSize reads --map-size as dive.Options.MapSize. Under run
// --protocol anomalyclip the default is the model's input size.
func parseMapSize(c *cli.Context) (int, error) {
	v := c.String("map-size")
	if !c.IsSet("map-size") && c.String("protocol") == "anomalyclip" {
		v = "model"
	}
	switch v {
	case "image":
		return dive.MapAtImageSize, nil
	case "model":
		return dive.MapAtInputSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > dive.MaxMapSize {
		return 0, fmt.Errorf("--map-size %q: want image, model or a size from 1 to %d", v, dive.MaxMapSize)
	}
	return n, nil
}

// mapsInfo describes the maps the model makes, for maps.json.
func mapsInfo(m *dive.Model) backend.MapsInfo {
	return backend.MapsInfo{Backend: m.Name(), Model: filepath.Base(m.Path()), InputSize: m.InputSize(),
		MapSize: backend.MapSizeName(m.MapSize()), Sigma: m.Sigma()}
}

// readMapsInfo reads maps.json from the maps folder pred, or from its
// parent when pred is a category folder of it (--pred maps/bottle).
func readMapsInfo(pred string) (*backend.MapsInfo, error) {
	if st, err := os.Stat(pred); err != nil || !st.IsDir() {
		return nil, nil // an archive of maps, or an error dataset.Open reports
	}
	info, err := backend.ReadMapsInfo(pred)
	if info != nil || err != nil {
		return info, err
	}
	if st, err := os.Stat(filepath.Join(pred, "test")); err == nil && st.IsDir() {
		return backend.ReadMapsInfo(filepath.Dir(filepath.Clean(pred)))
	}
	return nil, nil
}

// mapsInfoWarning says when maps were smoothed at another size than the one
// they are evaluated at (size, 0 for each image's ground truth): resizing a
// smoothed map is not smoothing it there, as the published pipelines do.
func mapsInfoWarning(info *backend.MapsInfo, size int) string {
	if info == nil || size == 0 {
		return ""
	}
	side, _ := info.Side()
	if side == size {
		return ""
	}
	at := "each image's size"
	if side > 0 {
		at = info.MapSize
	}
	return fmt.Sprintf("the maps were upsampled and smoothed at %s (%s) and are evaluated at %dx%d: resizing smoothed maps differs from smoothing at %dx%d as the published pipelines do (predict --map-size %d, or model, makes such maps)",
		at, backend.MapsInfoFile, size, size, size, size, size)
}

// modelMaps fits run's evaluation to the model: under --protocol
// anomalyclip the evaluation size is the model's input size (518 for the
// published models) unless --size is given; and the maps' making goes into
// the report, with a warning when they are smoothed at another size than the
// evaluation's.
func (job *evalJob) modelMaps(c *cli.Context, m *dive.Model) {
	if c.String("protocol") == "anomalyclip" && !c.IsSet("size") {
		job.load.Size = m.InputSize()
	}
	info := mapsInfo(m)
	job.maps = &info
	if w := mapsInfoWarning(job.maps, job.load.Size); w != "" {
		job.warnings = append(job.warnings, w)
	}
}
