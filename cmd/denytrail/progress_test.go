package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/scan"
)

// regional is a source that reports per-region progress.
type regional struct {
	ingest.Source
	p []ingest.RegionProgress
}

func (r regional) Progress() []ingest.RegionProgress { return r.p }

func TestProgressLine(t *testing.T) {
	c := new(scan.Counters)
	c.Listed.Store(10)
	c.Inputs.Store(4)
	c.Bytes.Store(3 << 20)
	c.Records.Store(1234)
	c.Findings.Store(5)
	c.Skipped.Store(1)
	src := regional{p: []ingest.RegionProgress{
		{Region: "us-east-1", Pages: 3, Events: 150, Oldest: time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)},
		{Region: "eu-west-1", Pages: 7, Events: 300, Done: true},
		{Region: "ap-south-1", Err: errors.New("AccessDenied")},
	}}
	got := progressLine(c, []ingest.Source{ingest.Stdin(nil), src}, 2*time.Second)
	for _, want := range []string{
		"4/10 inputs read", "3.0 MiB (1.5 MiB/s)", "1234 records", "5 failed calls", "1 skipped",
		"us-east-1: 3 pages, 150 events, back to 2026-11-26 09:30",
		"eu-west-1: 7 pages, 300 events, done",
		"ap-south-1: 0 pages, 0 events, failed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
	if strings.ContainsAny(got, "\r\n") {
		t.Errorf("progress line %q spans lines", got)
	}
}

// s3Like is a source that reports listing and downloading.
type s3Like struct {
	ingest.Source
	p ingest.S3Progress
}

func (s s3Like) Progress() ingest.S3Progress { return s.p }

func TestProgressLineS3(t *testing.T) {
	src := s3Like{p: ingest.S3Progress{Listings: 120, ListingsInFlight: 32, Objects: 900,
		Downloads: 400, DownloadsInFlight: 31, Bytes: 5 << 20, Held: 3 << 19}}
	got := progressLine(new(scan.Counters), []ingest.Source{src}, time.Second)
	for _, want := range []string{
		"listing: 120 pages (32 in flight), 900 objects found",
		"downloading: 400/900 (31 in flight), 5.0 MiB, 1.5 MiB held",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
}

func TestProgressOnlyWhereAsked(t *testing.T) {
	c := new(scan.Counters)
	for _, tc := range []struct {
		mode string
		want bool
	}{{"auto", false}, {"never", false}, {"always", true}} {
		var buf bytes.Buffer // not a terminal
		// Stopping clears the line, so a progress line that is on always
		// writes something, tick or no tick.
		startProgress(&buf, tc.mode, c, nil)()
		if got := buf.Len() > 0; got != tc.want {
			t.Errorf("--progress=%s on a non-terminal: printed %v, want %v (%q)", tc.mode, got, tc.want, buf.String())
		}
	}
}
