package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/report"
)

// stormArchives are two account folders of an organization trail: one
// with n retries of a denied upload (bare Access Denied, several a
// second), the other with the GenerateDataKey denial S3 made for each,
// which a scan reads much later than the upload it belongs to.
func stormArchives(n int) (uploads, keys fstest.MapFS) {
	uploads, keys = fstest.MapFS{}, fstest.MapFS{}
	kms := func(id string, t time.Time) string {
		return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","invokedBy":"s3.amazonaws.com"},`+
			`"eventTime":%q,"eventSource":"kms.amazonaws.com","eventName":"GenerateDataKey","awsRegion":"us-east-1","errorCode":"AccessDenied","errorMessage":"",`+
			`"sourceIPAddress":"s3.amazonaws.com","requestParameters":{"encryptionContext":{"aws:s3:arn":"arn:aws:s3:::b/k"},"keyId":"alias/k"},`+
			`"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/k1","type":"AWS::KMS::Key"}],"eventID":%q,"recipientAccountId":"111122223333"}`,
			t.Format(time.RFC3339), id)
	}
	var ups, ks []string
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Second / 4)
		ups = append(ups, event(fmt.Sprintf("u%04d", i), at, "s3.amazonaws.com", "PutObject", "AccessDenied", "Access Denied"))
		ks = append(ks, kms(fmt.Sprintf("k%04d", i), at))
		if len(ups) == 50 || i == n-1 {
			// Files hold their records in no order.
			name := fmt.Sprintf("f%03d.json", i/50)
			for j := range ups {
				k := (j * 7) % len(ups)
				ups[j], ups[k] = ups[k], ups[j]
			}
			uploads[name], keys[name] = logFile(ups...), logFile(ks...)
			ups, ks = nil, nil
		}
	}
	return uploads, keys
}

// TestStormThroughTheSort: a storm whose records come in any order, with
// the KMS calls a whole folder after their uploads, through a sort that
// spills to disk, gives one incident per retry joined with its own KMS
// call, the same findings and report whatever the order and the workers,
// and leaves no temporary file behind.
func TestStormThroughTheSort(t *testing.T) {
	uploads, keys := stormArchives(600)
	var want, wantReport string
	for _, tc := range []struct {
		workers int
		sources []ingest.Source
	}{
		{1, []ingest.Source{ingest.FS(uploads, "uploads"), ingest.FS(keys, "keys")}},
		{4, []ingest.Source{ingest.FS(keys, "keys"), ingest.FS(uploads, "uploads")}},
		{2, []ingest.Source{ingest.FS(keys, "keys"), ingest.FS(uploads, "uploads")}},
	} {
		dir := t.TempDir()
		res, err := Run(context.Background(), Config{Workers: tc.workers, KeepAll: true, TempDir: dir, SortBudget: 16 << 10, Limit: 10}, tc.sources)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.flow.sorter.Runs(); got != 0 {
			t.Errorf("sorter still holds %d runs after the scan", got)
		}
		var b bytes.Buffer
		if err := report.RenderAll(&b, report.NDJSON, res.Report, report.Options{}, res.All()); err != nil {
			t.Fatal(err)
		}
		fs := found(t, res)
		if len(fs) != 600 {
			t.Fatalf("%d findings, want 600 incidents", len(fs))
		}
		for _, f := range fs {
			if len(f.Related) != 1 || "k"+f.EventID[1:] != f.Related[0] || f.Layer != "kms" {
				t.Fatalf("%s: related %v, layer %s; want its own KMS call, kms", f.EventID, f.Related, f.Layer)
			}
		}
		r := res.Report
		if r.Summary.Findings != 600 || len(r.Patterns) != 1 || r.Patterns[0].Count != 600 || len(r.Incidents) != 1 ||
			r.Incidents[0].Count != 600 || len(r.Findings) != 1 || r.Omitted != 599 {
			t.Errorf("report: %d findings, %d patterns, %d incidents (count %d), %d kept, %d omitted; want 600 in one pattern and one incident",
				r.Summary.Findings, len(r.Patterns), len(r.Incidents), r.Incidents[0].Count, len(r.Findings), r.Omitted)
		}
		var table bytes.Buffer
		r.Stats.Sources = nil // the one thing the order changes
		if err := report.Render(&table, report.Table, r); err != nil {
			t.Fatal(err)
		}
		if want == "" {
			want, wantReport = b.String(), table.String()
		} else if b.String() != want || table.String() != wantReport {
			t.Errorf("workers %d, sources %v: other findings or report:\n%s\nwant\n%s", tc.workers, tc.sources, table.String(), wantReport)
		}
		if err := res.Close(); err != nil {
			t.Fatal(err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("temporary files left: %v", entries)
		}
		if _, err := res.Collect(); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("All after Close: %v", err)
		}
	}
}

// errAfter is a context canceled after its Err was asked calls times.
type errAfter struct {
	context.Context
	calls int
}

func (c *errAfter) Err() error {
	if c.calls--; c.calls < 0 {
		return context.Canceled
	}
	return nil
}

// stormFlow is a findings flow fed the records of stormArchives(n).
func stormFlow(t *testing.T, n int) *flow {
	t.Helper()
	cfg := &Config{KeepAll: true, TempDir: t.TempDir(), SortBudget: 16 << 10}
	fl, err := newFlow(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fl.close() })
	uploads, keys := stormArchives(n)
	for _, fsys := range []fstest.MapFS{uploads, keys} {
		for name, f := range fsys {
			var doc struct{ Records []json.RawMessage }
			if err := json.Unmarshal(f.Data, &doc); err != nil {
				t.Fatal(err)
			}
			for i, raw := range doc.Records {
				ev, err := classify.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				origin := fmt.Sprintf("%s#%d", name, i)
				r := classify.NewRecord(ev, classify.Judge(ev), origin)
				b, err := r.AppendBinary(nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := fl.add(item{ev: ev, origin: origin, rec: b}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return fl
}

// TestFinishStopsWhenCanceled: a canceled scan stops correlating once its
// grace is over, and what it reports is the findings of a full scan up to
// some event time, each complete, with a note saying so.
func TestFinishStopsWhenCanceled(t *testing.T) {
	full := stormFlow(t, 2400)
	if note, err := full.finish(context.Background(), 4800); err != nil || note != nil {
		t.Fatalf("finish: %v, %v", note, err)
	}
	want, err := (&Result{flow: full}).Collect()
	if err != nil {
		t.Fatal(err)
	}

	// Canceled before the first record, with no grace: nothing reported.
	fl := stormFlow(t, 2400)
	fl.grace = 0
	note, err := fl.finish(&errAfter{Context: context.Background()}, 4800)
	if err != nil {
		t.Fatal(err)
	}
	if note == nil || note.Reason != "interrupted while correlating the failed records in event-time order: reported 0 of the 4800 read" {
		t.Fatalf("note = %+v", note)
	}

	// Canceled midway: a prefix of the full scan's findings.
	fl = stormFlow(t, 2400)
	fl.grace = 0
	if note, err = fl.finish(&errAfter{Context: context.Background(), calls: 50}, 4800); err != nil {
		t.Fatal(err)
	}
	fl.grace = time.Hour // for reading back what was reported
	got, err := (&Result{flow: fl}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) >= len(want) {
		t.Fatalf("%d findings of %d reported, want some but not all", len(got), len(want))
	}
	for i := range got {
		if got[i].EventID != want[i].EventID || len(got[i].Related) != 1 || got[i].Related[0] != want[i].Related[0] {
			t.Fatalf("finding %d: %s %v, want %s %v", i, got[i].EventID, got[i].Related, want[i].EventID, want[i].Related)
		}
	}
	last := got[len(got)-1].EventTime.UTC().Format(time.RFC3339)
	if wantNote := fmt.Sprintf("reported %d of the 4800 read, those up to %s", 2*len(got), last); note == nil || !strings.HasSuffix(note.Reason, wantNote) {
		t.Errorf("note = %+v, want it to end %q", note, wantNote)
	}

	// A grace long enough for the rest: everything, no note.
	fl = stormFlow(t, 2400)
	fl.grace = time.Hour
	if note, err = fl.finish(&errAfter{Context: context.Background()}, 4800); err != nil || note != nil {
		t.Fatalf("finish with grace: %v, %v", note, err)
	}
	if got, _ := (&Result{flow: fl}).Collect(); len(got) != len(want) {
		t.Errorf("%d findings with a long grace, want %d", len(got), len(want))
	}
}

// TestAllStopsWhenCanceled: reading the findings back honours the scan's
// context too: canceled while the findings are written out, All goes on
// for its grace, then stops after a prefix of them, in order, and marks
// the result interrupted; within the grace it yields them all.
func TestAllStopsWhenCanceled(t *testing.T) {
	fl := stormFlow(t, 2400)
	if note, err := fl.finish(context.Background(), 4800); err != nil || note != nil {
		t.Fatalf("finish: %v, %v", note, err)
	}
	res := &Result{flow: fl}
	want, err := res.Collect()
	if err != nil || res.Interrupted {
		t.Fatalf("Collect: %v, interrupted %v", err, res.Interrupted)
	}
	fl.ctx, fl.grace = &errAfter{Context: context.Background(), calls: 3}, 0
	got, err := res.Collect()
	if err != nil {
		t.Fatal(err)
	}
	// All looks at the context after each batch: the fourth look sees it
	// canceled.
	if n := 4 * readBatchSize; len(got) != n || !res.Interrupted {
		t.Fatalf("canceled after %d of %d findings: %d yielded, interrupted %v; want %d and interrupted", n, len(want), len(got), res.Interrupted, n)
	}
	for i := range got {
		if got[i].EventID != want[i].EventID || got[i].Origin != want[i].Origin {
			t.Fatalf("finding %d: %s, want %s", i, got[i].EventID, want[i].EventID)
		}
	}
	res.Interrupted = false
	fl.ctx, fl.grace = &errAfter{Context: context.Background()}, time.Hour
	if got, err := res.Collect(); err != nil || len(got) != len(want) || res.Interrupted {
		t.Errorf("canceled with a long grace: %d findings of %d, %v, interrupted %v", len(got), len(want), err, res.Interrupted)
	}
}

// TestAllBadKeptFile: a kept-findings file cut short, or with a length
// beyond reason, is an error naming it after the findings before the cut,
// not a hang, a panic or a silent end.
func TestAllBadKeptFile(t *testing.T) {
	fl := stormFlow(t, 300)
	if note, err := fl.finish(context.Background(), 600); err != nil || note != nil {
		t.Fatalf("finish: %v, %v", note, err)
	}
	res := &Result{flow: fl}
	want, err := res.Collect()
	if err != nil || len(want) != 300 {
		t.Fatalf("Collect: %d findings, %v", len(want), err)
	}
	st, err := fl.all.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := fl.all.Truncate(st.Size() / 2); err != nil { // at the end of a finding, as they are all alike
		t.Fatal(err)
	}
	got, err := res.Collect()
	if err == nil || !strings.Contains(err.Error(), "read kept findings") || len(got) == 0 || len(got) >= len(want) {
		t.Fatalf("cut short: %d findings of %d, error %v; want some, then an error", len(got), len(want), err)
	}
	if err := fl.all.Truncate(st.Size()/2 - 3); err != nil { // inside one
		t.Fatal(err)
	}
	if got, err = res.Collect(); err == nil || len(got) == 0 || len(got) >= len(want) {
		t.Fatalf("cut inside a finding: %d findings of %d, error %v; want some, then an error", len(got), len(want), err)
	}
	if _, err := fl.all.WriteAt([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := res.Collect(); err == nil || len(got) != 0 {
		t.Fatalf("a huge length: %d findings, error %v", len(got), err)
	}
}
