package history

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/internal/s3test"
)

// fakeS3 is gofakes3 on loopback, reached through the real SDK client, with
// a log of the requests it served and an optional refusal of writes.
type fakeS3 struct {
	*s3test.Server

	mu       sync.Mutex
	requests []string // "METHOD /bucket/key"
	denyPut  bool
}

func newFakeS3(t *testing.T, bucket string) *fakeS3 {
	f := &fakeS3{}
	f.Server = s3test.New(t, func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.requests = append(f.requests, r.Method+" "+r.URL.Path)
			deny := f.denyPut && r.Method == http.MethodPut
			f.mu.Unlock()
			if deny {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`))
				return
			}
			inner.ServeHTTP(w, r)
		})
	}, bucket)
	return f
}

func (f *fakeS3) client() *s3.Client {
	return f.Client(func(o *s3.Options) {
		o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 1)
	})
}

func (f *fakeS3) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func TestS3RoundTrip(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, "history-bucket")
	s := NewS3(f.client(), "history-bucket", "/denytrail/daily/")
	if got := s.String(); got != "s3://history-bucket/denytrail/daily/" {
		t.Errorf("String() = %q", got)
	}
	d := dayOf(day0, repeat(3, day0, classify.LayerKMS, "role/a", "b1")...)
	if err := s.Save(ctx, d); err != nil {
		t.Fatal(err)
	}
	// One day is one PUT of one object.
	if got := f.log(); !reflect.DeepEqual(got, []string{"PUT /history-bucket/denytrail/daily/2026-11-26.json"}) {
		t.Errorf("save made requests %v", got)
	}
	got, err := s.Load(ctx, day0.Add(5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip changed the day:\n got %+v\nwant %+v", got, d)
	}
	obj, err := f.Backend.GetObject("history-bucket", "denytrail/daily/2026-11-26.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ct := obj.Metadata["Content-Type"]; ct != "application/json" {
		t.Errorf("content type %q", ct)
	}

	// A re-run replaces the object.
	d2 := dayOf(day0, repeat(1, day0, classify.LayerIAM, "role/z", "b9")...)
	if err := s.Save(ctx, d2); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, day0); err != nil || !reflect.DeepEqual(got, d2) {
		t.Errorf("after the re-run: %+v, %v", got, err)
	}

	// A day never saved reads as missing.
	if _, err := s.Load(ctx, day0.AddDate(0, 0, -1)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing day: %v, want fs.ErrNotExist", err)
	}
}

func TestS3BaselineSkipsCorrupt(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, "h")
	s := NewS3(f.client(), "h", "")
	d1 := day0.AddDate(0, 0, -1)
	if err := s.Save(ctx, dayOf(d1, repeat(2, d1, classify.LayerIAM, "role/a", "b")...)); err != nil {
		t.Fatal(err)
	}
	junk := []byte(`{"version":1,"date":"2026-11-24","patterns":[`)
	if _, err := f.Backend.PutObject("h", "2026-11-24.json", map[string]string{}, bytes.NewReader(junk), int64(len(junk)), nil); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBaseline(ctx, s, day0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Days) != 1 || b.Days[0].Date != "2026-11-25" {
		t.Errorf("days %+v", b.Days)
	}
	if len(b.Unreadable) != 1 || !strings.Contains(b.Unreadable[0].Reason, "s3://h/2026-11-24.json: truncated") {
		t.Errorf("unreadable %+v", b.Unreadable)
	}
	if !reflect.DeepEqual(b.Missing, []string{"2026-11-23"}) {
		t.Errorf("missing %v", b.Missing)
	}
}

func TestS3Refused(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, "h")
	f.denyPut = true
	err := NewS3(f.client(), "h", "p").Save(ctx, dayOf(day0))
	if err == nil || !strings.Contains(err.Error(), "s3://h/p/2026-11-26.json") || !strings.Contains(err.Error(), "needs s3:PutObject") {
		t.Errorf("refused save: %v", err)
	}
	_, err = NewS3(f.client(), "no-such-bucket", "").Load(ctx, day0)
	if err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "s3://no-such-bucket/2026-11-26.json") {
		t.Errorf("missing bucket: %v (must not read as a missing day)", err)
	}
}
