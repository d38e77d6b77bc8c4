package cmd

import (
	"context"

	"github.com/spf13/cobra"
)

func newApplyCmd() *cobra.Command                          { return &cobra.Command{Use: "apply"} }
func newPullCmd() *cobra.Command                           { return &cobra.Command{Use: "pull"} }
func newDemoCmd() *cobra.Command                           { return &cobra.Command{Use: "demo"} }
func runConsole(ctx context.Context, o *diffOptions) error { return nil }
