package ingest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/internal/corpus"
)

// TestCorpus reads every .json file of the corpus: each yields records or a
// named error, and the splitter agrees with the reference on all of them.
func TestCorpus(t *testing.T) {
	corpus := corpus.Dir(t)
	type outcome struct {
		records []Record
		err     error
	}
	got := map[string]outcome{} // by path relative to the corpus
	err := Path(corpus).Walk(context.Background(), func(in Input) error {
		if !strings.HasSuffix(in.Name, ".json") {
			return nil
		}
		rel, _ := filepath.Rel(corpus, in.Name)
		rel = filepath.ToSlash(rel)
		if in.Err != nil {
			t.Errorf("%s: %v", rel, in.Err)
			return nil
		}
		rc, err := in.Open(context.Background())
		if err != nil {
			return err
		}
		defer rc.Close()
		rd := NewReader(rc, in.Name, ReaderOptions{})
		defer rd.Close()
		var o outcome
		for rd.Next() {
			rec := rd.Record()
			rec.Raw = append([]byte(nil), rec.Raw...)
			o.records = append(o.records, rec)
			if rec.Err != nil && !strings.HasPrefix(rec.Err.Error(), rec.Origin.String()+": ") {
				t.Errorf("%s: record error %q does not name its origin", rel, rec.Err)
			}
		}
		o.err = rd.Err()
		if o.err != nil && !strings.HasPrefix(o.err.Error(), in.Name+": ") {
			t.Errorf("%s: error %q does not name the file", rel, o.err)
		}
		if o.err == nil && len(o.records) == 0 {
			t.Errorf("%s: neither records nor an error", rel)
		}
		got[rel] = o

		data, err := os.ReadFile(in.Name)
		if err != nil {
			return err
		}
		checkAgainstReference(t, data, MaxRecordSize, readChunk)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The invalid example AWS published: a named error, no record.
	bad := got["awsdocs-kms-developer-guide/ct-decrypt.md__example1.json"]
	if bad.err == nil || len(bad.records) != 0 || !strings.Contains(bad.err.Error(), "ct-decrypt.md__example1.json: record 0, byte ") {
		t.Errorf("ct-decrypt.md__example1.json: %d records, error %v", len(bad.records), bad.err)
	}

	var stratus, panther int
	for rel, o := range got {
		switch {
		case strings.HasPrefix(rel, "stratus-red-team/"):
			// JSON arrays: records 0..n-1, as many as encoding/json finds.
			stratus++
			var events []json.RawMessage
			data, _ := os.ReadFile(filepath.Join(corpus, rel))
			if err := json.Unmarshal(data, &events); err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			checkEvents(t, rel, o.records, o.err, len(events), false)
		case strings.HasPrefix(rel, "panther-analysis/") && rel != "panther-analysis/index.json":
			panther++
			checkEvents(t, rel, o.records, o.err, 1, true)
		case strings.HasPrefix(rel, "otrf-security-datasets/"):
			checkEvents(t, rel, o.records, o.err, 103, false)
		}
	}
	if stratus != 35 || panther == 0 {
		t.Errorf("read %d stratus-red-team and %d panther-analysis files", stratus, panther)
	}
}

// checkEvents checks that a corpus file gave n CloudTrail events, each
// with an eventName, at indices 0..n-1 (or -1 for a single-event file).
func checkEvents(t *testing.T, rel string, recs []Record, err error, n int, single bool) {
	t.Helper()
	if err != nil || len(recs) != n {
		t.Errorf("%s: %d records, error %v; want %d", rel, len(recs), err, n)
		return
	}
	for i, rec := range recs {
		want := i
		if single {
			want = -1
		}
		var ev struct{ EventName string }
		if rec.Err != nil || rec.Origin.Index != want || json.Unmarshal(rec.Raw, &ev) != nil || ev.EventName == "" {
			t.Errorf("%s: record %d: origin %v, error %v, eventName %q", rel, i, rec.Origin, rec.Err, ev.EventName)
		}
	}
}
