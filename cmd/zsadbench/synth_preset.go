package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zsadbench/zsadbench/synth"
)

// presetRCPRODemo is the demonstration of README's "Why RCPRO".
const presetRCPRODemo = "rcpro-demo"

func presetFlag() cli.Flag {
	var names []string
	for _, b := range synth.Behaviours() {
		names = append(names, b.String())
	}
	return &cli.StringFlag{Name: "preset", Category: catInput, Usage: "write a prepared dataset `NAME` instead: " + presetRCPRODemo +
		", one ground truth in DIR/" + synth.RCPRODemoTruth + " and, on it, one maps folder per detector behaviour (DIR/" +
		strings.Join(names, ", DIR/") + "), showing what RCPRO measures (README, Why RCPRO); the other flags, when given, change the preset's values"}
}

// writePreset writes the preset named by --preset, starting from its own
// options and taking those flags the user set.
func writePreset(c *cli.Context) error {
	if p := c.String("preset"); p != presetRCPRODemo {
		return fmt.Errorf("--preset %q: want %s", p, presetRCPRODemo)
	}
	opts, err := synthOptions(c, synth.RCPRODemoOptions())
	if err != nil {
		return err
	}
	return synth.WriteRCPRODemo(c.String(flagData), opts)
}
