package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/scan"
)

// regionProgresser is a source that reports its position per region (the
// LookupEvents source).
type regionProgresser interface {
	Progress() []ingest.RegionProgress
}

// s3Progresser is a source that reports its listing and downloading
// separately (the S3 source).
type s3Progresser interface {
	Progress() ingest.S3Progress
}

// startProgress prints a progress line on w every quarter second while a
// scan runs, when mode is "always", or "auto" and w is a terminal. It
// returns the function that stops it and clears the line.
func startProgress(w io.Writer, mode string, c *scan.Counters, sources []ingest.Source) (stop func()) {
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
				fmt.Fprint(w, "\r\x1b[K"+progressLine(c, sources, time.Since(start)))
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// progressLine is one line of progress: the scan's counters, then the
// listing and the downloading of each S3 source, and each region of the
// sources that report one (pages, events, and how far back in the window
// they have read).
func progressLine(c *scan.Counters, sources []ingest.Source, elapsed time.Duration) string {
	var b strings.Builder
	mb := float64(c.Bytes.Load()) / (1 << 20)
	fmt.Fprintf(&b, "%d/%d inputs read  %.1f MiB (%.1f MiB/s)  %d records  %d failed calls  %d skipped",
		c.Inputs.Load(), c.Listed.Load(), mb, mb/max(elapsed.Seconds(), 0.001), c.Records.Load(), c.Findings.Load(), c.Skipped.Load())
	for _, s := range sources {
		if p, ok := s.(s3Progresser); ok {
			sp := p.Progress()
			fmt.Fprintf(&b, " | listing: %d pages (%d in flight), %d objects found | downloading: %d/%d (%d in flight), %.1f MiB, %.1f MiB held",
				sp.Listings, sp.ListingsInFlight, sp.Objects, sp.Downloads, sp.Objects, sp.DownloadsInFlight,
				float64(sp.Bytes)/(1<<20), float64(sp.Held)/(1<<20))
		}
		p, ok := s.(regionProgresser)
		if !ok {
			continue
		}
		for _, r := range p.Progress() {
			fmt.Fprintf(&b, " | %s: %d pages, %d events", r.Region, r.Pages, r.Events)
			switch {
			case r.Err != nil:
				b.WriteString(", failed")
			case r.Done:
				b.WriteString(", done")
			case !r.Oldest.IsZero():
				fmt.Fprintf(&b, ", back to %s", r.Oldest.UTC().Format("2006-01-02 15:04"))
			}
		}
	}
	return b.String()
}
