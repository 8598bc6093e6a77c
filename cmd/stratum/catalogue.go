package main

import (
	"fmt"
	"os"

	"github.com/stratumhq/stratum/domain/billing"
)

// catalogueMarkdown prints the plan matrix, or with -w FILE rewrites it
// between FILE's catalogue markers (README.md; a billing test fails when
// the README drifts from the catalogue).
func catalogueMarkdown(args []string) error {
	if len(args) == 0 {
		fmt.Print(billing.Matrix())
		return nil
	}
	if len(args) != 2 || args[0] != "-w" {
		return fmt.Errorf("usage: stratum catalogue-md [-w FILE]")
	}
	doc, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	out, err := billing.WithMatrix(string(doc))
	if err != nil {
		return fmt.Errorf("%s: %w", args[1], err)
	}
	return os.WriteFile(args[1], []byte(out), 0o644)
}
