package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/ingest"
)

// netFlags tune the network side of remote sources: per-request timeouts,
// and how many S3 listings and downloads are in flight.
type netFlags struct {
	connectTimeout, firstByteTimeout, idleTimeout time.Duration
	s3Listings, s3Downloads, s3BufferMiB          int
	deadline                                      time.Duration
}

func (n *netFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	d := ingest.DefaultTimeouts()
	f.DurationVar(&n.connectTimeout, "connect-timeout", d.Connect, "AWS requests: give up connecting (TCP and TLS) after this long, then retry")
	f.DurationVar(&n.firstByteTimeout, "first-byte-timeout", d.FirstByte, "AWS requests: give up waiting for a response's headers after this long, then retry")
	f.DurationVar(&n.idleTimeout, "idle-timeout", d.Idle, "AWS requests: give up on a response that sends nothing for this long (S3 downloads resume where they stopped)")
	f.DurationVar(&n.deadline, "deadline", 0, "stop reading after this long, report what was read and exit 2 (0: no deadline)")
	f.IntVar(&n.s3Listings, "s3-listings", ingest.DefaultS3Listings, "s3://: folder listings in flight")
	f.IntVar(&n.s3Downloads, "s3-downloads", ingest.DefaultS3Downloads, "s3://: object downloads in flight")
	f.IntVar(&n.s3BufferMiB, "s3-buffer", ingest.DefaultS3Buffer>>20, "s3://: `MiB` of objects downloaded ahead of the readers (larger objects are streamed)")
}

// validate checks the flags' values.
func (n *netFlags) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--connect-timeout", n.connectTimeout}, {"--first-byte-timeout", n.firstByteTimeout}, {"--idle-timeout", n.idleTimeout}, {"--deadline", n.deadline}} {
		if d.v < 0 {
			return fmt.Errorf("%s %s: want 0 (no limit) or a positive duration", d.name, d.v)
		}
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"--s3-listings", n.s3Listings}, {"--s3-downloads", n.s3Downloads}, {"--s3-buffer", n.s3BufferMiB}} {
		if c.v < 0 {
			return fmt.Errorf("%s %d: want at least 1 (0: the default)", c.name, c.v)
		}
	}
	return nil
}

// timeouts are the per-request timeouts the flags say.
func (n *netFlags) timeouts() ingest.Timeouts {
	return ingest.Timeouts{Connect: n.connectTimeout, FirstByte: n.firstByteTimeout, Idle: n.idleTimeout}
}

// errDeadline is the cause of a scan cut short by --deadline.
var errDeadline = errors.New("--deadline reached")

// withDeadline returns ctx bounded by --deadline, if one was given.
func (n *netFlags) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if n.deadline <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, n.deadline, errDeadline)
}

// deadlineReached reports whether ctx ended on --deadline.
func deadlineReached(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errDeadline)
}
