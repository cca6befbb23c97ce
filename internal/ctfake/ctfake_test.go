package ctfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func record(id, source, name string, at time.Time) []byte {
	return fmt.Appendf(nil, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"},`+
		`"eventTime":%q,"eventSource":%q,"eventName":%q,"awsRegion":"us-east-1","readOnly":false,`+
		`"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/k1","type":"AWS::KMS::Key"}],"eventID":%q}`,
		at.UTC().Format(time.RFC3339), source, name, id)
}

func start(t *testing.T) (*Server, string) {
	t.Helper()
	s := New()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// noRetry makes the client give every error back at once.
func noRetry(o *cloudtrail.Options) { o.Retryer = aws.NopRetryer{} }

func TestLookupEventsPagingAndFilters(t *testing.T) {
	s, url := start(t)
	for i := range 7 {
		src := "kms.amazonaws.com"
		if i%2 == 1 {
			src = "s3.amazonaws.com"
		}
		if err := s.AddRecords("eu-west-1", record(fmt.Sprintf("ev%d", i), src, "Decrypt", t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	s.AddRecords("us-east-1", record("other-region", "kms.amazonaws.com", "Decrypt", t0))
	s.SetRateLimit(1000)
	c := Client(url, "eu-west-1", noRetry)
	ctx := context.Background()

	// Window [t0+1m, t0+5m], EventSource=kms: ev2, ev4 (ev6 is after the
	// window, ev0 before); newest first, one per page.
	in := &cloudtrail.LookupEventsInput{
		StartTime: aws.Time(t0.Add(time.Minute)),
		EndTime:   aws.Time(t0.Add(5 * time.Minute)),
		LookupAttributes: []types.LookupAttribute{{
			AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("kms.amazonaws.com"),
		}},
	}
	p := cloudtrail.NewLookupEventsPaginator(c, in, func(o *cloudtrail.LookupEventsPaginatorOptions) { o.Limit = 1 })
	var got []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) != 1 {
			t.Fatalf("page of %d events, want 1", len(out.Events))
		}
		ev := out.Events[0]
		got = append(got, *ev.EventId)
		if ev.EventTime == nil || ev.EventSource == nil || *ev.EventSource != "kms.amazonaws.com" || *ev.Username != "alice" ||
			len(ev.Resources) != 1 || *ev.Resources[0].ResourceType != "AWS::KMS::Key" || !strings.Contains(*ev.CloudTrailEvent, *ev.EventId) {
			t.Errorf("event summary %+v", ev)
		}
	}
	if strings.Join(got, ",") != "ev4,ev2" {
		t.Errorf("events %v, want ev4,ev2", got)
	}
	for _, r := range s.Requests() {
		if r.Region != "eu-west-1" || r.Attribute != "EventSource=kms.amazonaws.com" {
			t.Errorf("recorded %+v", r)
		}
	}

	// A token used with other parameters is rejected.
	out, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)})
	if err != nil || out.NextToken == nil || len(out.Events) != 1 || *out.Events[0].EventId != "ev6" {
		t.Fatalf("first page: %v %v", out, err)
	}
	_, err = c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1), NextToken: out.NextToken, StartTime: aws.Time(t0)})
	var ite *types.InvalidNextTokenException
	if !errors.As(err, &ite) {
		t.Errorf("reused token: %v, want InvalidNextTokenException", err)
	}
	_, err = c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)})
	var ime *types.InvalidMaxResultsException
	if !errors.As(err, &ime) {
		t.Errorf("MaxResults 51: %v, want InvalidMaxResultsException", err)
	}
	_, err = c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(-time.Second))})
	var ire *types.InvalidTimeRangeException
	if !errors.As(err, &ire) {
		t.Errorf("reversed window: %v, want InvalidTimeRangeException", err)
	}
}

func TestThrottlingWireFormat(t *testing.T) {
	s, url := start(t)
	s.AddRecords("us-east-1", record("a", "kms.amazonaws.com", "Decrypt", t0))
	c := Client(url, "us-east-1", noRetry)
	other := Client(url, "eu-west-1", noRetry)
	ctx := context.Background()
	for i := range 2 {
		if _, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	// The third in the same second is throttled; another Region is not.
	_, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || ae.ErrorMessage() != "Rate exceeded" {
		t.Fatalf("third request: %v, want ThrottlingException", err)
	}
	if _, err := other.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("other Region: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) != 4 || reqs[2].Error != "ThrottlingException" || reqs[2].Injected || reqs[2].Status != http.StatusBadRequest {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestInjectedFaults(t *testing.T) {
	s, url := start(t)
	s.SetRateLimit(1000)
	s.Inject("us-east-1", Fault{Status: 400, Type: "ThrottlingException", Message: "Rate exceeded", After: 1, Times: 1})
	s.Inject("us-east-1", AccessDenied())
	s.Inject("eu-west-1", ExpiredToken())
	c := Client(url, "us-east-1", noRetry)
	ctx := context.Background()
	want := []string{"", "ThrottlingException", "AccessDeniedException", "AccessDeniedException"}
	for i, code := range want {
		_, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
		var ae smithy.APIError
		if code == "" && err != nil || code != "" && (!errors.As(err, &ae) || ae.ErrorCode() != code) {
			t.Errorf("request %d: %v, want %q", i+1, err, code)
		}
	}
	_, err := Client(url, "eu-west-1", noRetry).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ExpiredTokenException" {
		t.Errorf("eu-west-1: %v, want ExpiredTokenException", err)
	}
	for i, r := range s.Requests() {
		if r.Error != "" && !r.Injected {
			t.Errorf("request %d: %+v not marked injected", i, r)
		}
	}
}

func TestListRegions(t *testing.T) {
	s, url := start(t)
	status := map[string]string{}
	for i := range 12 {
		status[fmt.Sprintf("r-%02d", i)] = []string{"ENABLED", "ENABLED_BY_DEFAULT", "DISABLED"}[i%3]
	}
	s.SetRegions(status)
	p := account.NewListRegionsPaginator(AccountClient(url), &account.ListRegionsInput{
		RegionOptStatusContains: []accounttypes.RegionOptStatus{accounttypes.RegionOptStatusDisabled},
		MaxResults:              aws.Int32(3),
	})
	var got []string
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Regions {
			got = append(got, *r.RegionName+"="+string(r.RegionOptStatus))
		}
	}
	if strings.Join(got, ",") != "r-02=DISABLED,r-05=DISABLED,r-08=DISABLED,r-11=DISABLED" {
		t.Errorf("regions %v", got)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 pages of 3", n)
	}
}
