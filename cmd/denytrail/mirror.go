package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/integrity"
	"github.com/denytrail/denytrail/report"
)

func newMirrorCmd(e *env) *cobra.Command {
	var (
		flt     filterFlags
		src     sourceFlags
		workers int
	)
	cmd := &cobra.Command{
		Use:   "mirror [flags] s3://BUCKET[/PREFIX] DIR",
		Short: "Copy a time range of a CloudTrail archive, digests and signatures included, for offline --verify",
		Long: `Mirror copies the log files of the time range from an S3 archive into DIR, in
the same layout (each object at its key), with the digest files that list them
and, next to each digest, "<digest>.meta.json" holding its signature from the
object's metadata, so that 'denytrail scan --verify --public-keys FILE DIR'
checks hashes, chain and signatures offline. Objects are copied in parallel
(--workers). It is resumable: a file already present with the object's size
(and a digest's sidecar) is skipped, and files are written under a temporary
name, then renamed, so an interrupted copy is never mistaken for a whole one.

Exit codes: 0 every object copied or present; 1 could not run; 2 some objects
could not be copied (named on stderr); 130 interrupted.`,
		Example: indent(`
denytrail mirror --since 2026-11-01 --until 2026-11-07 s3://org-trail-bucket/AWSLogs/o-abc123defg/ ./evidence
aws cloudtrail list-public-keys --start-time 2026-11-01 --end-time 2026-11-08 > keys.json
denytrail scan --verify --public-keys keys.json ./evidence`),
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !strings.HasPrefix(args[0], "s3://") {
				return usageError(cmd, "%s: mirror copies from an s3:// archive", args[0])
			}
			if err := src.validate(); err != nil {
				return usageError(cmd, "%v", err)
			}
			since, until, err := flt.window(time.Now().UTC(), true)
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			bucket, prefix, err := ingest.ParseS3URL(args[0])
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			opts := src.options(since, until, false)
			opts.Debug = e.debugWriter()
			logs, err := newS3Source(ctx, bucket, prefix, opts)
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			client, err := s3ClientFor(ctx, opts, bucket)
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			st, err := integrity.Mirror(ctx, integrity.MirrorConfig{
				Client: client, Bucket: bucket, Logs: logs, Dir: args[1], Since: since, Until: until, Workers: workers,
			})
			for _, p := range st.Failed {
				fmt.Fprintf(e.stderr, "denytrail: not copied: %s: %s\n", report.Terminal(p.File), report.Terminal(p.Reason))
			}
			fmt.Fprintf(e.stderr, "denytrail: mirror: %d object(s) copied (%.1f MiB), %d already present, %d failed, into %s\n",
				st.Copied, float64(st.Bytes)/(1<<20), st.Present, len(st.Failed), report.Terminal(args[1]))
			switch {
			case err != nil && ctx.Err() != nil:
				return &exitError{code: exitInterrupted}
			case len(st.Failed) > 0:
				return &exitError{code: exitSkipped}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&flt.since, "since", "", "copy log files with events at or after `TIME` (default: 24 hours before --until)")
	f.StringVar(&flt.until, "until", "", "copy log files with events at or before `TIME` (default: now)")
	f.IntVar(&workers, "workers", 8, "objects copied in parallel")
	src.register(cmd)
	return cmd
}
