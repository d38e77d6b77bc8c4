// Command ccwrecon reconciles Coupa user feeds with a live Coupa instance.
package main

import (
	"embed"
	"os"

	"github.com/ccwrecon/ccwrecon/cmd"
)

// The demo's sample instance and feed travel inside the binary.
//
//go:embed testdata/instance.json testdata/feeds/ccw_delta.csv testdata/feeds/ccw_clean.csv
var assets embed.FS

func main() {
	cmd.Assets = assets
	os.Exit(cmd.Execute())
}
