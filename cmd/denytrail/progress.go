package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/denytrail/denytrail/scan"
)

// startProgress prints a progress line on w every quarter second while a
// scan runs, when mode is "always", or "auto" and w is a terminal. It
// returns the function that stops it and clears the line.
func startProgress(w io.Writer, mode string, c *scan.Counters) (stop func()) {
	on := mode == "always"
	if mode == "auto" {
		f, ok := w.(*os.File)
		on = ok && term.IsTerminal(int(f.Fd()))
	}
	if !on {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
				el := time.Since(start).Seconds()
				mb := float64(c.Bytes.Load()) / (1 << 20)
				fmt.Fprintf(w, "\r\x1b[K%d/%d inputs read  %.1f MiB (%.1f MiB/s)  %d records  %d failed calls  %d skipped",
					c.Inputs.Load(), c.Listed.Load(), mb, mb/el, c.Records.Load(), c.Findings.Load(), c.Skipped.Load())
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
