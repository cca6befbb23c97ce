package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./report -update rewrites it after review)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, f, fixtureReport()); err != nil {
				t.Fatal(err)
			}
			golden(t, "report."+string(f)+".golden", b.Bytes())
		})
	}
}

func TestGoldenEmpty(t *testing.T) {
	stats := Stats{Sources: []string{"cloudtrail://us-east-1"}, Inputs: 3, Bytes: 2048, Records: 150}
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, f, New(stats, nil)); err != nil {
				t.Fatal(err)
			}
			golden(t, "empty."+string(f)+".golden", b.Bytes())
		})
	}
}

func TestGoldenExplain(t *testing.T) {
	r := fixtureReport()
	fields := []Field{
		{"eventSource", "s3.amazonaws.com"},
		{"eventName", "PutObject"},
		{"errorCode", "AccessDenied"},
		{"userIdentity.arn", "arn:aws:sts::111122223333:assumed-role/Uploader/ci"},
		{"requestParameters.x-amz-server-side-encryption", "aws:kms"},
	}
	for i, name := range []string{"explain.kms.golden", "explain.noevidence.golden"} {
		f := r.Findings[2]
		if i == 1 {
			f = r.Findings[3]
			fields = nil
		}
		var b bytes.Buffer
		if err := RenderExplain(&b, f, fields); err != nil {
			t.Fatal(err)
		}
		golden(t, name, b.Bytes())
	}
}
