package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/ctfake"
)

// fakeAWSEnv points the SDK's configuration chain at static test
// credentials and nothing else on this machine.
func fakeAWSEnv(t *testing.T, region string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDCTFAKE",
		"AWS_SECRET_ACCESS_KEY":       "ctfake-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_REGION":                  region,
		"AWS_DEFAULT_REGION":          "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
	} {
		t.Setenv(k, v)
	}
}

func TestCloudTrailSourceRegions(t *testing.T) {
	fake := ctfake.New()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	now := time.Now().UTC().Truncate(time.Second)
	fake.SetRegions(map[string]string{
		"eu-west-1": "ENABLED_BY_DEFAULT", "us-east-1": "ENABLED_BY_DEFAULT", "af-south-1": "ENABLED",
		"me-south-1": "DISABLED", "ap-east-1": "ENABLING",
	})
	for _, r := range []string{"eu-west-1", "us-east-1", "af-south-1"} {
		rec := fmt.Sprintf(`{"eventVersion":"1.11","eventTime":%q,"eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":%q,"errorCode":"AccessDenied","eventID":"ev-%s"}`,
			now.Add(-time.Minute).Format(time.RFC3339), r, r)
		if err := fake.AddRecords(r, []byte(rec)); err != nil {
			t.Fatal(err)
		}
	}
	opts := func() *sourceOptions {
		return &sourceOptions{EndpointURL: srv.URL, Since: now.Add(-time.Hour), Until: now}
	}
	ctx := context.Background()

	for _, tc := range []struct {
		regions []string
		env     string // AWS_REGION
		name    string
		want    []string
		err     string
	}{
		{env: "eu-west-1", name: "cloudtrail://eu-west-1", want: []string{"eu-west-1"}},
		{regions: []string{"us-east-1", "eu-west-1", "us-east-1"}, name: "cloudtrail://us-east-1,eu-west-1,us-east-1", want: []string{"eu-west-1", "us-east-1"}},
		{regions: []string{"all"}, name: "cloudtrail://all", want: []string{"af-south-1", "eu-west-1", "us-east-1"}},
		{err: "no Region: name one"},
		{regions: []string{"all", "eu-west-1"}, err: `"all" cannot be combined`},
		{regions: []string{"us-east1"}, err: `"us-east1" is not a Region name`},
	} {
		fakeAWSEnv(t, tc.env)
		src, err := newCloudTrailSource(ctx, tc.regions, opts())
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want %q", tc.regions, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.regions, err)
			continue
		}
		ct := src.(*ingest.CloudTrailSource)
		if src.String() != tc.name || !slices.Equal(ct.Regions(), tc.want) {
			t.Errorf("%v: source %s reading %v, want %s reading %v", tc.regions, src, ct.Regions(), tc.name, tc.want)
		}
		var got []string
		if err := src.Walk(ctx, func(in ingest.Input) error {
			if in.Err != nil {
				return in.Err
			}
			got = append(got, in.Name)
			return nil
		}); err != nil {
			t.Errorf("%v: Walk: %v", tc.regions, err)
		}
		slices.Sort(got)
		var want []string
		for _, r := range tc.want {
			want = append(want, "cloudtrail://"+r+"/ev-"+r)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: read %v, want %v", tc.regions, got, want)
		}
	}

	// "all" without account:ListRegions says what to grant, or what to do
	// instead.
	fakeAWSEnv(t, "eu-west-1")
	fake.InjectListRegions(ctfake.Fault{Status: 403, Type: "AccessDeniedException", Message: "not authorized to perform: account:ListRegions"})
	_, err := newCloudTrailSource(ctx, []string{"all"}, opts())
	if err == nil || !strings.Contains(err.Error(), "needs account:ListRegions") || !strings.Contains(err.Error(), "cloudtrail://us-east-1,eu-west-1") {
		t.Errorf("denied ListRegions: %v", err)
	}
}

// TestScanCloudTrail runs "denytrail scan cloudtrail://..." against the
// fake: a KMS denial is found; a Region without cloudtrail:LookupEvents
// is skipped (exit 2) while the others are read; when no Region can be
// read, the scan fails (exit 1).
func TestScanCloudTrail(t *testing.T) {
	fake := ctfake.New()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	fakeAWSEnv(t, "eu-west-1")
	at := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	rec := fmt.Sprintf(`{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::111122223333:assumed-role/app/s","accountId":"111122223333"},`+
		`"eventTime":%q,"eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2",`+
		`"errorCode":"AccessDeniedException","errorMessage":"User: arn:aws:sts::111122223333:assumed-role/app/s is not authorized to perform: kms:Decrypt on this resource because no resource-based policy allows the kms:Decrypt action",`+
		`"requestParameters":null,"responseElements":null,"requestID":"r1","eventID":"0d1e2f3a-kms-denial","readOnly":true,`+
		`"resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],`+
		`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`, at.Format(time.RFC3339))
	if err := fake.AddRecords("eu-west-1", []byte(rec)); err != nil {
		t.Fatal(err)
	}
	fake.Inject("us-west-2", ctfake.AccessDenied())
	fake.Inject("ap-south-1", ctfake.ExpiredToken())

	scan := func(source string, flags ...string) (code int, stdout, stderr string) {
		var out, errw strings.Builder
		args := append([]string{"scan", "--endpoint-url", srv.URL, "--since", "1h", "--format", "ndjson"}, flags...)
		code = run(context.Background(), append(args, source), strings.NewReader(""), &out, &errw)
		t.Logf("%s %v: exit %d\n%s%s", source, flags, code, out.String(), errw.String())
		return code, out.String(), errw.String()
	}

	code, out, errs := scan("cloudtrail://eu-west-1")
	if code != exitOK || !strings.Contains(out, `"eventID":"0d1e2f3a-kms-denial"`) || !strings.Contains(out, `"origin":"cloudtrail://eu-west-1/0d1e2f3a-kms-denial"`) {
		t.Errorf("eu-west-1: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}

	code, out, errs = scan("cloudtrail://eu-west-1,us-west-2")
	if code != exitSkipped || !strings.Contains(out, `"eventID":"0d1e2f3a-kms-denial"`) ||
		!strings.Contains(errs, "cloudtrail://us-west-2: access denied: the caller needs cloudtrail:LookupEvents in us-west-2") {
		t.Errorf("one Region denied: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}

	code, out, errs = scan("cloudtrail://us-west-2,ap-south-1")
	if code != exitFailure || !strings.Contains(errs, "cloudtrail:LookupEvents in us-west-2") || !strings.Contains(errs, "credentials have expired") {
		t.Errorf("every Region failing: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}

	code, _, errs = scan("cloudtrail://us-east-1")
	if code != exitOK {
		t.Errorf("empty Region: exit %d\nstderr: %s", code, errs)
	}
	code, _, errs = scan("cloudtrail://eu-west-1", "--since", "100d")
	if code != exitFailure || !strings.Contains(errs, "LookupEvents keeps only the last 90 days") {
		t.Errorf("--since 100d: exit %d\nstderr: %s", code, errs)
	}
}
