package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/history"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/atomicfile"
	"github.com/denytrail/denytrail/report"
)

const reportExitCodesHelp = `Exit codes:
  0    completed, every input read, and --fail-on did not trigger
  1    could not run (bad flags, no readable input), or the history or a
       report could not be written
  2    completed, but some inputs or records could not be read (named on stderr);
       when an input was read only in part (the records before its error
       are kept), the history is not saved unless --save-partial is given
  3    completed, every input read, and --fail-on triggered: "new" when a
       pattern appeared that no compared day had, "any" when there were findings
  4    completed with --verify, and integrity failed: a log file tampered with
       or missing, a digest badly signed or off its chain (named on stderr)
  130  interrupted: the report covers what was read; the history is not saved
  4 wins over 2, 2 over 3.`

// reportFlags are the flags of the report command.
type reportFlags struct {
	day      string
	history  string
	baseline int
	format   string
	outputs  []string
	failOn   string
	progress string
	deliveryFlags
	// savePartial saves the history even when an input was read in part.
	savePartial bool
	engineFlags
}

// The --fail-on values.
const (
	failOnNever = "never"
	failOnNew   = "new"
	failOnAny   = "any"
)

func newReportCmd(e *env) *cobra.Command {
	var o reportFlags
	src := sourceFlags{env: e}
	cmd := &cobra.Command{
		Use:   "report --day YYYY-MM-DD|yesterday [flags] SOURCE...",
		Short: "Write the daily report of one UTC day: what is new, what jumped, what stopped",
		Long: `Report scans exactly one UTC day of CloudTrail records from each SOURCE (as
scan does; for s3:// archives it also reads the files delivered just after
midnight), groups the denials into patterns (layer, control, role, action,
bucket or KMS key), and compares them with the previous days' summaries in
the history: which patterns are new, which stopped, and which jumped.

The day's summary is saved to the history, one small JSON file per day
(DIR/YYYY-MM-DD.json, written atomically, or s3://BUCKET/PREFIX/YYYY-MM-DD.json
in one PUT). Running a day again replaces its file. A missing or damaged
history file is reported and skipped, never fatal; with no history at all,
every pattern counts as new.

A pattern jumped when today's count is at least twice its daily mean over
the compared days and at least 5 more. A pattern stopped when the newest
compared day had it and today does not.

--output-file may be given several times. Each file's format follows its
extension (.md, .html, .json) unless -o/--output is given; "{day}" in a
path becomes the day, for jobs without a shell. Outputs may be
s3://BUCKET/KEY. The history and every output are checked before the scan:
a folder that does not exist, a bucket that cannot be reached, or a store
that may not be written to is exit 1 at once.

` + reportExitCodesHelp,
		Example: indent(`
# A daily job: yesterday's denials from an organization trail, history in S3,
# a Markdown and an HTML report next to it, exit 3 when something is new:
denytrail report --day yesterday --history s3://denytrail-reports/history \
  --output-file s3://denytrail-reports/daily/{day}.md --output-file s3://denytrail-reports/daily/{day}.html \
  --fail-on new s3://org-trail-logs/AWSLogs/o-abc123defg/

# Fill the history with the week before, then report the day (re-running a
# day replaces its summary):
for d in 2026-11-19 2026-11-20 2026-11-21 2026-11-22 2026-11-23 2026-11-24 2026-11-25; do
  denytrail report --day $d s3://trail-bucket > /dev/null
done
denytrail report --day 2026-11-26 --output-file report.html --output-file report.md s3://trail-bucket`),
		Args: needSources,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd, e, args, &o, &src)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.day, "day", "", "the UTC `DAY` to report: YYYY-MM-DD or yesterday (required)")
	f.StringVar(&o.history, "history", "./denytrail-history", "where daily summaries are kept: a `DIR` or s3://BUCKET/PREFIX")
	f.IntVar(&o.baseline, "baseline", 7, "compare with this many previous `DAYS`")
	f.StringVarP(&o.format, "output", "o", "", "output `FORMAT`: markdown, html or json (default: each output file's extension, else markdown)")
	alias(f, "format", "f", "output", false)
	f.StringArrayVar(&o.outputs, "output-file", nil, "write the report to `FILE` or s3://BUCKET/KEY instead of stdout (repeatable; {day} is replaced; a local file's folder must exist)")
	f.StringVar(&o.failOn, "fail-on", failOnNever, "exit 3 on: new (a new pattern), any (any finding), never")
	f.BoolVar(&o.savePartial, "save-partial", false, "save the day's history even when an input was read only in part (its counts may be short)")
	o.engineFlags.register(cmd)
	f.StringVar(&o.progress, "progress", "auto", "progress line on stderr: auto (only on a terminal), always, never")
	o.deliveryFlags.register(cmd)
	src.register(cmd)
	src.verify.register(cmd)
	cmd.RegisterFlagCompletionFunc("output", fixedCompletion("markdown, html, json"))
	cmd.RegisterFlagCompletionFunc("progress", fixedCompletion("auto, always, never"))
	cmd.RegisterFlagCompletionFunc("fail-on", fixedCompletion("new, any, never"))
	return cmd
}

// reportOutput is one --output: where, and in which format.
type reportOutput struct {
	path   string // a local path, or "" with bucket/key set
	bucket string
	key    string
	format report.Format
}

func (r reportOutput) String() string {
	if r.bucket != "" {
		return "s3://" + r.bucket + "/" + r.key
	}
	return r.path
}

func runReport(cmd *cobra.Command, e *env, args []string, o *reportFlags, src *sourceFlags) error {
	ctx := cmd.Context()
	now := time.Now().UTC()
	if o.day == "" {
		return usageError(cmd, "--day is required: YYYY-MM-DD or yesterday")
	}
	date, err := parseDay(o.day, now)
	if err != nil {
		return usageError(cmd, "--day: %v", err)
	}
	day := date.Format(history.DateLayout)
	outputs, stdoutFormat, err := reportOutputs(o, cmd.Flags().Changed("output"), day)
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	switch o.failOn {
	case failOnNever, failOnNew, failOnAny:
	default:
		return usageError(cmd, "--fail-on %q: want new, any or never", o.failOn)
	}
	err = o.validate()
	if err == nil {
		err = checkProgress(o.progress)
	}
	if err == nil {
		err = src.validate()
	}
	if err == nil {
		err = src.verify.validate()
	}
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	if o.baseline < 0 || o.baseline > history.MaxBaseline {
		return usageError(cmd, "--baseline %d: want 0 to %d days", o.baseline, history.MaxBaseline)
	}
	until := date.Add(24*time.Hour - time.Nanosecond)
	if now.Before(until) {
		e.notef("%s is not over yet: the report and its history cover events until now; run it again tomorrow to complete the day", day)
	}

	opts := src.options(date, until, o.allFailures)
	opts.Debug = e.debugWriter()
	clients := &s3Clients{opts: opts}
	store, err := openHistory(ctx, o.history, clients)
	if err == nil {
		err = o.loadSuppressions(ctx, clients)
	}
	if err == nil {
		err = checkWritable(ctx, clients, o.history, outputs)
	}
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	// --deadline bounds the reading, not the history and the outputs.
	rctx, cancel := src.net.withDeadline(ctx)
	defer cancel()
	sources, err := openSources(rctx, e, args, opts)
	if err != nil {
		return err
	}
	cfg := o.config(date, until)
	src.verify.apply(&cfg, opts)
	res, err := runPipeline(rctx, e, cfg, sources, o.progress)
	if err != nil {
		return err // nothing read: the history is not saved
	}

	interrupted := res.Interrupted
	base, err := history.LoadBaseline(ctx, store, date, o.baseline)
	if err != nil {
		interrupted = true
	}
	warnHistory(e, store, base, o.baseline)
	defer res.Close()
	daily := report.NewDaily(res.Report, date, base)

	var failed []error
	saved := false
	partial := res.Stats.PartialInputs > 0 && !o.savePartial
	if partial {
		fmt.Fprintf(e.stderr, "denytrail: history not saved: %d input(s) read only in part (named above), so the day's counts may be short; --save-partial saves it anyway\n", res.Stats.PartialInputs)
	}
	if !interrupted && !partial {
		if err := store.Save(ctx, daily.Today); err != nil {
			failed = append(failed, fmt.Errorf("history not saved: %w", err))
		} else {
			saved = true
		}
	}
	if len(outputs) == 0 {
		if err := report.RenderDaily(e.stdout, stdoutFormat, daily); err != nil {
			failed = append(failed, err)
		}
	}
	for _, out := range outputs {
		if err := writeDaily(ctx, clients, out, daily); err != nil {
			failed = append(failed, err)
		}
	}

	var delivery []error
	if !interrupted {
		link := strings.ReplaceAll(o.notifyLink, "{day}", day)
		if link == "" && len(outputs) > 0 {
			link = outputs[0].String()
		}
		delivery = o.deliver(ctx, e, daily, link, func(ctx context.Context) (aws.Config, error) { return loadAWSConfig(ctx, opts) })
	}

	c := &daily.Comparison
	msg := fmt.Sprintf("denytrail: %s: %d new, %d jumped, %d stopped; %s in %s",
		day, len(c.New), len(c.Jumped), len(c.Stopped), countOf(daily.Today.Findings, "finding", "findings"),
		countOf(len(daily.Today.Patterns), "pattern", "patterns"))
	if saved {
		msg += "; history saved to " + report.Terminal(store.String())
	}
	if !e.quiet {
		fmt.Fprintln(e.stderr, msg)
	}

	tampered := integrityFailed(e, res.Stats.Integrity)
	switch {
	case interrupted && deadlineReached(rctx):
		fmt.Fprintln(e.stderr, "denytrail: --deadline reached: the report covers only what was read; the history is not saved")
		return &exitError{code: exitSkipped}
	case interrupted:
		fmt.Fprintln(e.stderr, "denytrail: interrupted: the report covers only what was read; the history is not saved")
		return &exitError{code: exitInterrupted}
	case len(failed) > 0:
		return &exitError{code: exitFailure, err: errors.Join(failed...)}
	case tampered:
		for _, err := range delivery {
			fmt.Fprintf(e.stderr, "denytrail: %v\n", err)
		}
		return &exitError{code: exitIntegrity}
	case res.Stats.SkippedCount > 0:
		for _, err := range delivery {
			fmt.Fprintf(e.stderr, "denytrail: %v\n", err)
		}
		fmt.Fprintf(e.stderr, "denytrail: %d input(s) or record(s) could not be read\n", res.Stats.SkippedCount)
		return &exitError{code: exitSkipped}
	case len(delivery) > 0:
		return &exitError{code: exitDelivery, err: errors.Join(delivery...)}
	case o.failOn == failOnNew && len(c.New) > 0:
		return &exitError{code: exitFindings}
	case o.failOn == failOnAny && daily.Today.Findings > 0:
		return &exitError{code: exitFindings}
	}
	return nil
}

// countOf returns "1 thing" or "n things".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// parseDay reads --day: a date (YYYY-MM-DD, UTC) or "yesterday", and
// returns the start of that UTC day. Days that have not begun are refused.
func parseDay(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	var d time.Time
	if strings.EqualFold(s, "yesterday") {
		d = history.Midnight(now).AddDate(0, 0, -1)
	} else {
		t, err := time.Parse(history.DateLayout, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a day: want YYYY-MM-DD or yesterday", s)
		}
		d = t
	}
	if d.After(now) {
		return time.Time{}, fmt.Errorf("%s has not begun yet (it is %s UTC)", d.Format(history.DateLayout), now.Format("2006-01-02 15:04"))
	}
	return d, nil
}

// reportOutputs resolves the --output values: {day} replaced, s3:// URLs
// split, and each one's format: --format when given, else the extension,
// else Markdown. It also returns the format for stdout.
func reportOutputs(o *reportFlags, formatGiven bool, day string) ([]reportOutput, report.Format, error) {
	var fixed report.Format
	if formatGiven {
		f, err := parseOutputFormat(o.format, report.ParseDailyFormat, "markdown, html, json")
		if err != nil {
			return nil, "", err
		}
		fixed = f
	}
	var outs []reportOutput
	for _, raw := range o.outputs {
		p := strings.ReplaceAll(raw, "{day}", day)
		if p == "" || p == "-" {
			return nil, "", fmt.Errorf("--output-file %q: want a file or s3://BUCKET/KEY (without --output-file the report goes to stdout)", raw)
		}
		out := reportOutput{path: p, format: fixed}
		if strings.HasPrefix(strings.ToLower(p), "s3://") {
			bucket, key, err := ingest.ParseS3URL(p)
			if err != nil {
				return nil, "", fmt.Errorf("--output-file: %v", err)
			}
			if key == "" || strings.HasSuffix(key, "/") {
				return nil, "", fmt.Errorf("--output-file %s: name the object, not a folder (s3://BUCKET/KEY)", p)
			}
			out = reportOutput{bucket: bucket, key: key, format: fixed}
		} else if strings.Contains(p, "://") {
			return nil, "", fmt.Errorf("--output-file %s: want a file or s3://BUCKET/KEY", p)
		}
		if out.format == "" {
			out.format = formatOfPath(p)
		}
		outs = append(outs, out)
	}
	return outs, cmp.Or(fixed, report.Markdown), nil
}

// formatOfPath is the daily report format a file name's extension asks
// for, Markdown when it asks for none.
func formatOfPath(p string) report.Format {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".html", ".htm":
		return report.HTML
	case ".json":
		return report.JSON
	}
	return report.Markdown
}

// openHistory returns the store that --history names.
func openHistory(ctx context.Context, loc string, clients *s3Clients) (history.Store, error) {
	switch {
	case loc == "":
		return nil, errors.New("--history: empty: want a directory or s3://BUCKET/PREFIX")
	case strings.HasPrefix(strings.ToLower(loc), "s3://"):
		bucket, prefix, err := ingest.ParseS3URL(loc)
		if err != nil {
			return nil, fmt.Errorf("--history: %w", err)
		}
		client, err := clients.get(ctx, bucket)
		if err != nil {
			return nil, fmt.Errorf("--history %s: %w", loc, err)
		}
		return history.NewS3(client, bucket, prefix), nil
	case strings.Contains(loc, "://"):
		return nil, fmt.Errorf("--history %s: want a directory or s3://BUCKET/PREFIX", loc)
	}
	return history.NewDir(loc), nil
}

// probeName is the object that checkWritable puts next to the history and
// each S3 output: the only proof that a later PutObject will be allowed.
const probeName = ".denytrail-write-check"

// probeTimeout bounds the checks before a scan: an unreachable store
// fails in seconds, not after the scan and every retry.
const probeTimeout = 15 * time.Second

// checkWritable proves, before the scan, that the history and every
// output can be written: a local folder must exist (the history's may be
// created) and take a file; an S3 prefix must take a small probe object.
func checkWritable(ctx context.Context, clients *s3Clients, hist string, outputs []reportOutput) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if strings.HasPrefix(strings.ToLower(hist), "s3://") {
		bucket, prefix, _ := ingest.ParseS3URL(hist) // checked by openHistory
		if err := putProbe(ctx, clients, bucket, strings.Trim(prefix, "/")); err != nil {
			return fmt.Errorf("--history %s: %w", hist, err)
		}
	} else if err := checkHistoryDir(hist); err != nil {
		return fmt.Errorf("--history %s: %w", hist, err)
	}
	for _, out := range outputs {
		var err error
		if out.bucket == "" {
			err = atomicfile.Check(out.path)
		} else {
			err = putProbe(ctx, clients, out.bucket, path.Dir(out.key))
		}
		if err != nil {
			return fmt.Errorf("--output-file %s: %w", out, err)
		}
	}
	return nil
}

// checkHistoryDir checks that the history folder dir, or the nearest
// folder above it that exists (Save creates the rest), takes a file.
func checkHistoryDir(dir string) error {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a folder", d)
			}
			return atomicfile.Check(filepath.Join(d, probeName))
		}
		parent := filepath.Dir(d) // missing, or below a file: look up
		if parent == d {
			return err
		}
		d = parent
	}
}

// putProbe writes the probe object into the folder dir ("" or "." for
// the top) of bucket.
func putProbe(ctx context.Context, clients *s3Clients, bucket, dir string) error {
	client, err := clients.get(ctx, bucket)
	if err != nil {
		return err
	}
	key := probeName
	if dir != "" && dir != "." {
		key = dir + "/" + probeName
	}
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		Body:        strings.NewReader("written by denytrail report to check, before a scan, that it may write here\n"),
		ContentType: aws.String("text/plain; charset=utf-8"),
	})
	if err != nil {
		return fmt.Errorf("cannot write s3://%s/%s (needs s3:PutObject): %w", bucket, key, err)
	}
	return nil
}

// warnHistory says on stderr which previous days the comparison lacks.
func warnHistory(e *env, store history.Store, b history.Baseline, asked int) {
	for _, p := range b.Unreadable {
		fmt.Fprintf(e.stderr, "denytrail: history: skipped %s\n", report.Terminal(p.Reason))
	}
	switch {
	case asked == 0 || e.quiet:
	case len(b.Days) == 0:
		fmt.Fprintf(e.stderr, "denytrail: history: no summary of the previous %d day(s) in %s: every pattern counts as new\n",
			asked, report.Terminal(store.String()))
	case len(b.Missing) > 0:
		fmt.Fprintf(e.stderr, "denytrail: history: no summary for %s in %s\n",
			strings.Join(b.Missing, ", "), report.Terminal(store.String()))
	}
}

// writeDaily renders the report into out: a local file written to a
// temporary name and renamed into place, or one S3 PutObject.
func writeDaily(ctx context.Context, clients *s3Clients, out reportOutput, d *report.Daily) error {
	var buf bytes.Buffer
	if err := report.RenderDaily(&buf, out.format, d); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if out.bucket == "" {
		return writeFileAtomic(out.path, func(w io.Writer) error {
			_, err := w.Write(buf.Bytes())
			return err
		})
	}
	client, err := clients.get(ctx, out.bucket)
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(out.bucket),
		Key:         aws.String(out.key),
		Body:        bytes.NewReader(buf.Bytes()),
		ContentType: aws.String(contentType(out.format)),
	})
	if err != nil {
		return fmt.Errorf("writing %s (needs s3:PutObject): %w", out, err)
	}
	return nil
}

// contentType is the media type of a daily report format.
func contentType(f report.Format) string {
	switch f {
	case report.HTML:
		return "text/html; charset=utf-8"
	case report.JSON:
		return "application/json"
	}
	return "text/markdown; charset=utf-8"
}

// writeFileAtomic writes what write produces to path with atomicfile, so a
// reader never sees half a report, naming the path in errors.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// s3Clients hands out one S3 client per bucket, for the history and the
// report outputs, configured like the s3:// source: the AWS config of the
// command line, path-style with --endpoint-url, and otherwise the bucket's
// own region. A bucket that does not exist is an error at once, before a
// long scan.
type s3Clients struct {
	opts     *sourceOptions
	byBucket map[string]*s3.Client
}

func (c *s3Clients) get(ctx context.Context, bucket string) (*s3.Client, error) {
	if cl := c.byBucket[bucket]; cl != nil {
		return cl, nil
	}
	cl, err := s3ClientFor(ctx, c.opts, bucket)
	if err != nil {
		return nil, err
	}
	if c.byBucket == nil {
		c.byBucket = map[string]*s3.Client{}
	}
	c.byBucket[bucket] = cl
	return cl, nil
}
