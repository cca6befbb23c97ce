package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/internal/corpus"
)

// TestCorpusScan scans the real, public events of the shared corpus with
// the CLI: with --all-failures every S3 denial among Panther's samples is
// reported (the VpceAccessDenied one as network), every corpus file is read
// or named, and the one file AWS published as invalid JSON is named.
func TestCorpusScan(t *testing.T) {
	dir := corpus.Dir(t)

	panther := filepath.Join(dir, "panther-analysis")
	entries, err := os.ReadDir(panther)
	if err != nil {
		t.Fatal(err)
	}
	// The S3 denials, read from the samples themselves.
	want := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || e.Name() == "index.json" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(panther, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var ev struct{ EventSource, ErrorCode, ErrorMessage string }
		if json.Unmarshal(data, &ev) != nil || ev.EventSource != "s3.amazonaws.com" || ev.ErrorCode == "" {
			continue
		}
		if strings.Contains(ev.ErrorCode, "Denied") || strings.Contains(ev.ErrorMessage, "not authorized") {
			want[e.Name()] = true
		}
	}
	if len(want) < 10 {
		t.Fatalf("found only %d S3 denials in %s; the corpus changed?", len(want), panther)
	}

	code, stdout, stderr := runCLI("scan", "--all-failures", "--format", "ndjson", "--progress", "never", panther)
	// The folder's LICENSE.txt and SOURCE.txt are not CloudTrail: notes,
	// not failures (exit 0); no sample may be skipped.
	if code != exitOK || !strings.Contains(stderr, "note: "+filepath.Join(panther, "LICENSE.txt")+": neither JSON nor gzip") {
		t.Fatalf("exit %d, want 0 with a note for the .txt files\n%s", code, stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(line, "denytrail: skipped") {
			t.Errorf("a sample was skipped: %s", line)
		}
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var f struct{ Origin, Layer, EventSource string }
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("not one finding per line: %q: %v", line, err)
		}
		if f.EventSource == "s3.amazonaws.com" {
			got[filepath.Base(f.Origin)] = f.Layer
		}
	}
	for name := range want {
		layer, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: S3 denial not reported", name)
		case layer == "other":
			t.Errorf("%s: S3 denial reported as layer other", name)
		}
	}
	if l := got["aws_vpce_access_denied__00__VPC-Endpoint-Access-Denied.json"]; l != "network" {
		t.Errorf("VpceAccessDenied sample: layer %q, want network", l)
	}

	// The whole corpus: AWS's own invalid example is named, and the scan
	// completes with exit 2, not a crash.
	code, _, stderr = runCLI("scan", "--all-failures", "--format", "json", "--progress", "never", dir)
	if code != exitSkipped {
		t.Errorf("whole corpus: exit %d, want 2 (one invalid file)\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "ct-decrypt.md__example1.json") {
		t.Errorf("whole corpus: the invalid KMS example is not named:\n%s", stderr)
	}
}
