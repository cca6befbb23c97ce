package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/report"
	"github.com/denytrail/denytrail/scan"
	"github.com/denytrail/denytrail/suppress"
)

// outputFlags are shared by scan and demo.
type outputFlags struct {
	format         string // -o/--output (--format, -f)
	file           string // --output-file
	failOnFindings bool
	progress       string
	securityHub    bool // --securityhub: import the findings into Security Hub
	// awsConfig loads the configuration for --securityhub; nil means the
	// SDK's default chain.
	awsConfig func(context.Context) (aws.Config, error)
	table     tableOptions
}

func (o *outputFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.format, "output", "o", "table", "output `FORMAT`: "+formatNames())
	alias(f, "format", "f", "output", false)
	f.StringVar(&o.file, "output-file", "", "write the report to `FILE` (atomically; its folder must exist) instead of stdout")
	f.BoolVar(&o.failOnFindings, "fail-on-findings", false, "exit 3 when there are findings (and every input was read)")
	f.StringVar(&o.progress, "progress", "auto", "progress line on stderr: auto (only on a terminal), always, never")
	f.BoolVar(&o.securityHub, "securityhub", false, "also import the findings into AWS Security Hub (ASFF, one per pattern, updated on re-runs; needs securityhub:BatchImportFindings)")
	cmd.RegisterFlagCompletionFunc("output", fixedCompletion(formatNames()))
	cmd.RegisterFlagCompletionFunc("progress", fixedCompletion("auto, always, never"))
	o.table.register(cmd)
}

// parse validates the output flags, the output file included, before any
// work is done, and returns the format.
func (o *outputFlags) parse() (report.Format, error) {
	format, err := parseOutputFormat(o.format, report.ParseFormat, formatNames())
	if err != nil {
		return "", err
	}
	if err := checkProgress(o.progress); err != nil {
		return "", err
	}
	return format, checkOutputFile(o.file)
}

// engineFlags say which events count and how they are read and joined;
// scan, demo and report share them.
type engineFlags struct {
	allFailures bool
	workers     int
	corrWindow  time.Duration
	suppress    string        // --suppress FILE
	rules       *suppress.Set // its rules, read by validate
}

func (o *engineFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.allFailures, "all-failures", false, "keep every failed call, not only the PutObject family and KMS")
	f.IntVar(&o.workers, "workers", 0, "inputs read in parallel (default: the number of CPUs)")
	f.DurationVar(&o.corrWindow, "correlation-window", classify.DefaultWindow, "how far apart in event time a denied upload and the KMS call S3 made for it may be to count as one incident (not the time range: see --since/--until)")
	alias(f, "window", "", "correlation-window", true)
	f.StringVar(&o.suppress, "suppress", "", "mute the accepted denials that the rules in `FILE` (or s3://BUCKET/KEY) match (YAML; each rule has a reason and an expiry date; see the README)")
}

// validate checks the flags that need no clock.
func (o *engineFlags) validate() error {
	if o.corrWindow <= 0 {
		return fmt.Errorf("--correlation-window %s: want a positive duration, e.g. 2m", o.corrWindow)
	}
	if o.suppress != "" && o.rules == nil && !strings.HasPrefix(o.suppress, "s3://") {
		rules, err := suppress.Load(o.suppress)
		if err != nil {
			return fmt.Errorf("--suppress: %w", err)
		}
		o.rules = rules
	}
	return checkWorkers(o.workers)
}

// config is the scan configuration for events in [since, until].
func (o *engineFlags) config(since, until time.Time) scan.Config {
	var m *suppress.Matcher
	if o.rules != nil {
		m = o.rules.Matcher(time.Now())
	}
	return scan.Config{
		Suppress: m,
		Filter:   classify.Filter{AllFailures: o.allFailures},
		Since:    since,
		Until:    until,
		Workers:  o.workers,
		Window:   o.corrWindow,
	}
}

// filterFlags are engineFlags and the time window of scan and demo.
type filterFlags struct {
	engineFlags
	since, until string
}

func (o *filterFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.since, "since", "", "keep events at or after `TIME`: RFC 3339, a date (2026-11-26), today, yesterday, or a duration back from now (24h, 7d)")
	f.StringVar(&o.until, "until", "", "keep events at or before `TIME` (a date means the end of that day, UTC)")
	o.engineFlags.register(cmd)
}

// sourceHelp says what SOURCE can be, for a command line that names none.
const sourceHelp = "a FILE or FOLDER of CloudTrail logs, - for standard input, s3://BUCKET[/PREFIX], or cloudtrail://REGION[,REGION...]|all"

// needSources is the Args check of commands that read SOURCE...
func needSources(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return usageError(cmd, "no SOURCE given: name %s", sourceHelp)
	}
	return nil
}

func formatNames() string {
	var names []string
	for _, f := range report.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

func newScanCmd(e *env) *cobra.Command {
	var (
		out outputFlags
		flt filterFlags
	)
	src := sourceFlags{env: e}
	cmd := &cobra.Command{
		Use:   "scan [flags] SOURCE...",
		Short: "Scan CloudTrail records for denied uploads and KMS calls",
		Long: `Scan reads CloudTrail records from each SOURCE and reports every failed
PutObject-family call (PutObject, CopyObject, CreateMultipartUpload,
UploadPart, UploadPartCopy, CompleteMultipartUpload) and every failed KMS
call, each with the layer that most likely denied it.

SOURCE is one of:
  FILE or FOLDER          CloudTrail log files (.json, .json.gz, NDJSON, arrays,
                          lookup-events output), folders read recursively
  -                       standard input
  s3://BUCKET[/PREFIX]    a CloudTrail log archive in S3 (account or organization trail)
  cloudtrail://REGION[,REGION...]|all
                          the CloudTrail LookupEvents API (management events only:
                          finds KMS denials, never PutObject denials)

Remote sources read the last 24 hours unless --since/--until say otherwise.
Every flag can also be set by an environment variable: DENYTRAIL_ and the
flag's name in capitals, - as _ (DENYTRAIL_OUTPUT=json, DENYTRAIL_PROFILE);
a flag on the command line wins.

` + exitCodesHelp,
		Example: indent(`
# An auditor with a folder of downloaded logs:
denytrail scan ./logs
denytrail scan --since 2026-11-01 --until 2026-11-07 -o markdown --output-file denials.md ./logs

# A week of an organization trail in S3:
denytrail scan --since 7d s3://org-trail-logs/AWSLogs/o-abc123defg/

# A scheduled job: JSON for machines, exit 3 on findings, 2 when inputs were skipped:
denytrail scan --since yesterday -o json --output-file report.json --fail-on-findings s3://trail-bucket

# KMS denials from the API in two regions:
denytrail scan --since 12h cloudtrail://us-east-1,eu-west-1`),
		Args: needSources,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, e, args, &out, &flt, &src)
		},
	}
	out.register(cmd)
	flt.register(cmd)
	src.register(cmd)
	src.verify.register(cmd)
	return cmd
}

// sourceFlags configure remote sources.
type sourceFlags struct {
	env         *env // when set, told the profile and region, for error hints
	profile     string
	regions     []string
	accounts    []string
	endpointURL string
	athena      athenaFlags
	net         netFlags
	verify      verifyFlags // registered by scan and report only
}

// options are the remote sources' settings for events in [since, until].
func (o *sourceFlags) options(since, until time.Time, allFailures bool) *sourceOptions {
	if o.env != nil {
		o.env.profile = o.profile
		if len(o.regions) > 0 {
			o.env.region = o.regions[0]
		}
	}
	return &sourceOptions{
		Profile:     o.profile,
		Regions:     o.regions,
		Accounts:    o.accounts,
		EndpointURL: o.endpointURL,
		Since:       since,
		Until:       until,
		AllFailures: allFailures,
		Athena:      o.athena,
		Net:         o.net,
	}
}

// validate checks the source flags that need no network.
func (o *sourceFlags) validate() error {
	if err := checkRegions(o.regions); err != nil {
		return err
	}
	return checkAccounts(o.accounts)
}

func (o *sourceFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", "", "AWS shared config `PROFILE` (default: the SDK's usual chain)")
	f.StringSliceVar(&o.regions, "region", nil, "regions to read (repeatable or comma list): s3:// log folders, or cloudtrail:// when the URL names none (default: discover)")
	f.StringSliceVar(&o.accounts, "account", nil, "accounts to read in an s3:// archive (repeatable or comma list; default: discover)")
	f.StringVar(&o.endpointURL, "endpoint-url", "", "send AWS requests to `URL` (S3-compatible stores, tests); S3 uses path-style addressing")
	o.athena.register(cmd)
	o.net.register(cmd)
}

// window turns --since/--until into times; remote sources default to the
// last 24 hours.
func (o *filterFlags) window(now time.Time, remote bool) (since, until time.Time, err error) {
	if o.since != "" {
		if since, err = parseTime(o.since, now, false); err != nil {
			return since, until, fmt.Errorf("--since: %w", err)
		}
	}
	if o.until != "" {
		if until, err = parseTime(o.until, now, true); err != nil {
			return since, until, fmt.Errorf("--until: %w", err)
		}
	}
	if remote && since.IsZero() {
		since = now.Add(-24 * time.Hour)
		if !until.IsZero() {
			since = until.Add(-24 * time.Hour)
		}
	}
	if remote && until.IsZero() {
		until = now
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		return since, until, fmt.Errorf("--until %s is before --since %s", until.Format(time.RFC3339), since.Format(time.RFC3339))
	}
	return since, until, nil
}

func runScan(cmd *cobra.Command, e *env, args []string, out *outputFlags, flt *filterFlags, src *sourceFlags) error {
	ctx, cancel := src.net.withDeadline(cmd.Context())
	defer cancel()
	format, err := out.parse()
	if err == nil {
		err = src.validate()
	}
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	remote := false
	for _, a := range args {
		remote = remote || strings.HasPrefix(a, "s3://") || strings.HasPrefix(a, "cloudtrail://") || strings.HasPrefix(a, "athena://")
	}
	since, until, err := flt.window(time.Now().UTC(), remote)
	if err == nil {
		err = flt.validate()
	}
	if err == nil {
		err = src.verify.validate()
	}
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	opts := src.options(since, until, flt.allFailures)
	opts.Debug = e.debugWriter()
	out.awsConfig = func(ctx context.Context) (aws.Config, error) { return loadAWSConfig(ctx, opts) }
	if err := flt.loadSuppressions(ctx, &s3Clients{opts: opts}); err != nil {
		return err
	}
	sources, err := openSources(ctx, e, args, opts)
	if err != nil {
		return err
	}
	cfg := flt.config(since, until)
	src.verify.apply(&cfg, opts)
	return scanAndReport(ctx, e, cfg, sources, format, out,
		explainPointer(args, since, until, flt, src, false))
}

// openSources maps every SOURCE argument to a source; a bad one is exit 1.
func openSources(ctx context.Context, e *env, args []string, o *sourceOptions) ([]ingest.Source, error) {
	var sources []ingest.Source
	for _, a := range args {
		s, err := openSource(ctx, e, a, o)
		if err != nil {
			return nil, &exitError{code: exitFailure, err: err}
		}
		sources = append(sources, s)
	}
	return sources, nil
}

// openSource maps one SOURCE argument to a source.
func openSource(ctx context.Context, e *env, arg string, o *sourceOptions) (ingest.Source, error) {
	switch {
	case arg == "-":
		stdinPrompt(e)
		return ingest.Stdin(e.stdin), nil // it stops a blocked read when ctx ends
	case strings.HasPrefix(arg, "s3://"):
		bucket, prefix, err := ingest.ParseS3URL(arg)
		if err != nil {
			return nil, err
		}
		return newS3Source(ctx, bucket, prefix, o)
	case strings.HasPrefix(arg, "cloudtrail://"):
		var regions []string
		for _, r := range strings.Split(strings.Trim(strings.TrimPrefix(arg, "cloudtrail://"), "/"), ",") {
			if r = strings.TrimSpace(r); r != "" {
				regions = append(regions, r)
			}
		}
		if len(regions) == 0 {
			regions = o.Regions
		}
		return newCloudTrailSource(ctx, regions, o)
	case strings.HasPrefix(arg, "athena://"):
		o.Stderr = e.stderr
		return newAthenaSource(ctx, arg, o)
	case strings.Contains(arg, "://"):
		return nil, fmt.Errorf("%s: unknown source scheme (want a path, -, s3://, cloudtrail:// or athena://)", arg)
	default:
		return folderSource{ingest.Path(arg), arg}, nil
	}
}

// runPipeline runs a scan with the progress line, names on stderr every
// input it skipped and every note, and fails (exit 1) when nothing could
// be read at all, or when the sources offered nothing to read.
func runPipeline(ctx context.Context, e *env, cfg scan.Config, sources []ingest.Source, progress string) (*scan.Result, error) {
	counters := new(scan.Counters)
	cfg.Counters = counters
	start := time.Now()
	stopProgress := startProgress(e.stderr, progress, counters, sources)
	res, err := scan.Run(ctx, cfg, sources)
	stopProgress()
	if err != nil {
		return nil, &exitError{code: exitFailure, err: err}
	}
	ok := false
	defer func() {
		if !ok {
			res.Close()
		}
	}()
	for _, p := range res.Stats.Skipped {
		if res.Interrupted && (strings.HasSuffix(p.Reason, context.Canceled.Error()) || strings.HasSuffix(p.Reason, context.DeadlineExceeded.Error())) {
			continue // cut short by the interrupt or --deadline, which is said once
		}
		if e.debug {
			fmt.Fprintf(e.stderr, "denytrail: debug: skipped in full: %s: %s\n", report.Terminal(p.Input), report.Terminal(p.Reason))
		}
		fmt.Fprintf(e.stderr, "denytrail: skipped %s: %s\n", report.Terminal(p.Input), report.Terminal(explain(p.Reason, e.awsContextOf())))
	}
	for _, c := range res.Stats.SkippedUnnamed {
		fmt.Fprintf(e.stderr, "denytrail: skipped %d more, not named: %s\n", c.Count, report.Terminal(c.Reason))
	}
	for _, p := range res.Stats.Notes {
		e.notef("%s: %s", report.Terminal(p.Input), report.Terminal(p.Reason))
	}
	if e.verbose {
		st := res.Stats
		fmt.Fprintf(e.stderr, "denytrail: read %s (%.1f MiB), %s, %s kept, in %s\n",
			countOf(int(st.Inputs), "input", "inputs"), float64(st.Bytes)/(1<<20), countOf(int(st.Records), "record", "records"),
			countOf(int(st.Failed), "failed call", "failed calls"), time.Since(start).Round(time.Millisecond))
	}
	switch {
	case res.Interrupted:
		// the partial report is written; the caller exits 130
	case res.Unreadable:
		return nil, &exitError{code: exitFailure, err: errors.New("no input could be read")}
	case counters.Listed.Load() == 0 && res.Stats.SkippedCount == 0 && !res.Interrupted && !anyAPI(sources):
		return nil, &exitError{code: exitFailure, err: noInputError(sources, cfg.Since, cfg.Until)}
	}
	ok = true
	return res, nil // the caller closes it
}

// anyAPI reports whether one of sources is the LookupEvents API, where an
// answer with no events is an answer, not a missing input.
func anyAPI(sources []ingest.Source) bool {
	for _, s := range sources {
		if _, ok := s.(regionProgresser); ok {
			return true
		}
	}
	return false
}

// noInputError says what was looked for when the sources offered nothing
// to read: an empty folder, an S3 archive with no files in the time range.
func noInputError(sources []ingest.Source, since, until time.Time) error {
	var names []string
	for _, s := range sources {
		names = append(names, report.Terminal(s.String()))
	}
	msg := "found no CloudTrail log files in " + strings.Join(names, ", ")
	switch {
	case !since.IsZero() && !until.IsZero():
		msg += fmt.Sprintf(" for the time range %s to %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	case !since.IsZero():
		msg += " since " + since.Format(time.RFC3339)
	case !until.IsZero():
		msg += " until " + until.Format(time.RFC3339)
	}
	return errors.New(msg)
}

// scanAndReport runs the scan, writes the report and decides the exit code.
// explain is the report's pointer to explain (Options.Explain).
func scanAndReport(ctx context.Context, e *env, cfg scan.Config, sources []ingest.Source, format report.Format, out *outputFlags, explain func(string) string) error {
	cfg.KeepAll = listsEvery(format)
	res, err := runPipeline(ctx, e, cfg, sources, out.progress)
	if err != nil {
		return err
	}
	defer res.Close()
	if err := writeReport(e, out.file, format, res, out.table, explain); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	var delivery error
	if out.securityHub && !res.Interrupted {
		delivery = out.sendToSecurityHub(ctx, e, res.Report)
	}
	tampered := integrityFailed(e, res.Stats.Integrity)
	switch {
	case res.Interrupted && deadlineReached(ctx):
		fmt.Fprintln(e.stderr, "denytrail: --deadline reached: the report covers only what was read")
		return &exitError{code: exitSkipped}
	case res.Interrupted:
		fmt.Fprintln(e.stderr, "denytrail: interrupted: the report covers only what was read")
		return &exitError{code: exitInterrupted}
	case tampered:
		if delivery != nil {
			fmt.Fprintf(e.stderr, "denytrail: %v\n", delivery)
		}
		return &exitError{code: exitIntegrity}
	case res.Stats.SkippedCount > 0:
		if delivery != nil {
			fmt.Fprintf(e.stderr, "denytrail: %v\n", delivery)
		}
		fmt.Fprintf(e.stderr, "denytrail: %d input(s) or record(s) could not be read\n", res.Stats.SkippedCount)
		return &exitError{code: exitSkipped}
	case delivery != nil:
		return delivery
	case out.failOnFindings && res.Report.Summary.Findings > 0:
		return &exitError{code: exitFindings}
	}
	return nil
}

// listsEvery reports whether a format lists every finding, which the scan
// must then keep on disk (the others render patterns and a sample).
func listsEvery(f report.Format) bool {
	return f == report.JSON || f == report.NDJSON || f == report.CSV
}

// writeReport renders to stdout, or to path with writeFileAtomic, laid
// out for where it goes (see tableOptions.options); the formats that list
// every finding stream them from the scan.
func writeReport(e *env, path string, format report.Format, res *scan.Result, t tableOptions, explain func(string) string) error {
	render := func(w io.Writer) error {
		var all iter.Seq2[classify.Finding, error]
		if listsEvery(format) {
			all = res.All()
		}
		return report.RenderAll(w, format, res.Report, t.options(w, e, explain), all)
	}
	if path == "" || path == "-" {
		return render(e.stdout)
	}
	return writeFileAtomic(path, render)
}
