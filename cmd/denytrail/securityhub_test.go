package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/denytrail/denytrail/internal/demo"
	"github.com/denytrail/denytrail/report"
)

// fakeSecurityHub answers BatchImportFindings as Security Hub does
// (REST-JSON, POST /findings/import): it counts what it imported, refuses
// findings whose Id contains "refuse", and throttles the first call when
// throttle is set.
type fakeSecurityHub struct {
	mu       sync.Mutex
	throttle bool
	batches  []int
	regions  []string
	ids      []string
	bad      bool // a finding without a required field arrived
}

func (s *fakeSecurityHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/findings/import" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	if s.throttle {
		s.throttle = false
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message":"Rate exceeded"}`)
		return
	}
	var in struct{ Findings []map[string]any }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	// The SigV4 scope names the Region the client signed for.
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		parts := strings.Split(auth[i:], "/")
		if len(parts) > 2 {
			s.regions = append(s.regions, parts[2])
		}
	}
	s.batches = append(s.batches, len(in.Findings))
	var failed []map[string]string
	for _, f := range in.Findings {
		id, _ := f["Id"].(string)
		s.ids = append(s.ids, id)
		for _, k := range []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources"} {
			if _, ok := f[k]; !ok {
				s.bad = true
			}
		}
		if strings.Contains(id, "refuse") {
			failed = append(failed, map[string]string{"Id": id, "ErrorCode": "InvalidInput", "ErrorMessage": "Finding does not adhere to Amazon Finding Format"})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"FailedCount": len(failed), "SuccessCount": len(in.Findings) - len(failed), "FailedFindings": failed})
}

func TestImportFindingsBatches(t *testing.T) {
	fake := &fakeSecurityHub{throttle: true}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	valid := func(id, region string) report.ASFFFinding {
		return report.ASFFFinding{SchemaVersion: report.ASFFSchemaVersion, ID: id, AwsAccountID: "111122223333", Region: region,
			ProductArn: "arn:aws:securityhub:" + region + ":111122223333:product/111122223333/default", GeneratorID: "denytrail/iam/identity-policy",
			Types: []string{"Software and Configuration Checks/denytrail/iam"}, CreatedAt: "2026-11-26T14:00:00Z", UpdatedAt: "2026-11-26T15:00:00Z",
			Severity: report.ASFFSeverity{Label: "MEDIUM"}, Title: "t", Description: "d",
			Resources: []report.ASFFResource{{Type: "AwsS3Bucket", ID: "arn:aws:s3:::b", Partition: "aws", Region: region}}}
	}
	var findings []report.ASFFFinding
	for i := range 250 {
		region := "eu-west-1"
		if i%5 == 0 {
			region = "us-east-1"
		}
		id := fmt.Sprintf("denytrail/111122223333/%s/p%03d", region, i)
		if i == 7 {
			id += "-refuse"
		}
		findings = append(findings, valid(id, region))
	}
	huge := valid("huge", "eu-west-1")
	huge.Description = strings.Repeat("x", 250<<10)
	findings = append(findings, valid("no-region", ""), huge)
	client := func(region string) SecurityHubAPI {
		return securityhub.New(securityhub.Options{Region: region, BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	}
	n, err := importFindings(context.Background(), client, findings, nil)
	if n != 249 {
		t.Errorf("%d imported, want 249", n)
	}
	for _, want := range []string{"p007-refuse: InvalidInput", "no-region: no valid account or Region", "huge: 256", "over Security Hub's 240 KB"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to name %q", err, want)
		}
	}
	// eu-west-1 holds 200 findings, us-east-1 50: batches of at most 100,
	// each sent with its Region's client; the throttled call was retried.
	if got := fmt.Sprint(fake.batches); got != "[100 100 50]" {
		t.Errorf("batches %s", got)
	}
	if got := fmt.Sprint(fake.regions); got != "[eu-west-1 eu-west-1 us-east-1]" {
		t.Errorf("regions %s", got)
	}
}

func TestScanSecurityHub(t *testing.T) {
	fake := &fakeSecurityHub{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	fakeAWSEnv(t, "us-east-1")
	dir := t.TempDir()
	if err := os.CopyFS(dir, demo.FS()); err != nil {
		t.Fatal(err)
	}
	var out, errw strings.Builder
	code := run(context.Background(), []string{"scan", "-o", "asff", "--securityhub", "--endpoint-url", srv.URL,
		"--since", "2026-11-26", "--until", "2026-11-26", dir}, strings.NewReader(""), &out, &errw)
	var docs []report.ASFFFinding
	if err := json.Unmarshal([]byte(out.String()), &docs); err != nil {
		t.Fatal(err)
	}
	if code != exitOK || len(docs) == 0 || len(fake.ids) != len(docs) || fake.bad {
		t.Fatalf("exit %d, %d findings written, %d imported (missing fields: %v)\n%s", code, len(docs), len(fake.ids), fake.bad, errw.String())
	}
	imported := map[string]bool{}
	for _, id := range fake.ids {
		imported[id] = true
	}
	for _, d := range docs {
		if !imported[d.ID] {
			t.Errorf("wrote %s, did not import it", d.ID)
		}
	}

	// A refused finding: the report is written, the exit code says the
	// delivery failed.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-ErrorType", "InvalidAccessException")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"Account 111122223333 is not subscribed to AWS Security Hub"}`)
	}))
	defer refusing.Close()
	out.Reset()
	errw.Reset()
	code = run(context.Background(), []string{"scan", "-o", "json", "--securityhub", "--endpoint-url", refusing.URL,
		"--since", "2026-11-26", "--until", "2026-11-26", dir}, strings.NewReader(""), &out, &errw)
	if code != exitDelivery || !strings.Contains(out.String(), `"findings"`) || !strings.Contains(errw.String(), "is Security Hub enabled in this account and Region?") {
		t.Errorf("refused import: exit %d\n%s", code, errw.String())
	}
}
