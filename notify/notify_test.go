package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type webhook struct {
	mu      sync.Mutex
	answers []int // status per request; the last repeats
	got     []string
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	h.got = append(h.got, r.Header.Get("Content-Type")+" "+string(b))
	status := h.answers[min(len(h.got), len(h.answers))-1]
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "0")
	}
	w.WriteHeader(status)
	if status != 200 {
		io.WriteString(w, "rate_limited\n\x1b[2J")
	} else {
		io.WriteString(w, "ok")
	}
}

func fast() Options { return Options{Backoff: func(int) time.Duration { return time.Millisecond }} }

func TestPostRetries(t *testing.T) {
	h := &webhook{answers: []int{429, 503, 200}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	if err := Post(context.Background(), srv.URL+"/services/T000/B000/secret", []byte(`{"text":"x"}`), fast()); err != nil {
		t.Fatal(err)
	}
	if len(h.got) != 3 || h.got[2] != `application/json {"text":"x"}` {
		t.Errorf("requests %q", h.got)
	}
}

func TestPostGivesUp(t *testing.T) {
	for _, tc := range []struct {
		answers  []int
		attempts int
	}{
		{[]int{500}, 4}, // server errors: every attempt
		{[]int{404}, 1}, // a wrong URL or message: retrying cannot help
		{[]int{400}, 1},
	} {
		h := &webhook{answers: tc.answers}
		srv := httptest.NewServer(h)
		err := Post(context.Background(), srv.URL+"/services/T000/B000/secret", []byte(`{}`), fast())
		srv.Close()
		if err == nil || len(h.got) != tc.attempts {
			t.Errorf("%v: error %v after %d attempts, want %d", tc.answers, err, len(h.got), tc.attempts)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "secret") || strings.Contains(msg, "\x1b") || strings.Contains(msg, "\n") || !strings.Contains(msg, "HTTP ") {
			t.Errorf("error %q must name the status in one line and never the URL's secret path", msg)
		}
	}
}

func TestPostTimesOutAndCancels(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	o := fast()
	o.Timeout = 50 * time.Millisecond
	o.Attempts = 2
	err := Post(context.Background(), srv.URL+"/secret", []byte(`{}`), o)
	if err == nil || time.Since(start) > 5*time.Second || strings.Contains(err.Error(), "secret") {
		t.Errorf("stalled webhook: %v after %s", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Post(ctx, srv.URL+"/secret", []byte(`{}`), fast()); err == nil {
		t.Error("a canceled context still posted")
	}
	if err := Post(context.Background(), "ftp://x/y", nil, fast()); err == nil {
		t.Error("a non-http URL was accepted")
	}
}
