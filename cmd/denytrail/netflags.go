package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/ingest"
)

// netFlags tune the network side of remote sources: per-request timeouts.
type netFlags struct {
	connectTimeout, firstByteTimeout, idleTimeout time.Duration
}

func (n *netFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	d := ingest.DefaultTimeouts()
	f.DurationVar(&n.connectTimeout, "connect-timeout", d.Connect, "AWS requests: give up connecting (TCP and TLS) after this long, then retry")
	f.DurationVar(&n.firstByteTimeout, "first-byte-timeout", d.FirstByte, "AWS requests: give up waiting for a response's headers after this long, then retry")
	f.DurationVar(&n.idleTimeout, "idle-timeout", d.Idle, "AWS requests: give up on a response body that sends nothing for this long (S3 downloads resume where they stopped)")
}

// validate checks the flags' values.
func (n *netFlags) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--connect-timeout", n.connectTimeout}, {"--first-byte-timeout", n.firstByteTimeout}, {"--idle-timeout", n.idleTimeout}} {
		if d.v < 0 {
			return fmt.Errorf("%s %s: want 0 (no limit) or a positive duration", d.name, d.v)
		}
	}
	return nil
}

// timeouts are the per-request timeouts the flags say.
func (n *netFlags) timeouts() ingest.Timeouts {
	return ingest.Timeouts{Connect: n.connectTimeout, FirstByte: n.firstByteTimeout, Idle: n.idleTimeout}
}
