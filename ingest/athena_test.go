package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/athenafake"
)

// athenaRecords returns n failed KMS records.
func athenaRecords(n int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, `{"eventVersion":"1.11","eventID":"ev-%05d","eventTime":"2026-11-26T14:%02d:00Z","eventSource":"kms.amazonaws.com","eventName":"GenerateDataKey","awsRegion":"us-east-1","errorCode":"AccessDenied","errorMessage":"m %d","readOnly":true,"managementEvent":true,"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s","accountId":"111122223333"},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/k","accountId":"111122223333","type":"AWS::KMS::Key"}],"requestParameters":{"keyId":"alias/x","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::b/k"}}}`, i, i%60, i)
	}
	return recs
}

func newAthenaFake(t *testing.T, recs [][]byte) (*athenafake.Server, *athena.Client) {
	t.Helper()
	fake := athenafake.New(athenafake.RecordEngine(recs, func([]byte) bool { return true }))
	fake.AddTable("security", "org_trail", athenafake.Table{
		PartitionKeys: []athenafake.Column{{Name: "account", Type: "string"}, {Name: "region", Type: "string"}, {Name: "timestamp", Type: "string"}},
		Parameters: map[string]string{"projection.enabled": "true", "projection.account.type": "injected",
			"projection.timestamp.type": "date", "projection.timestamp.format": "yyyy/MM/dd"},
	})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, athenafake.Client(srv.URL)
}

func athenaOpts() ingest.AthenaOptions {
	return ingest.AthenaOptions{
		Filter:   ingest.AthenaFilter{Events: []string{"kms:*"}},
		Since:    time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		Until:    time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC),
		Accounts: []string{"111122223333"},
		Poll:     time.Millisecond,
	}
}

// readAll walks the source and returns every record's event ID, and the
// inputs offered with Err.
func readAll(t *testing.T, ctx context.Context, src ingest.Source) (ids []string, bad []string, err error) {
	t.Helper()
	err = src.Walk(ctx, func(in ingest.Input) error {
		if in.Err != nil {
			bad = append(bad, in.Name+": "+in.Err.Error())
			return nil
		}
		rc, err := in.Open(ctx)
		if err != nil {
			return err
		}
		defer rc.Close()
		r := ingest.NewReader(rc, in.Name, ingest.ReaderOptions{})
		for r.Next() {
			rec := r.Record()
			if rec.Err != nil {
				bad = append(bad, rec.Err.Error())
				continue
			}
			_, after, _ := bytes.Cut(rec.Raw, []byte(`"eventID":"`))
			id, _, _ := bytes.Cut(after, []byte(`"`))
			ids = append(ids, string(id))
		}
		return r.Err()
	})
	return ids, bad, err
}

func TestAthenaSourcePagesEveryRow(t *testing.T) {
	recs := athenaRecords(2345) // header + 2345 rows: three pages
	fake, client := newAthenaFake(t, recs)
	fake.RunningPolls = 3
	fake.Inject("GetQueryResults", athenafake.Throttling(), athenafake.Throttling())
	var states []string
	opts := athenaOpts()
	opts.OnProgress = func(p ingest.AthenaProgress) {
		if len(states) == 0 || states[len(states)-1] != p.State {
			states = append(states, p.State)
		}
	}
	src, err := ingest.NewAthena(client, "security", "org_trail", opts)
	if err != nil {
		t.Fatal(err)
	}
	ids, bad, err := readAll(t, context.Background(), src)
	if err != nil || len(bad) > 0 {
		t.Fatalf("walk: %v, bad %v", err, bad)
	}
	if len(ids) != len(recs) {
		t.Fatalf("read %d records, want %d", len(ids), len(recs))
	}
	for i, id := range ids {
		if want := fmt.Sprintf("ev-%05d", i); id != want {
			t.Fatalf("record %d is %s, want %s", i, id, want)
		}
	}
	if got := strings.Join(states, ","); got != "QUEUED,RUNNING,SUCCEEDED" {
		t.Errorf("states %s", got)
	}
	p := src.Progress()
	if p.Pages != 3 || p.Rows != len(recs) || p.DataScanned == 0 || p.Cost() <= 0 {
		t.Errorf("progress %+v", p)
	}
	// Pages are counted by token: on a loaded machine the SDK may send a
	// request again after a connection reset.
	pages := map[string]bool{}
	throttled := 0
	var sql string
	for _, r := range fake.Requests() {
		switch {
		case r.Op == "GetQueryResults" && r.Status == 200:
			pages[r.NextToken] = true
		case r.Op == "GetQueryResults":
			throttled++
		case r.Op == "StartQueryExecution":
			sql = r.SQL
		}
	}
	if len(pages) != 3 || throttled != 2 {
		t.Errorf("pages %v served, %d throttled; want 3 pages and 2 throttles", pages, throttled)
	}
	if !strings.Contains(sql, `"account" IN ('111122223333')`) || !strings.Contains(sql, `"timestamp" BETWEEN '2026/11/26' AND '2026/11/27'`) {
		t.Errorf("the query does not use the table's partitions:\n%s", sql)
	}
}

func TestAthenaSourceFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(*athenafake.Server, *ingest.AthenaOptions)
		table string
		want  []string
	}{
		{"query failed", func(f *athenafake.Server, _ *ingest.AthenaOptions) {
			f.FailReason = "Access denied when writing output to url: s3://results/q.csv. Please ensure you are allowed to access the S3 bucket."
		}, "org_trail", []string{"failed: Access denied when writing output", "--athena-output"}},
		{"no results location", func(f *athenafake.Server, _ *ingest.AthenaOptions) { f.RequireOutput = true },
			"org_trail", []string{"starting the query", "No output location provided"}},
		{"start denied", func(f *athenafake.Server, _ *ingest.AthenaOptions) {
			f.Inject("StartQueryExecution", athenafake.AccessDenied("athena:StartQueryExecution"))
		}, "org_trail", []string{"access denied: this needs athena:StartQueryExecution"}},
		{"no such table", func(*athenafake.Server, *ingest.AthenaOptions) {}, "missing", []string{"no such database or table", "create-table"}},
		{"injected partition, no account", func(_ *athenafake.Server, o *ingest.AthenaOptions) { o.Accounts = nil },
			"org_trail", []string{"injected: name the accounts to read (--account)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, client := newAthenaFake(t, athenaRecords(3))
			opts := athenaOpts()
			tc.setup(fake, &opts)
			src, err := ingest.NewAthena(client, "security", tc.table, opts)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = readAll(t, ctx, src)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v, want it to say %q", err, w)
				}
			}
		})
	}
}

func TestAthenaSourceCancelStopsQuery(t *testing.T) {
	fake, client := newAthenaFake(t, athenaRecords(3))
	fake.Hang = true
	opts := athenaOpts()
	opts.Poll = 20 * time.Millisecond
	src, err := ingest.NewAthena(client, "security", "org_trail", opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	_, _, err = readAll(t, ctx, src)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("walk after cancel: %v", err)
	}
	var started, stopped string
	for _, r := range fake.Requests() {
		switch r.Op {
		case "StartQueryExecution":
			started = r.QueryID
		case "StopQueryExecution":
			stopped = r.QueryID
		}
	}
	if started == "" || stopped != started {
		t.Errorf("query %q started, %q stopped", started, stopped)
	}
	if st := src.Progress().State; st != "CANCELLED" {
		t.Errorf("state %s after stopping", st)
	}
}

func TestAthenaSourceRefusesUnboundedQuery(t *testing.T) {
	_, client := newAthenaFake(t, nil)
	opts := athenaOpts()
	opts.Since = time.Time{}
	if _, err := ingest.NewAthena(client, "security", "org_trail", opts); err == nil || !strings.Contains(err.Error(), "no time range") {
		t.Errorf("no time range: %v", err)
	}
	opts.Unbounded = true
	if _, err := ingest.NewAthena(client, "security", "org_trail", opts); err != nil {
		t.Errorf("asked for: %v", err)
	}
	if _, err := ingest.NewAthena(client, "security", "org-trail", athenaOpts()); err == nil {
		t.Error("a table name Athena cannot hold must be refused")
	}
}

// A row that cannot be rebuilt is named, and the rest of its page is read.
func TestAthenaSourceBadRow(t *testing.T) {
	recs := athenaRecords(3)
	fake := athenafake.New(func(ctx context.Context, sql string) (athenafake.Result, error) {
		res, err := athenafake.RecordEngine(recs, func([]byte) bool { return true })(ctx, sql)
		broken := `{"bucketName":`
		for i, c := range ingest.AthenaColumns() {
			if c.Alias == "requestparameters" {
				res.Rows[1][i] = &broken
			}
		}
		return res, err
	})
	fake.AddTable("security", "t", athenafake.Table{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	src, err := ingest.NewAthena(athenafake.Client(srv.URL), "security", "t", athenaOpts())
	if err != nil {
		t.Fatal(err)
	}
	ids, bad, err := readAll(t, context.Background(), src)
	if err != nil || len(ids) != 2 || len(bad) != 1 || !strings.Contains(bad[0], "page-0#row1: column requestparameters is not JSON") {
		t.Errorf("ids %v, bad %v, err %v", ids, bad, err)
	}
}
