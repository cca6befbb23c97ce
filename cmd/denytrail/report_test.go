package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/history"
	"github.com/denytrail/denytrail/internal/s3test"
)

// The S3 end-to-end test: a CloudTrail archive and a report bucket in
// gofakes3 on loopback, read and written by the real SDK client through
// --endpoint-url.

const (
	e2eAccount = "111122223333"
	e2eTrail   = "trail-logs"
	e2eReports = "denytrail-reports"
)

// e2eEvents builds CloudTrail records of the four patterns the test follows.
type e2eEvents struct{ n int }

func (g *e2eEvents) id() string {
	g.n++
	return fmt.Sprintf("%08d-0000-4000-8000-%012d", g.n, g.n)
}

func e2eRole(name string) map[string]any {
	return map[string]any{
		"type": "AssumedRole", "principalId": "AROAEXAMPLE:s1", "accountId": e2eAccount,
		"arn": "arn:aws:sts::" + e2eAccount + ":assumed-role/" + name + "/s1",
		"sessionContext": map[string]any{"sessionIssuer": map[string]any{
			"type": "Role", "principalId": "AROAEXAMPLE", "accountId": e2eAccount, "userName": name,
			"arn": "arn:aws:iam::" + e2eAccount + ":role/" + name,
		}},
	}
}

// put is a denied PutObject by role on bucket; policy names the policy
// type of an explicit deny, or "" for a bare Access Denied.
func (g *e2eEvents) put(t time.Time, role, bucket, policy string) map[string]any {
	msg := "Access Denied"
	if policy != "" {
		msg = fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/%s/s1 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::%s/obj\" with an explicit deny in a %s", e2eAccount, role, bucket, policy)
	}
	return map[string]any{
		"eventVersion": "1.09", "userIdentity": e2eRole(role), "eventTime": t.Format(time.RFC3339),
		"eventSource": "s3.amazonaws.com", "eventName": "PutObject", "awsRegion": "us-east-1",
		"sourceIPAddress": "203.0.113.10", "userAgent": "aws-cli/2.15.0",
		"errorCode": "AccessDenied", "errorMessage": msg,
		"requestParameters": map[string]any{"bucketName": bucket, "key": "obj"},
		"eventID":           g.id(), "readOnly": false, "eventType": "AwsApiCall", "managementEvent": false,
		"resources": []any{
			map[string]any{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::" + bucket + "/obj"},
			map[string]any{"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::" + bucket, "accountId": e2eAccount},
		},
		"recipientAccountId": e2eAccount, "eventCategory": "Data",
	}
}

// disabledKey is a KMS Decrypt refused because the key is disabled.
func (g *e2eEvents) disabledKey(t time.Time) map[string]any {
	key := "arn:aws:kms:us-east-1:" + e2eAccount + ":key/0000aaaa-1111-2222-3333-444455556666"
	return map[string]any{
		"eventVersion": "1.09", "userIdentity": e2eRole("reader"), "eventTime": t.Format(time.RFC3339),
		"eventSource": "kms.amazonaws.com", "eventName": "Decrypt", "awsRegion": "us-east-1",
		"sourceIPAddress": "203.0.113.11", "errorCode": "DisabledException", "errorMessage": key + " is disabled.",
		"eventID": g.id(), "readOnly": true, "eventType": "AwsApiCall", "managementEvent": true,
		"resources":          []any{map[string]any{"type": "AWS::KMS::Key", "ARN": key, "accountId": e2eAccount}},
		"recipientAccountId": e2eAccount, "eventCategory": "Management",
	}
}

// e2eS3 is gofakes3 serving the trail and report buckets.
type e2eS3 struct {
	*s3test.Server
	t *testing.T
}

func newE2ES3(t *testing.T, buckets ...string) *e2eS3 {
	return &e2eS3{Server: s3test.New(t, nil, append([]string{e2eTrail, e2eReports}, buckets...)...), t: t}
}

// deliver stores records in the trail bucket as the log file CloudTrail
// would deliver at t for the account trail of e2eAccount.
func (s *e2eS3) deliver(t time.Time, records ...map[string]any) {
	s.deliverTo(e2eTrail, "AWSLogs/"+e2eAccount, t, records...)
}

// deliverTo stores records as a log file under logs, the AWSLogs folder
// of one account (AWSLogs/[o-id/]account).
func (s *e2eS3) deliverTo(bucket, logs string, t time.Time, records ...map[string]any) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(map[string]any{"Records": records}); err != nil {
		s.t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		s.t.Fatal(err)
	}
	key := fmt.Sprintf("%s/CloudTrail/us-east-1/%s/%s_CloudTrail_us-east-1_%s_%s.json.gz",
		logs, t.Format("2006/01/02"), e2eAccount, t.Format("20060102T1504Z"), "e2eUniqueString0")
	s.put(bucket, key, buf.Bytes())
}

// put stores an object through the SDK, as any writer to the bucket would,
// with a checksum (gofakes3 would otherwise keep the checksum of the
// object it replaces).
func (s *e2eS3) put(bucket, key string, data []byte) {
	client := s.Client(func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
	})
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// get returns an object's content and content type.
func (s *e2eS3) get(bucket, key string) (string, string) {
	s.t.Helper()
	obj, err := s.Backend.GetObject(bucket, key, nil)
	if err != nil {
		s.t.Fatalf("s3://%s/%s: %v", bucket, key, err)
	}
	defer obj.Contents.Close()
	b, err := io.ReadAll(obj.Contents)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b), obj.Metadata["Content-Type"]
}

// runCLI runs the command line in-process and returns its exit code and output.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestReportS3EndToEnd runs the daily job as a CronJob would: three days
// of an archive in S3, the history in S3, and "--day yesterday" writing a
// Markdown and an HTML report to S3 that lead with what is new.
func TestReportS3EndToEnd(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	s := newE2ES3(t)
	yesterday := history.Midnight(time.Now()).AddDate(0, 0, -1)
	d1, d2 := yesterday.AddDate(0, 0, -1), yesterday.AddDate(0, 0, -2)
	at := func(d time.Time, h, m int) time.Time {
		return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}

	// uploader is denied every day; reader's key is disabled two days
	// before and stops; etl is denied once the day before and six times
	// yesterday; deployer is denied yesterday only, at 23:58, in a file
	// delivered after midnight together with an event of today.
	var g e2eEvents
	s.deliver(at(d2, 10, 5), g.put(at(d2, 9, 0), "uploader", "reports", ""), g.disabledKey(at(d2, 10, 0)))
	s.deliver(at(d1, 10, 5), g.put(at(d1, 9, 0), "uploader", "reports", ""), g.disabledKey(at(d1, 10, 0)))
	s.deliver(at(d1, 11, 5), g.put(at(d1, 11, 0), "etl", "lake", "service control policy"))
	s.deliver(at(yesterday, 9, 5), g.put(at(yesterday, 9, 0), "uploader", "reports", ""))
	var etl []map[string]any
	for i := range 6 {
		etl = append(etl, g.put(at(yesterday, 11, 10*i), "etl", "lake", "service control policy"))
	}
	s.deliver(at(yesterday, 12, 5), etl...)
	s.deliver(at(yesterday, 24, 5),
		g.put(at(yesterday, 23, 58), "deployer", "prod-artifacts", "permissions boundary"),
		g.put(at(yesterday, 24, 1), "today", "tomorrows-bucket", "service control policy"))

	common := []string{"--history", "s3://" + e2eReports + "/history/", "--endpoint-url", s.URL, "--progress", "never"}
	src := "s3://" + e2eTrail + "/AWSLogs/"
	for _, d := range []time.Time{d2, d1} {
		day := d.Format(time.DateOnly)
		code, _, stderr := runCLI(append(append([]string{"report", "--day", day}, common...), src)...)
		if code != 0 {
			t.Fatalf("report --day %s: exit %d\n%s", day, code, stderr)
		}
	}

	job := append(append([]string{"report", "--day", "yesterday", "--fail-on", "new",
		"--output-file", "s3://" + e2eReports + "/daily/{day}.md", "--output-file", "s3://" + e2eReports + "/daily/{day}.html"}, common...), src)
	code, stdout, stderr := runCLI(job...)
	if code != exitFindings {
		t.Fatalf("the daily job exited %d, want %d (a new pattern with --fail-on new)\n%s", code, exitFindings, stderr)
	}
	if stdout != "" {
		t.Errorf("with --output, stdout must stay empty: %q", stdout)
	}
	day := yesterday.Format(time.DateOnly)
	if !strings.Contains(stderr, day+": 1 new, 1 jumped, 1 stopped; 8 findings in 3 patterns; history saved to s3://"+e2eReports+"/history/") {
		t.Errorf("stderr does not sum up the day:\n%s", stderr)
	}

	md, ctype := s.get(e2eReports, "daily/"+day+".md")
	if ctype != "text/markdown; charset=utf-8" {
		t.Errorf("markdown content type %q", ctype)
	}
	order := regexp.MustCompile(`(?ms)\A# denytrail daily report: ` + day + `\n\n\*\*1 new pattern, 1 jumped, 1 stopped\..*?^## New today \(1\)$(.*?)^## Jumped \(1\)$(.*?)^## Stopped \(1\)$(.*?)^## All patterns today \(3\)$`)
	m := order.FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("the markdown report does not lead with new, then jumped, then stopped:\n%s", md)
	}
	if !strings.Contains(m[1], "role/deployer") || !strings.Contains(m[1], "| 23:58:00 |") {
		t.Errorf("the new section lacks deployer's late-delivered denial:\n%s", m[1])
	}
	if !strings.Contains(m[2], "| 6 | 0\\.5 | org-controls/scp | arn:aws:iam::"+e2eAccount+":role/etl |") {
		t.Errorf("the jumped section lacks etl (6 against a mean of 0.5):\n%s", m[2])
	}
	if !strings.Contains(m[3], "role/reader") {
		t.Errorf("the stopped section lacks reader:\n%s", m[3])
	}
	if strings.Contains(md, "tomorrows-bucket") {
		t.Error("an event of the next day leaked into the report")
	}

	page, ctype := s.get(e2eReports, "daily/"+day+".html")
	if ctype != "text/html; charset=utf-8" {
		t.Errorf("html content type %q", ctype)
	}
	page = strings.ReplaceAll(page, "<wbr>", "") // where ARNs may break
	if i := strings.Index(page, "<h2>"); i < 0 || !strings.HasPrefix(page[i:], "<h2>What to do: the new patterns</h2>") ||
		!strings.Contains(page, "<h2>New today (1)</h2>") {
		t.Error("the html report does not lead with what is new")
	}
	for _, want := range []string{`<svg class="chart"`, `<section id="jumped">`, `<section id="stopped">`, "role/deployer"} {
		if !strings.Contains(page, want) {
			t.Errorf("the html report lacks %s", want)
		}
	}

	// The history holds the three days, each a JSON summary.
	for _, d := range []time.Time{d2, d1, yesterday} {
		body, ctype := s.get(e2eReports, "history/"+d.Format(time.DateOnly)+".json")
		var sum history.Day
		if err := json.Unmarshal([]byte(body), &sum); err != nil || sum.Date != d.Format(time.DateOnly) || ctype != "application/json" {
			t.Errorf("history of %s: %v, %q, %q", d.Format(time.DateOnly), err, sum.Date, ctype)
		}
	}

	// Re-running the job is idempotent: the same summary, the same report.
	before, _ := s.get(e2eReports, "history/"+day+".json")
	if code, _, stderr := runCLI(job...); code != exitFindings {
		t.Fatalf("re-run: exit %d\n%s", code, stderr)
	}
	after, _ := s.get(e2eReports, "history/"+day+".json")
	if before != after {
		t.Error("re-running the day changed its summary")
	}
	if md2, _ := s.get(e2eReports, "daily/"+day+".md"); md2 != md {
		t.Error("re-running the day changed its report")
	}

	// A damaged summary in S3 is named and skipped; the job still reports.
	s.put(e2eReports, "history/"+d1.Format(time.DateOnly)+".json", []byte(`{"version":1,`))
	code, _, stderr = runCLI(job...)
	if code != exitFindings {
		t.Fatalf("with a damaged history file: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "history: skipped s3://"+e2eReports+"/history/"+d1.Format(time.DateOnly)+".json: truncated") {
		t.Errorf("the damaged history file is not named on stderr:\n%s", stderr)
	}
}

// TestReportS3Errors: a history or output bucket that does not exist stops
// the job before it scans, naming the bucket; nothing is written.
func TestReportS3Errors(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	s := newE2ES3(t)
	day := history.Midnight(time.Now()).AddDate(0, 0, -1).Format(time.DateOnly)
	base := []string{"report", "--day", day, "--endpoint-url", s.URL, "--progress", "never"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--history", "s3://no-such-bucket/h"}, "--history s3://no-such-bucket/h: s3://no-such-bucket/: no such bucket"},
		{[]string{"--history", "s3://" + e2eReports + "/h", "--output-file", "s3://no-such-bucket/r.md"}, "--output-file s3://no-such-bucket/r.md: s3://no-such-bucket/: no such bucket"},
	} {
		code, stdout, stderr := runCLI(append(append(base, c.args...), "s3://"+e2eTrail+"/")...)
		if code != exitFailure || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s", c.args, code, stdout, stderr)
		}
	}
	if _, err := s.Backend.GetObject(e2eReports, "h/"+day+".json", nil); err == nil {
		t.Error("a failed job saved a summary")
	}
}

// deployArgs returns the denytrail arguments of the deployment examples:
// the CronJob's container args and the ECS task's command, which must agree.
func deployArgs(t *testing.T) []string {
	t.Helper()
	root := filepath.Join("..", "..", "deploy")
	var task struct {
		ContainerDefinitions []struct{ Command []string }
	}
	b, err := os.ReadFile(filepath.Join(root, "ecs", "task-definition.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &task); err != nil || len(task.ContainerDefinitions) != 1 {
		t.Fatalf("ecs/task-definition.json: %v", err)
	}
	ecs := task.ContainerDefinitions[0].Command

	// The YAML's args are a block list of plain scalars.
	b, err = os.ReadFile(filepath.Join(root, "kubernetes", "cronjob.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k8s []string
	in := false
	item := regexp.MustCompile(`^\s+- (\S+)$`)
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.TrimSpace(line) == "args:":
			in = true
		case in && item.MatchString(line):
			k8s = append(k8s, item.FindStringSubmatch(line)[1])
		case in:
			in = false
		}
	}
	if !slices.Equal(k8s, ecs) {
		t.Fatalf("the CronJob runs %q, the ECS task %q", k8s, ecs)
	}
	return ecs
}

// TestDeployExamplesRun runs the command of the deployment examples, as
// written, against their buckets in gofakes3: the day's reports and summary
// land where the README says.
func TestDeployExamplesRun(t *testing.T) {
	args := deployArgs(t)
	if args[0] != "report" || !slices.Contains(args, "--day=yesterday") || !slices.Contains(args, "--fail-on=new") {
		t.Fatalf("the examples do not run the daily report of yesterday: %q", args)
	}
	fakeAWSEnv(t, "eu-west-1")
	// One endpoint serves every AWS API the job calls, as --endpoint-url
	// does: S3 (gofakes3) and Security Hub's BatchImportFindings.
	hub := &fakeSecurityHub{}
	s := &e2eS3{Server: s3test.New(t, func(s3 http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/findings/import" {
				hub.ServeHTTP(w, r)
				return
			}
			s3.ServeHTTP(w, r)
		})
	}, e2eTrail, e2eReports, "org-trail-logs"), t: t}
	rules, err := os.ReadFile(filepath.Join("..", "..", "deploy", "suppressions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backend.PutObject("denytrail-reports", "config/suppressions.yaml", nil, bytes.NewReader(rules), int64(len(rules)), nil); err != nil {
		t.Fatal(err)
	}
	yesterday := history.Midnight(time.Now()).AddDate(0, 0, -1)
	var g e2eEvents
	s.deliverTo("org-trail-logs", "AWSLogs/o-abc123defg/"+e2eAccount, yesterday.Add(10*time.Hour+5*time.Minute),
		g.put(yesterday.Add(10*time.Hour), "deployer", "prod-artifacts", "service control policy"))

	code, stdout, stderr := runCLI(append(args, "--endpoint-url", s.URL)...)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (no history: the pattern is new)\n%s", code, exitFindings, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout: %q", stdout)
	}
	day := yesterday.Format(time.DateOnly)
	md, _ := s.get("denytrail-reports", "daily/"+day+".md")
	page, _ := s.get("denytrail-reports", "daily/"+day+".html")
	doc, _ := s.get("denytrail-reports", "daily/"+day+".json")
	s.get("denytrail-reports", "history/"+day+".json")
	if !strings.Contains(md, "## New today (1)") || !strings.Contains(page, "<h2>New today (1)</h2>") || !json.Valid([]byte(doc)) {
		t.Errorf("the example's reports do not show the new pattern:\n%s", md)
	}
	if len(hub.ids) != 1 || hub.bad {
		t.Errorf("Security Hub got %v (missing fields: %v), want the day's one pattern", hub.ids, hub.bad)
	}
	if !strings.Contains(doc, `"reason": "INC-1234: the nightly export writes to a retired bucket until the migration ends"`) {
		t.Errorf("the report does not account for the suppression rule:\n%s", doc)
	}
}
