package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/s3test"
)

// TestProblemsAreBounded: many bad records in many inputs are counted
// exactly, the first MaxNamedPerInput of each input named (MaxNamed in
// all), the rest counted by reason.
func TestProblemsAreBounded(t *testing.T) {
	fsys := fstest.MapFS{}
	const inputs, perInput = 60, 100
	for i := range inputs {
		var recs []string
		for j := range perInput {
			if j%2 == 0 {
				recs = append(recs, "1")
			} else {
				recs = append(recs, `"x"`)
			}
		}
		fsys[fmt.Sprintf("f%02d.json", i)] = &fstest.MapFile{Data: []byte("[" + strings.Join(recs, ",") + "]")}
	}
	res, err := run(t, context.Background(), Config{Workers: 3}, []ingest.Source{ingest.FS(fsys, "arc")})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stats
	if st.SkippedCount != inputs*perInput {
		t.Errorf("skipped count %d, want %d", st.SkippedCount, inputs*perInput)
	}
	if len(st.Skipped) != min(inputs*MaxNamedPerInput, MaxNamed) {
		t.Errorf("%d named, want %d", len(st.Skipped), min(inputs*MaxNamedPerInput, MaxNamed))
	}
	perName := map[string]int{}
	for _, p := range st.Skipped {
		in, _, _ := strings.Cut(p.Input, "#")
		perName[in]++
		if !strings.Contains(p.Input, "#") || !strings.HasPrefix(p.Reason, "not a JSON object: found a") {
			t.Errorf("named problem %+v: want the record's position and reason", p)
		}
	}
	for in, n := range perName {
		if n > MaxNamedPerInput {
			t.Errorf("%s: %d named, want at most %d", in, n, MaxNamedPerInput)
		}
	}
	var unnamed int64
	for _, c := range st.SkippedUnnamed {
		unnamed += c.Count
		if c.Reason != "not a JSON object" {
			t.Errorf("unnamed reason %q, want the reason without detail", c.Reason)
		}
	}
	if unnamed+int64(len(st.Skipped)) != st.SkippedCount {
		t.Errorf("named %d + unnamed %d != %d", len(st.Skipped), unnamed, st.SkippedCount)
	}
	if res.Unreadable || st.Inputs != inputs {
		t.Errorf("unreadable %v, inputs %d", res.Unreadable, st.Inputs)
	}
}

func TestReasonKind(t *testing.T) {
	for in, want := range map[string]string{
		"not a JSON object: found a number":                       "not a JSON object",
		"record 5, byte 1234: truncated JSON: unexpected EOF":     "truncated JSON",
		"record too large: 2000000 bytes, limit 1048576":          "record too large",
		"invalid JSON at byte 12 of the record: invalid char 'x'": "invalid JSON at byte N of the record",
		strings.Repeat("7x", 200):                                 strings.Repeat("Nx", 60) + "…",
	} {
		if got := reasonKind(in); got != want {
			t.Errorf("reasonKind(%q) = %q, want %q", in, got, want)
		}
	}
}

// gzipped compresses data.
func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// TestKeepWhatWasRead: records before a late error are kept when the input
// is the only one, and the input is named as read in part, with where it
// ended; the scan is not "unreadable" (exit 2, not 1).
func TestKeepWhatWasRead(t *testing.T) {
	e1 := event("e1", t0, "s3.amazonaws.com", "PutObject", "AccessDenied", deny)
	e2 := event("e2", t0.Add(time.Minute), "s3.amazonaws.com", "PutObject", "AccessDenied", deny)
	logGz := gzipped([]byte(`{"Records":[` + e1 + "," + e2 + `]}`))
	badCRC := bytes.Clone(logGz)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 in the gzip trailer

	s3 := s3test.New(t, nil, "trail")
	const prefix = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/26/"
	for i, data := range [][]byte{[]byte(`{"Records":[` + e1 + ",{\"eventVersion\""), []byte(`{"Records":[` + e2 + ",")} {
		key := fmt.Sprintf("%s111122223333_CloudTrail_us-east-1_20261126T10%02dZ_abc%d.json", prefix, i*5, i)
		if _, err := s3.Backend.PutObject("trail", key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
			t.Fatal(err)
		}
	}
	s3src, err := ingest.NewS3(s3.Client(), "trail", "", ingest.S3Options{Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name    string
		src     ingest.Source
		partial int64
		where   string
	}{
		{"truncated NDJSON on stdin", ingest.Stdin(strings.NewReader(e1 + "\n" + e2 + "\n" + `{"eventVersion":"1.09","eventTi`)), 1, "read in part (kept the 2 records before the error): record 2, byte "},
		{"bad gzip CRC at the end", ingest.FS(fstest.MapFS{"log.json.gz": {Data: badCRC}}, "arc"), 1, "read in part (kept the 2 records before the error): record 2, byte "},
		{"S3 objects all cut after their denials", s3src, 2, "read in part (kept the 1 record before the error): record 1, byte "},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := run(t, context.Background(), Config{}, []ingest.Source{c.src})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(found(t, res)); got != "e1,e2" {
				t.Errorf("findings %q, want e1,e2: what was read before the error is kept", got)
			}
			st := res.Stats
			if res.Unreadable || st.PartialInputs != c.partial || st.SkippedCount != c.partial || len(st.Skipped) != int(c.partial) {
				t.Fatalf("unreadable %v, partial %d, skipped %d %+v; want readable, %d partial", res.Unreadable, st.PartialInputs, st.SkippedCount, st.Skipped, c.partial)
			}
			if !strings.HasPrefix(st.Skipped[0].Reason, c.where) {
				t.Errorf("skipped %+v, want it to say %q", st.Skipped[0], c.where)
			}
		})
	}
}
