package cmd

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

func newDemoCmd() *cobra.Command {
	return &cobra.Command{Use: "demo", Short: "(console not built yet)", RunE: func(*cobra.Command, []string) error { return errors.New("the console is not built yet") }}
}
func runConsole(ctx context.Context, o *diffOptions) error {
	return errors.New("the console is not built yet")
}
