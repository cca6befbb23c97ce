package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/internal/ctfake"
	"github.com/denytrail/denytrail/internal/s3test"
)

// stallUntilGone answers nothing until the client hangs up (or 10 s pass,
// so that a failing test does not hang).
func stallUntilGone(r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// TestScanTimeouts runs scans against servers that stall: an S3 object
// that never answers, and a LookupEvents Region that stops answering. Each
// scan ends by itself, names what it skipped and exits 2, keeping what the
// rest gave.
func TestScanTimeouts(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	timeouts := []string{"--first-byte-timeout", "200ms", "--idle-timeout", "1s", "--connect-timeout", "2s"}
	scan := func(url, source string) (code int, stdout, stderr string, took time.Duration) {
		var out, errw strings.Builder
		args := append([]string{"scan", "--endpoint-url", url, "--since", "1h", "--format", "ndjson"}, timeouts...)
		start := time.Now()
		code = run(context.Background(), append(args, source), strings.NewReader(""), &out, &errw)
		t.Logf("%s: exit %d in %v\n%s", source, code, time.Since(start), errw.String())
		return code, out.String(), errw.String(), time.Since(start)
	}

	t.Run("s3", func(t *testing.T) {
		var stalled string
		srv := &e2eS3{t: t}
		srv.Server = s3test.New(t, func(inner http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && stalled != "" && strings.HasSuffix(r.URL.Path, stalled) {
					stallUntilGone(r)
					return
				}
				inner.ServeHTTP(w, r)
			})
		}, e2eTrail)
		var g e2eEvents
		now := time.Now().UTC()
		srv.deliver(now.Add(-30*time.Minute), g.put(now.Add(-31*time.Minute), "app", "data-bucket", "service control policy"))
		srv.deliver(now.Add(-10*time.Minute), g.put(now.Add(-11*time.Minute), "app", "data-bucket", ""))
		stalled = "_" + now.Add(-10*time.Minute).Format("20060102T1504Z") + "_e2eUniqueString0.json.gz"
		code, out, errs, _ := scan(srv.URL, "s3://"+e2eTrail)
		if code != exitSkipped || !strings.Contains(errs, "skipped s3://"+e2eTrail+"/") || !strings.Contains(errs, stalled) ||
			!strings.Contains(errs, "first-byte timeout") || !strings.Contains(out, "service control policy") {
			t.Errorf("stalled object: exit %d, want 2 with the object named and the other read\nstdout: %s\nstderr: %s", code, out, errs)
		}
	})

	t.Run("cloudtrail", func(t *testing.T) {
		fake := ctfake.New()
		at := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
		rec := `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s","accountId":"111122223333"},` +
			`"eventTime":"` + at.Format(time.RFC3339) + `","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"eu-west-1",` +
			`"errorCode":"AccessDeniedException","errorMessage":"denied","eventID":"kms-denial-1","eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"}`
		if err := fake.AddRecords("eu-west-1", []byte(rec)); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.Header.Get("Authorization"), "/us-west-2/") {
				stallUntilGone(r)
				return
			}
			fake.ServeHTTP(w, r)
		}))
		defer srv.Close()
		code, out, errs, _ := scan(srv.URL, "cloudtrail://eu-west-1,us-west-2")
		if code != exitSkipped || !strings.Contains(errs, "skipped cloudtrail://us-west-2: ") || !strings.Contains(errs, "first-byte timeout") ||
			!strings.Contains(out, `"eventID":"kms-denial-1"`) {
			t.Errorf("stalled Region: exit %d, want 2 with the Region named and the other read\nstdout: %s\nstderr: %s", code, out, errs)
		}
	})
}

// TestScanDeadline stalls one S3 object with timeouts far longer than the
// deadline: the scan stops at --deadline, reports what it read and exits 2.
func TestScanDeadline(t *testing.T) {
	fakeAWSEnv(t, "us-east-1")
	var stalled string
	srv := &e2eS3{t: t}
	srv.Server = s3test.New(t, func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && stalled != "" && strings.HasSuffix(r.URL.Path, stalled) {
				stallUntilGone(r)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}, e2eTrail)
	var g e2eEvents
	now := time.Now().UTC()
	srv.deliver(now.Add(-30*time.Minute), g.put(now.Add(-31*time.Minute), "app", "data-bucket", "service control policy"))
	srv.deliver(now.Add(-10*time.Minute), g.put(now.Add(-11*time.Minute), "app", "data-bucket", ""))
	stalled = "_" + now.Add(-10*time.Minute).Format("20060102T1504Z") + "_e2eUniqueString0.json.gz"
	var out, errw strings.Builder
	start := time.Now()
	code := run(context.Background(), []string{"scan", "--endpoint-url", srv.URL, "--since", "1h", "--format", "ndjson",
		"--first-byte-timeout", "1m", "--idle-timeout", "1m", "--deadline", "2s", "s3://" + e2eTrail}, strings.NewReader(""), &out, &errw)
	took := time.Since(start)
	t.Logf("exit %d in %v\n%s", code, took, errw.String())
	if code != exitSkipped || !strings.Contains(errw.String(), "--deadline reached") || !strings.Contains(out.String(), "service control policy") {
		t.Errorf("exit %d, want 2 with the deadline said and the object read before it in the report\nstdout: %s\nstderr: %s", code, out.String(), errw.String())
	}
	if took > 30*time.Second {
		t.Errorf("the scan took %v: the deadline did not stop it", took)
	}
}
