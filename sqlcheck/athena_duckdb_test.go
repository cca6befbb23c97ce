//go:build duckdb

package sqlcheck

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/athenafake"
	"github.com/denytrail/denytrail/internal/demo"
	"github.com/denytrail/denytrail/scan"
)

// tableView defines "security"."org_trail" over the archive's log files
// with the columns, types and partitions of the table that
// ingest.AthenaTableSpec creates (AWS's documented CloudTrail table with
// partition projection): record keys lower-cased, userIdentity and
// tlsDetails structs, resources an array of structs, requestParameters and
// additionalEventData JSON text, and account, region and timestamp (the
// delivery day, yyyy/MM/dd) from the object's key.
const tableView = `
CREATE SCHEMA security;
CREATE MACRO json_format(j) AS CAST(j AS VARCHAR);
CREATE VIEW security.org_trail AS
WITH files AS (
  SELECT unnest(Records) AS r, filename
  FROM read_json('%s/**/CloudTrail/*/*/*/*/*.json.gz', columns = {Records: 'JSON[]'}, filename = true)
)
SELECT
  json_extract_string(r, '$.eventVersion') AS eventversion,
  {'type': json_extract_string(r, '$.userIdentity.type'),
   'principalid': json_extract_string(r, '$.userIdentity.principalId'),
   'arn': json_extract_string(r, '$.userIdentity.arn'),
   'accountid': json_extract_string(r, '$.userIdentity.accountId'),
   'invokedby': json_extract_string(r, '$.userIdentity.invokedBy'),
   'accesskeyid': json_extract_string(r, '$.userIdentity.accessKeyId'),
   'username': json_extract_string(r, '$.userIdentity.userName'),
   'sessioncontext': {'sessionissuer': {
     'type': json_extract_string(r, '$.userIdentity.sessionContext.sessionIssuer.type'),
     'principalid': json_extract_string(r, '$.userIdentity.sessionContext.sessionIssuer.principalId'),
     'arn': json_extract_string(r, '$.userIdentity.sessionContext.sessionIssuer.arn'),
     'accountid': json_extract_string(r, '$.userIdentity.sessionContext.sessionIssuer.accountId'),
     'username': json_extract_string(r, '$.userIdentity.sessionContext.sessionIssuer.userName')}}
  } AS useridentity,
  json_extract_string(r, '$.eventTime') AS eventtime,
  json_extract_string(r, '$.eventSource') AS eventsource,
  json_extract_string(r, '$.eventName') AS eventname,
  json_extract_string(r, '$.awsRegion') AS awsregion,
  json_extract_string(r, '$.sourceIPAddress') AS sourceipaddress,
  json_extract_string(r, '$.userAgent') AS useragent,
  json_extract_string(r, '$.errorCode') AS errorcode,
  json_extract_string(r, '$.errorMessage') AS errormessage,
  CAST(json_extract(r, '$.requestParameters') AS VARCHAR) AS requestparameters,
  CAST(json_extract(r, '$.responseElements') AS VARCHAR) AS responseelements,
  CAST(json_extract(r, '$.additionalEventData') AS VARCHAR) AS additionaleventdata,
  json_extract_string(r, '$.requestID') AS requestid,
  json_extract_string(r, '$.eventID') AS eventid,
  json_extract_string(r, '$.readOnly') AS readonly,
  list_transform(CAST(json_extract(r, '$.resources') AS JSON[]), x -> {
    'arn': json_extract_string(x, '$.ARN'),
    'accountid': json_extract_string(x, '$.accountId'),
    'type': json_extract_string(x, '$.type')}) AS resources,
  json_extract_string(r, '$.eventType') AS eventtype,
  json_extract_string(r, '$.recipientAccountId') AS recipientaccountid,
  json_extract_string(r, '$.sharedEventID') AS sharedeventid,
  json_extract_string(r, '$.vpcEndpointId') AS vpcendpointid,
  json_extract_string(r, '$.eventCategory') AS eventcategory,
  CAST(json_extract(r, '$.managementEvent') AS BOOLEAN) AS managementevent,
  CASE WHEN json_extract(r, '$.tlsDetails') IS NULL THEN NULL ELSE {
    'tlsversion': json_extract_string(r, '$.tlsDetails.tlsVersion'),
    'ciphersuite': json_extract_string(r, '$.tlsDetails.cipherSuite'),
    'clientprovidedhostheader': json_extract_string(r, '$.tlsDetails.clientProvidedHostHeader')} END AS tlsdetails,
  regexp_extract(filename, 'AWSLogs/(?:o-[a-z0-9]+/)?([0-9]{12})/CloudTrail/', 1) AS account,
  regexp_extract(filename, '/CloudTrail/([a-z0-9-]+)/', 1) AS region,
  regexp_extract(filename, '/CloudTrail/[a-z0-9-]+/([0-9]{4}/[0-9]{2}/[0-9]{2})/', 1) AS "timestamp"
FROM files`

// duckEngine runs each query on DuckDB and returns its rows as Athena
// would: every value a string, NULL absent.
func duckEngine(db *sql.DB) athenafake.Engine {
	return func(ctx context.Context, query string) (athenafake.Result, error) {
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			return athenafake.Result{}, err
		}
		defer rows.Close()
		names, err := rows.Columns()
		if err != nil {
			return athenafake.Result{}, err
		}
		res := athenafake.Result{Scanned: 1 << 20}
		for _, n := range names {
			res.Columns = append(res.Columns, athenafake.Column{Name: n, Type: "varchar"})
		}
		for rows.Next() {
			vals := make([]sql.NullString, len(names))
			ptrs := make([]any, len(names))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return athenafake.Result{}, err
			}
			row := make([]*string, len(names))
			for i, v := range vals {
				if v.Valid {
					row[i] = &v.String
				}
			}
			res.Rows = append(res.Rows, row)
		}
		return res, rows.Err()
	}
}

func openDuck(t *testing.T, archive string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // one connection: the schema and view live in it
	for _, stmt := range strings.Split(fmt.Sprintf(tableView, archive), ";\n") {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	return db
}

// originRE matches an origin quoted in a finding's evidence.
var originRE = regexp.MustCompile(`[^\s(,]+#\d+`)

func withoutOrigins(fs []classify.Finding) []classify.Finding {
	out := slices.Clone(fs)
	for i := range out {
		out[i].Origin = ""
		out[i].Evidence = slices.Clone(out[i].Evidence)
		for j, e := range out[i].Evidence {
			out[i].Evidence[j] = originRE.ReplaceAllString(e, "ORIGIN")
		}
		out[i].Records = nil
	}
	return out
}

// TestAthenaSQLOnDuckDB runs the Athena source's query, as generated, on
// DuckDB over the demo archive, through the fake Athena endpoint and the
// real SDK, and holds the findings to a local scan of the same files.
func TestAthenaSQLOnDuckDB(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, demo.FS()); err != nil {
		t.Fatal(err)
	}
	db := openDuck(t, dir)
	fake := athenafake.New(duckEngine(db))
	fake.AddTable("security", "org_trail", athenafake.Table{
		PartitionKeys: []athenafake.Column{{Name: "account", Type: "string"}, {Name: "region", Type: "string"}, {Name: "timestamp", Type: "string"}},
		Parameters: map[string]string{"projection.enabled": "true", "projection.account.type": "enum",
			"projection.timestamp.type": "date", "projection.timestamp.format": "yyyy/MM/dd"},
	})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	ctx := context.Background()
	filter := classify.Filter{}
	for _, tc := range []struct {
		name         string
		since, until time.Time
		accounts     []string
	}{
		{"the whole day", time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC), nil},
		{"half an hour, one account", time.Date(2026, 11, 26, 14, 20, 0, 0, time.UTC), time.Date(2026, 11, 26, 14, 50, 0, 0, time.UTC), []string{"444455556666"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := scan.Config{Filter: filter, Since: tc.since, Until: tc.until, KeepAll: true}
			// The local scan reads the folders the query's partitions are.
			var folders []ingest.Source
			for _, a := range tc.accounts {
				folders = append(folders, ingest.Path(dir+"/AWSLogs/"+demo.Config().OrgID+"/"+a))
			}
			if folders == nil {
				folders = []ingest.Source{ingest.Path(dir)}
			}
			local, err := scan.Run(ctx, cfg, folders)
			if err != nil {
				t.Fatal(err)
			}
			src, err := ingest.NewAthena(athenafake.Client(srv.URL), "security", "org_trail", ingest.AthenaOptions{
				Filter:   ingest.AthenaFilter{Events: filter.EventPatterns(), Changes: classify.ChangeEvents()},
				Since:    tc.since,
				Until:    tc.until,
				Accounts: tc.accounts,
				Poll:     time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			remote, err := scan.Run(ctx, cfg, []ingest.Source{src})
			if err != nil {
				t.Fatal(err)
			}
			if len(remote.Stats.Skipped) > 0 {
				t.Fatalf("skipped: %v", remote.Stats.Skipped)
			}
			localAll, err := local.Collect()
			if err != nil {
				t.Fatal(err)
			}
			remoteAll, err := remote.Collect()
			if err != nil {
				t.Fatal(err)
			}
			local.Close()
			remote.Close()
			want, got := withoutOrigins(localAll), withoutOrigins(remoteAll)
			if len(want) == 0 {
				t.Fatal("no findings to compare")
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("DuckDB via Athena: %d findings, local scan: %d", len(got), len(want))
				for i := range min(len(got), len(want)) {
					if !reflect.DeepEqual(got[i], want[i]) {
						g, _ := json.MarshalIndent(got[i], "", " ")
						w, _ := json.MarshalIndent(want[i], "", " ")
						t.Fatalf("finding %d\n got %s\nwant %s", i, g, w)
					}
				}
			}
			t.Logf("%d findings, %d rows from DuckDB", len(got), src.Progress().Rows)
		})
	}
}
