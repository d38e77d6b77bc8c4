// Command ccwrecon reconciles Coupa user feeds with a live Coupa instance.
package main

import (
	"os"

	"github.com/ccwrecon/ccwrecon/cmd"
)

func main() { os.Exit(cmd.Execute()) }
