package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Timeouts bound each HTTP request the S3 and LookupEvents sources make
// (and every other AWS call made with the same client). A request that
// times out is retried like a reset connection; an S3 body that stalls
// resumes with a ranged GET. Zero means no limit.
type Timeouts struct {
	// Connect bounds the TCP connect and the TLS handshake.
	Connect time.Duration
	// FirstByte bounds the wait from sending a request to its response's
	// headers.
	FirstByte time.Duration
	// Idle bounds the silence on a connection while a response arrives
	// (its headers or its body): a read that gets no byte for this long
	// fails.
	Idle time.Duration
}

// DefaultTimeouts end a stalled request within about 30 seconds, and
// leave a slow but moving one alone.
func DefaultTimeouts() Timeouts {
	return Timeouts{Connect: 10 * time.Second, FirstByte: 30 * time.Second, Idle: 30 * time.Second}
}

// maxConnsPerHost is how many connections to one endpoint are kept for
// reuse: enough for every listing and download in flight.
const maxConnsPerHost = 256

// HTTPClient returns an HTTP client for AWS SDK configurations
// (aws.Config.HTTPClient) that applies t to every request and keeps
// enough connections alive for many requests in flight. It is the SDK's
// buildable client, so that the configuration can still add a CA bundle.
func (t Timeouts) HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = t.Connect }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = t.Connect
			tr.ResponseHeaderTimeout = t.FirstByte
			tr.MaxIdleConns = maxConnsPerHost
			tr.MaxIdleConnsPerHost = maxConnsPerHost
		}).
		// A read on the connection that waits longer fails: the SDK's
		// inactivity timeout (0 turns it off).
		WithReadTimeout(t.Idle)
}

// timeoutReason says which timeout ended a request, or "" when none did.
func timeoutReason(err error) string {
	var rt *awshttp.ResponseTimeoutError
	switch {
	case errors.As(err, &rt):
		return fmt.Sprintf("no data for %s (idle timeout)", rt.TimeoutDur)
	case err != nil && strings.Contains(err.Error(), "timeout awaiting response headers"):
		return "no response headers in time (first-byte timeout)"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, context.DeadlineExceeded) {
		return "timed out connecting (connect timeout)"
	}
	return ""
}

// describedError says err the way timeoutReason does, when it is a
// timeout, and unwraps to err.
type describedError struct {
	reason string
	err    error
}

func (e *describedError) Error() string { return e.reason }
func (e *describedError) Unwrap() error { return e.err }

// describeTimeout returns err, said as timeoutReason says it when it is a
// timeout.
func describeTimeout(err error) error {
	if t := timeoutReason(err); t != "" {
		return &describedError{reason: t, err: err}
	}
	return err
}
