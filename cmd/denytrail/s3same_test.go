package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/internal/s3test"
	"github.com/denytrail/denytrail/internal/synth"
)

// TestS3SameReportAsLocal generates an archive (an organization trail and
// an account trail under one key prefix, with scripted denials), stores it
// in gofakes3 and in a folder, and scans both in several read orders (one
// download and one reader at a time, or many): every report is the same,
// byte for byte, once the source's name is put in the other's place.
func TestS3SameReportAsLocal(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	srv := s3test.New(t, nil, e2eTrail)
	dir := t.TempDir()
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, cfg := range []synth.Config{
		{Seed: 3, Prefix: "p", OrgID: "o-a1b2c3d4e5", Accounts: []string{"111122223333", "444455556666"}, Start: start,
			Duration: 3 * time.Hour, FileEvery: 20 * time.Minute, RecordsPerFile: 30, FailureRate: 0.05},
		{Seed: 4, Prefix: "p", Accounts: []string{"777788889999"}, Start: start,
			Duration: 3 * time.Hour, FileEvery: 25 * time.Minute, RecordsPerFile: 30, FailureRate: 0.05},
	} {
		err := synth.Generate(context.Background(), cfg, func(f synth.File) error {
			if _, err := srv.Backend.PutObject(e2eTrail, f.Key, map[string]string{}, strings.NewReader(string(f.Data)), int64(len(f.Data)), nil); err != nil {
				return err
			}
			p := filepath.Join(dir, filepath.FromSlash(f.Key))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			return os.WriteFile(p, f.Data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	window := []string{"--since", "2026-11-26T00:00:00Z", "--until", "2026-11-26T02:00:00Z"}
	scan := func(source, format string, flags ...string) string {
		var out, errw strings.Builder
		args := append(append([]string{"scan", "--endpoint-url", srv.URL, "--format", format}, window...), flags...)
		if code := run(context.Background(), append(args, source), strings.NewReader(""), &out, &errw); code != exitOK {
			t.Fatalf("%s %v: exit %d\n%s", source, flags, code, errw.String())
		}
		return out.String()
	}
	local := filepath.Join(dir, "p")
	for _, format := range []string{"json", "ndjson", "markdown"} {
		want := scan(local, format, "--workers", "1")
		if !strings.Contains(want, "AccessDenied") {
			t.Fatalf("%s: the local report holds no denial: the test compares nothing", format)
		}
		for _, flags := range [][]string{
			{"--workers", "1", "--s3-downloads", "1", "--s3-listings", "1"},
			{"--workers", "4", "--s3-downloads", "16", "--s3-listings", "8"},
			{"--workers", "3", "--s3-downloads", "5", "--s3-buffer", "1"},
		} {
			got := scan("s3://"+e2eTrail+"/p", format, flags...)
			got = strings.ReplaceAll(got, "s3://"+e2eTrail+"/p", local)
			if got != want {
				t.Errorf("%s %v: the S3 report differs from the local one:\n%s", format, flags, firstDiff(got, want))
			}
		}
		if got := scan(local, format, "--workers", "4"); got != want {
			t.Errorf("%s: local reports differ between 1 and 4 workers:\n%s", format, firstDiff(got, want))
		}
	}
}

// firstDiff shows where two texts part.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-200)
	return "got:  …" + got[lo:min(len(got), i+200)] + "\nwant: …" + want[lo:min(len(want), i+200)]
}
