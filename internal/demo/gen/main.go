// Command gen regenerates the demo archive from demo.Config:
//
//	go generate ./internal/demo
//
// It replaces archive/AWSLogs (or the -dir given) with freshly generated files.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/denytrail/denytrail/internal/demo"
	"github.com/denytrail/denytrail/internal/synth"
)

func main() {
	dir := flag.String("dir", "archive", "folder to write the archive into")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	cfg := demo.Config()
	if cfg.Prefix != "" {
		return fmt.Errorf("demo.Config has a Prefix; gen only replaces %s", filepath.Join(dir, "AWSLogs"))
	}
	// Only AWSLogs is ours to replace: stale files must not survive.
	if err := os.RemoveAll(filepath.Join(dir, "AWSLogs")); err != nil {
		return err
	}
	return synth.WriteDir(context.Background(), dir, cfg)
}
