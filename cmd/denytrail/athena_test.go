package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/internal/athenafake"
	"github.com/denytrail/denytrail/internal/demo"
)

// demoRecords returns every record of the embedded demo archive's log
// files.
func demoRecords(t *testing.T) [][]byte {
	t.Helper()
	var recs [][]byte
	err := fs.WalkDir(demo.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, "/CloudTrail/") {
			return err
		}
		f, err := demo.FS().Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		var doc struct{ Records []json.RawMessage }
		if err := json.NewDecoder(zr).Decode(&doc); err != nil {
			return err
		}
		for _, r := range doc.Records {
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// athenaKeeps plays the query's part: the failed calls the default filter
// counts and the successful changes, within [since, until]. The SQL itself
// is run on a real engine in the duckdb-tagged test.
func athenaKeeps(since, until time.Time) func(raw []byte) bool {
	return func(raw []byte) bool {
		e, err := classify.Parse(raw)
		if err != nil {
			return false
		}
		return (classify.Filter{}).Match(e) && !e.EventTime.Before(since) && !e.EventTime.After(until)
	}
}

// originRE matches an origin quoted in evidence: path#N, s3://…#N, athena://…#N.
var originRE = regexp.MustCompile(`[^\s(,]+#\d+`)

// findingsOf returns a JSON report's findings without their origins, which
// name where each record was read, also where evidence quotes them.
func findingsOf(t *testing.T, doc string) []map[string]any {
	t.Helper()
	var r struct{ Findings []map[string]any }
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, doc)
	}
	for _, f := range r.Findings {
		delete(f, "origin")
		ev, _ := f["evidence"].([]any)
		for i, line := range ev {
			ev[i] = originRE.ReplaceAllString(line.(string), "ORIGIN")
		}
	}
	return r.Findings
}

func TestScanAthenaMatchesLocal(t *testing.T) {
	since := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	until := time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC)
	fake := athenafake.New(athenafake.RecordEngine(demoRecords(t), athenaKeeps(since, until)))
	fake.AddTable("security", "org_trail", athenafake.Table{
		PartitionKeys: []athenafake.Column{{Name: "account", Type: "string"}, {Name: "region", Type: "string"}, {Name: "timestamp", Type: "string"}},
		Parameters:    map[string]string{"projection.timestamp.type": "date", "projection.timestamp.format": "yyyy/MM/dd"},
	})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	fakeAWSEnv(t, "us-east-1")

	dir := t.TempDir()
	if err := os.CopyFS(dir, demo.FS()); err != nil {
		t.Fatal(err)
	}
	scan := func(source string) (int, string, string) {
		var out, errw strings.Builder
		args := []string{"scan", "--format", "json", "--progress", "never", "--endpoint-url", srv.URL,
			"--since", "2026-11-26", "--until", "2026-11-26", source}
		code := run(context.Background(), args, strings.NewReader(""), &out, &errw)
		return code, out.String(), errw.String()
	}
	code, local, errs := scan(dir)
	if code != exitOK {
		t.Fatalf("local scan: exit %d\n%s", code, errs)
	}
	code, remote, errs := scan("athena://security.org_trail")
	if code != exitOK {
		t.Fatalf("athena scan: exit %d\n%s", code, errs)
	}
	want, got := findingsOf(t, local), findingsOf(t, remote)
	if len(want) == 0 {
		t.Fatal("the demo archive has no findings")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("athena gives %d findings, the local scan %d; first difference:", len(got), len(want))
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				g, _ := json.MarshalIndent(got[i], "", " ")
				w, _ := json.MarshalIndent(want[i], "", " ")
				t.Errorf("finding %d\n got %s\nwant %s", i, g, w)
				break
			}
		}
	}
	if !strings.Contains(errs, "athena://security.org_trail: query ") || !strings.Contains(errs, "per TB") {
		t.Errorf("stderr does not give the data scanned and its price:\n%s", errs)
	}
	var sql string
	for _, r := range fake.Requests() {
		if r.Op == "StartQueryExecution" {
			sql = r.SQL
		}
	}
	if !strings.Contains(sql, `"timestamp" BETWEEN '2026/11/26' AND '2026/11/27'`) || !strings.Contains(sql, "'PutBucketPolicy'") {
		t.Errorf("query:\n%s", sql)
	}
}

func TestAthenaCreateTable(t *testing.T) {
	var out, errw bytes.Buffer
	code := run(context.Background(), []string{"athena", "create-table", "--database", "security", "--table", "org_trail",
		"--account", "111122223333", "--region", "us-east-1", "s3://org-trail-logs/AWSLogs/o-abc123defg/"}, strings.NewReader(""), &out, &errw)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	for _, want := range []string{"CREATE EXTERNAL TABLE `security`.`org_trail`", "'projection.account.values'='111122223333'",
		"'storage.location.template'='s3://org-trail-logs/AWSLogs/o-abc123defg/${account}/CloudTrail/${region}/${timestamp}'"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("DDL lacks %s:\n%s", want, out.String())
		}
	}
	ddl := strings.TrimSuffix(strings.TrimSpace(out.String()), ";")

	// --run sends the same statement to Athena and waits for it.
	fake := athenafake.New(func(context.Context, string) (athenafake.Result, error) { return athenafake.Result{}, nil })
	fake.RunningPolls = 2
	srv := httptest.NewServer(fake)
	defer srv.Close()
	fakeAWSEnv(t, "us-east-1")
	errw.Reset()
	code = run(context.Background(), []string{"athena", "create-table", "--database", "security", "--table", "org_trail",
		"--account", "111122223333", "--region", "us-east-1", "--run", "--endpoint-url", srv.URL,
		"s3://org-trail-logs/AWSLogs/o-abc123defg/"}, strings.NewReader(""), io.Discard, &errw)
	if code != exitOK || !strings.Contains(errw.String(), "created the table") {
		t.Errorf("--run: exit %d: %s", code, errw.String())
	}
	if reqs := fake.Requests(); len(reqs) == 0 || reqs[0].Op != "StartQueryExecution" || reqs[0].SQL != ddl {
		t.Errorf("--run sent %+v, want the printed statement", reqs)
	}
	fake.FailReason = "FAILED: AlreadyExistsException: Table org_trail already exists"
	errw.Reset()
	code = run(context.Background(), []string{"athena", "create-table", "--table", "org_trail", "--run", "--endpoint-url", srv.URL,
		"s3://org-trail-logs/AWSLogs/o-abc123defg/"}, strings.NewReader(""), io.Discard, &errw)
	if code == exitOK || !strings.Contains(errw.String(), "already exists") {
		t.Errorf("--run on an existing table: exit %d: %s", code, errw.String())
	}

	errw.Reset()
	code = run(context.Background(), []string{"athena", "create-table", "s3://b/AWSLogs/"}, strings.NewReader(""), io.Discard, &errw)
	if code != exitFailure || !strings.Contains(errw.String(), "name the account or organization folder") {
		t.Errorf("ambiguous location: exit %d, %s", code, errw.String())
	}
}
