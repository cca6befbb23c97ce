// Package notify posts a message to a Slack-compatible incoming webhook,
// retrying what a webhook asks to be retried: 429 (after its Retry-After)
// and 5xx answers, and connections that fail, with back-off, each attempt
// under a timeout. Errors name the webhook by its host only: the rest of
// its URL is its secret.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Options tune Post; the zero value is the default.
type Options struct {
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
	// Attempts is how many times a message is sent at most; 0 means 4.
	Attempts int
	// Timeout bounds each attempt; 0 means 10 s.
	Timeout time.Duration
	// Backoff is the wait before attempt n+1 (n from 1) when the answer
	// names none; nil means 1 s, 2 s, 4 s, … capped at 30 s.
	Backoff func(n int) time.Duration
	// MaxRetryAfter caps a Retry-After the webhook asks for; 0 means 60 s.
	MaxRetryAfter time.Duration
}

// Post sends body (JSON) to the webhook at rawURL.
func Post(ctx context.Context, rawURL string, body []byte, o Options) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("notify: the webhook URL is not an http(s) URL")
	}
	name := u.Host // the path holds the webhook's secret
	client := o.Client
	if client == nil {
		client = &http.Client{}
	}
	attempts := max(o.Attempts, 1)
	if o.Attempts == 0 {
		attempts = 4
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	backoff := o.Backoff
	if backoff == nil {
		backoff = func(n int) time.Duration { return min(time.Second<<(n-1), 30*time.Second) }
	}
	maxWait := o.MaxRetryAfter
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	var last error
	for n := 1; n <= attempts; n++ {
		wait, err := post(ctx, client, rawURL, body, timeout)
		if err == nil {
			return nil
		}
		last = err
		if wait < 0 || n == attempts {
			break // not worth another try
		}
		if wait == 0 {
			wait = backoff(n)
		}
		t := time.NewTimer(min(wait, maxWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("notify %s: %w (after %v)", name, ctx.Err(), last)
		case <-t.C:
		}
	}
	return fmt.Errorf("notify %s: %w", name, last)
}

// post makes one attempt. wait is how long to wait before the next: 0 for
// the back-off, what Retry-After says, or -1 when retrying cannot help.
func post(ctx context.Context, client *http.Client, rawURL string, body []byte, timeout time.Duration) (wait time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// Drop the URL the error quotes: it holds the secret.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return 0, fmt.Errorf("sending: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return 0, nil
	}
	err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, oneLine(answer))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s >= 0 {
			return max(time.Duration(s)*time.Second, time.Millisecond), err
		}
		return 0, err
	case resp.StatusCode >= 500:
		return 0, err
	}
	return -1, err // 4xx: the message or the URL is wrong
}

// oneLine shows a webhook's answer in one printable line.
func oneLine(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(no body)"
	}
	return s
}
