package ingest

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updateAthena = flag.Bool("update-athena", false, "rewrite testdata/athena/*.golden")

func athenaGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "athena", name)
	if *updateAthena {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./ingest -run Athena -update-athena writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

func TestAthenaDDLGolden(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		golden string
		spec   AthenaTableSpec
	}{
		{"account-trail.ddl.golden", AthenaTableSpec{Database: "security", Table: "app_trail", Bucket: "trail-logs",
			Prefix: "AWSLogs/111122223333/", Regions: []string{"us-east-1", "eu-west-1"}, Start: start}},
		{"org-trail.ddl.golden", AthenaTableSpec{Database: "security", Table: "org_trail", Bucket: "org-trail-logs",
			Prefix: "central/AWSLogs/o-abc123defg", Accounts: []string{"111122223333", "444455556666"}, Regions: []string{"us-east-1"}, Start: start}},
		{"org-trail-injected.ddl.golden", AthenaTableSpec{Database: "security", Table: "org_trail", Bucket: "org-trail-logs",
			Prefix: "AWSLogs/o-abc123defg/", Start: start}},
	} {
		ddl, err := tc.spec.DDL()
		if err != nil {
			t.Fatalf("%s: %v", tc.golden, err)
		}
		athenaGolden(t, tc.golden, ddl+"\n")
	}
}

func TestAthenaDDLRefuses(t *testing.T) {
	base := AthenaTableSpec{Database: "security", Table: "t", Bucket: "trail-logs", Prefix: "AWSLogs/111122223333/"}
	for _, tc := range []struct {
		edit func(*AthenaTableSpec)
		want string
	}{
		{func(s *AthenaTableSpec) { s.Prefix = "AWSLogs/" }, "name the account or organization folder"},
		{func(s *AthenaTableSpec) { s.Prefix = "AWSLogs/111122223333/CloudTrail/us-east-1/" }, "not below it"},
		{func(s *AthenaTableSpec) { s.Prefix = "x'; DROP TABLE y; --/AWSLogs/111122223333/" }, "not allowed in a table location"},
		{func(s *AthenaTableSpec) { s.Prefix = "${x}/AWSLogs/111122223333/" }, "not allowed in a table location"},
		{func(s *AthenaTableSpec) { s.Table = "t; DROP" }, "letters, digits and underscores"},
		{func(s *AthenaTableSpec) { s.Regions = []string{"us-east-1'"} }, "not a Region name"},
		{func(s *AthenaTableSpec) { s.Prefix = "AWSLogs/o-abc123defg/"; s.Accounts = []string{"1234"} }, "not a 12-digit account id"},
		{func(s *AthenaTableSpec) { s.Accounts = []string{"444455556666"} }, "names one account already"},
	} {
		s := base
		tc.edit(&s)
		if _, err := s.DDL(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", s, err, tc.want)
		}
	}
}

func TestAthenaQuerySQL(t *testing.T) {
	q := AthenaQuery{
		Database: "security", Table: "org_trail",
		Layout:   AthenaTableLayout{DateColumn: "timestamp", DateFormat: "2006/01/02", AccountColumn: "account", RegionColumn: "region"},
		Filter:   AthenaFilter{Events: []string{"s3:PutObject", "s3:Upload*", "kms:*"}, Changes: []string{"s3:PutBucketPolicy", "kms:DisableKey"}},
		Since:    time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC),
		Until:    time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC),
		Accounts: []string{"111122223333", "o'brien"},
		Regions:  []string{"us-east-1"},
	}
	sql, err := q.SQL()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`FROM "security"."org_trail"`,
		// The delivery folders of the last hour past until are read too.
		`"timestamp" BETWEEN '2026/11/25' AND '2026/11/27'`,
		`"account" IN ('111122223333', 'o''brien')`,
		`"region" IN ('us-east-1')`,
		`eventtime >= '2026-11-25T22:00:00Z'`,
		`eventtime <= '2026-11-26T23:30:00Z'`,
		`(eventsource = 's3.amazonaws.com' AND (eventname IN ('PutObject') OR eventname LIKE 'Upload%' ESCAPE '\'))`,
		`eventsource = 'kms.amazonaws.com'`,
		`((errorcode IS NULL OR errorcode = '') AND ((eventsource = 's3.amazonaws.com' AND (eventname IN ('PutBucketPolicy'))) OR (eventsource = 'kms.amazonaws.com' AND (eventname IN ('DisableKey')))))`,
		`useridentity.sessioncontext.sessionissuer.arn AS si_arn`,
		`json_format(CAST(resources AS JSON)) AS resources`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("query lacks %s:\n%s", want, sql)
		}
	}

	// Without account and Region partitions, the columns narrow instead.
	q.Layout = AthenaTableLayout{}
	sql, _ = q.SQL()
	if !strings.Contains(sql, `"recipientaccountid" IN (`) || !strings.Contains(sql, `"awsregion" IN ('us-east-1')`) || strings.Contains(sql, "BETWEEN") {
		t.Errorf("unpartitioned table:\n%s", sql)
	}

	q.Layout = AthenaTableLayout{AccountColumn: "account", AccountInjected: true}
	q.Accounts = nil
	if _, err := q.SQL(); err == nil || !strings.Contains(err.Error(), "--account") {
		t.Errorf("injected account partition without accounts: %v", err)
	}
	q.Filter = AthenaFilter{}
	q.Accounts = []string{"111122223333"}
	if _, err := q.SQL(); err == nil {
		t.Error("a filter with no events selects nothing and must be refused")
	}
	q.Filter = AthenaFilter{AllFailures: true}
	sql, _ = q.SQL()
	_, where, _ := strings.Cut(sql, "WHERE")
	if !strings.Contains(where, "(errorcode IS NOT NULL AND errorcode <> '')") || strings.Contains(where, "eventname") {
		t.Errorf("all failures:\n%s", sql)
	}
}

func TestAthenaRecordRebuild(t *testing.T) {
	vals := make([]*string, len(AthenaColumns()))
	set := func(alias, v string) {
		for i, c := range AthenaColumns() {
			if c.Alias == alias {
				vals[i] = &v
				return
			}
		}
		t.Fatalf("no column %s", alias)
	}
	set("eventid", "e1")
	set("eventtime", "2026-11-26T14:26:03Z")
	set("readonly", "false")
	set("managementevent", "true")
	set("ui_arn", "arn:aws:sts::111122223333:assumed-role/app/s")
	set("si_arn", "arn:aws:iam::111122223333:role/app")
	set("requestparameters", `{"bucketName":"b","key":"k\"x"}`)
	set("resources", `[{"arn":"arn:aws:s3:::b","accountid":"111122223333","type":"AWS::S3::Bucket"},{"arn":null,"accountid":null,"type":null}]`)
	got, err := AthenaRecord(vals)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"eventID":"e1","eventTime":"2026-11-26T14:26:03Z","managementEvent":true,"readOnly":false,"requestParameters":{"bucketName":"b","key":"k\"x"},"resources":[{"ARN":"arn:aws:s3:::b","accountId":"111122223333","type":"AWS::S3::Bucket"},{}],"userIdentity":{"arn":"arn:aws:sts::111122223333:assumed-role/app/s","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111122223333:role/app"}}}}`
	if string(got) != want {
		t.Errorf("rebuilt\n got %s\nwant %s", got, want)
	}
	set("requestparameters", `{"bucketName":`)
	if _, err := AthenaRecord(vals); err == nil || !strings.Contains(err.Error(), "requestparameters") {
		t.Errorf("broken JSON column: %v", err)
	}
	if _, err := AthenaRecord(vals[:3]); err == nil {
		t.Error("a short row must be refused")
	}
}
