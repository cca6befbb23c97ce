package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/internal/synth"
)

// readAll returns every file of fsys by path.
func readAll(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		files[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestArchiveMatchesGenerator keeps the committed archive and the generator
// from drifting apart.
func TestArchiveMatchesGenerator(t *testing.T) {
	dir := t.TempDir()
	if err := synth.WriteDir(context.Background(), dir, Config()); err != nil {
		t.Fatal(err)
	}
	want, got := readAll(t, os.DirFS(dir)), readAll(t, FS())
	const fix = "; run `go generate ./internal/demo` and commit internal/demo/archive"
	for path, b := range want {
		g, ok := got[path]
		switch {
		case !ok:
			t.Errorf("embedded archive lacks %s%s", path, fix)
		case !bytes.Equal(g, b):
			t.Errorf("embedded %s differs from the generator's%s", path, fix)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("embedded archive has %s, which the generator no longer writes%s", path, fix)
		}
	}
}

func TestArchiveContents(t *testing.T) {
	var size, records, failed, digests int
	scenarios := map[string]int{}
	layers := map[string]int{}
	err := synth.Generate(context.Background(), Config(), func(f synth.File) error {
		if !strings.HasPrefix(f.Key, "AWSLogs/o-a1b2c3d4e5/") {
			t.Errorf("key %s is not under the organization trail's AWSLogs/o-a1b2c3d4e5/", f.Key)
		}
		if _, err := fs.Stat(FS(), f.Key); err != nil {
			t.Errorf("FS() does not serve %s at that path: %v", f.Key, err)
		}
		size += len(f.Data)
		if strings.Contains(f.Key, "/CloudTrail-Digest/") {
			digests++
			return nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(f.Data))
		if err != nil {
			return err
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			return err
		}
		records += bytes.Count(b, []byte(`{"eventVersion":"`))
		failed += bytes.Count(b, []byte(`"errorCode":"`))
		for _, l := range f.Labels {
			scenarios[l.Scenario]++
			if l.Layer != "" {
				layers[l.Layer]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range synth.Scenarios() {
		if scenarios[s.Name] == 0 {
			t.Errorf("scenario %s is missing from the demo archive", s.Name)
		}
	}
	for _, l := range []string{"iam", "bucket-policy", "kms", "org-controls", "acl-ownership", "network", "credentials", "unknown", "other"} {
		if layers[l] == 0 {
			t.Errorf("layer %s is missing from the demo archive", l)
		}
	}
	if digests == 0 {
		t.Error("no digest file")
	}
	if records < 200 || records > 1000 || size > 512<<10 {
		t.Errorf("%d records in %d bytes: the demo should stay a few hundred records, well under 1 MB", records, size)
	}
	t.Logf("%d records (%d failed) in %d bytes, %d digests", records, failed, size, digests)
}
