package main

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/history"
)

// TestDebugRedacts: --debug logs the SDK's requests and responses on
// stderr, and never the secret parts of a request.
func TestDebugRedacts(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	t.Setenv("AWS_SESSION_TOKEN", "FAKESESSIONTOKENdonotprint")
	s := newE2ES3(t)
	var g e2eEvents
	s.deliver(time.Now().Add(-time.Hour), g.put(time.Now().Add(-time.Hour), "uploader", "reports", "service control policy"))
	code, _, stderr := runCLI("scan", "--debug", "--endpoint-url", s.URL, "--progress", "never", "-o", "json", "s3://"+e2eTrail+"/")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{"denytrail: debug: debug: Request", "denytrail: debug: debug: Response", "Authorization: [redacted]", "X-Amz-Security-Token: [redacted]"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%.3000s", want, stderr)
		}
	}
	for _, secret := range []string{"FAKESESSIONTOKENdonotprint", "ctfake-secret", "Signature="} {
		if strings.Contains(stderr, secret) {
			t.Errorf("stderr holds %q", secret)
		}
	}
	// Without --debug, none of it.
	_, _, stderr = runCLI("scan", "--endpoint-url", s.URL, "--progress", "never", "-o", "json", "s3://"+e2eTrail+"/")
	if strings.Contains(stderr, "debug") {
		t.Errorf("debug output without --debug:\n%s", stderr)
	}
}

func TestRedactSecrets(t *testing.T) {
	in := "GET /b/k?X-Amz-Signature=abc123&X-Amz-Security-Token=SECRETTOK%2F&x-id=GetObject HTTP/1.1\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=deadbeef\r\n" +
		"x-amz-security-token: SECRETTOK\r\nX-Aws-Ec2-Metadata-Token: imds\r\nHost: s3\r\n"
	out := redactSecrets(in)
	for _, secret := range []string{"abc123", "SECRETTOK", "deadbeef", "imds", "AKID"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q survives:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "Host: s3") || !strings.Contains(out, "x-id=GetObject") {
		t.Errorf("redacted too much:\n%s", out)
	}
}

// TestReportChecksS3Writable: an S3 history or output that may not be
// written is found before the scan, by a probe object.
func TestReportChecksS3Writable(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	s := newE2ES3(t)
	day := history.Midnight(time.Now()).AddDate(0, 0, -1).Format(time.DateOnly)
	code, _, stderr := runCLI("report", "--day", day, "--endpoint-url", s.URL, "--progress", "never",
		"--history", "s3://"+e2eReports+"/hist", "--output-file", "s3://"+e2eReports+"/daily/{day}.md", "s3://"+e2eTrail+"/")
	if code == exitFailure && strings.Contains(stderr, "cannot write") {
		t.Fatalf("a writable store failed the check:\n%s", stderr)
	}
	for _, key := range []string{"hist/" + probeName, "daily/" + probeName} {
		if _, err := s.Backend.GetObject(e2eReports, key, nil); err != nil {
			t.Errorf("no probe object %s: %v", key, err)
		}
	}
}

func TestBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := readBuildInfo(bi, true, "", "", "").String()
	for _, want := range []string{"denytrail v1.2.3\n", "commit:  0123456789abcdef (modified: uncommitted changes)\n", "time:    2026-11-30T10:00:00Z\n", "go:      go1."} {
		if !strings.Contains(got, want) {
			t.Errorf("build info lacks %q:\n%s", want, got)
		}
	}
	// -ldflags wins, and names a clean build.
	got = readBuildInfo(bi, true, "v2.0.0", "fedcba", "2026-12-01T00:00:00Z").String()
	for _, want := range []string{"denytrail v2.0.0\n", "commit:  fedcba\n", "time:    2026-12-01T00:00:00Z\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("with -ldflags, build info lacks %q:\n%s", want, got)
		}
	}
	if got := readBuildInfo(nil, false, "", "", "").String(); !strings.Contains(got, "denytrail (devel)\n") || !strings.Contains(got, "commit:  unknown") {
		t.Errorf("without build info:\n%s", got)
	}
}

func TestExplain(t *testing.T) {
	c := awsContext{profile: "audit", region: "eu-west-1"}
	for _, tc := range []struct{ in, want string }{
		{"s3://b/: s3://b/: listing AWSLogs/: operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: R1, HostID: dGhpcyBpcyBhIGJsb2I+Lz0=, api error AccessDenied: Access Denied",
			"s3://b/: listing AWSLogs/: operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: R1, api error AccessDenied: Access Denied"},
		{"cloudtrail://us-east-1: operation error CloudTrail: LookupEvents, get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found; events back to X were not read",
			`cloudtrail://us-east-1: no AWS credentials found (profile "audit", region eu-west-1): run aws sso login --profile NAME, set AWS_PROFILE, or pass --profile NAME (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); events back to X were not read`},
		{"s3://b/: operation error S3: HeadBucket, get identity: get credentials: failed to refresh cached credentials, refresh cached SSO token failed, InvalidGrantException",
			`s3://b/: the AWS credentials have expired (profile "audit", region eu-west-1): run aws sso login --profile audit, or refresh them, and run again`},
		{"cloudtrail://ap-south-9: operation error CloudTrail: LookupEvents, https response error: dial tcp: lookup cloudtrail.ap-south-9.amazonaws.com on 127.0.0.53:53: no such host",
			"cloudtrail://ap-south-9: cannot resolve cloudtrail.ap-south-9.amazonaws.com: is the Region right (eu-west-1)? Check --region, AWS_REGION and the source URL"},
		{"plain: message", "plain: message"},
	} {
		if got := explain(tc.in, c); got != tc.want {
			t.Errorf("explain(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// TestS3NothingInRange: an archive with no log files in the time range is
// exit 1 with what was looked for, not a clean run.
func TestS3NothingInRange(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	s := newE2ES3(t)
	var g e2eEvents
	old := time.Now().AddDate(0, 0, -10)
	s.deliver(old, g.put(old, "uploader", "reports", "service control policy"))
	code, _, stderr := runCLI("scan", "--endpoint-url", s.URL, "--progress", "never", "--since", "24h", "s3://"+e2eTrail+"/")
	if code != exitFailure || !strings.Contains(stderr, "found no CloudTrail log files in s3://"+e2eTrail+"/ for the time range ") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	// The same archive over a range that holds the file: read.
	code, _, stderr = runCLI("scan", "--endpoint-url", s.URL, "--progress", "never", "--since", "11d", "s3://"+e2eTrail+"/")
	if code != exitOK {
		t.Errorf("with the file in range: exit %d, stderr:\n%s", code, stderr)
	}
}
