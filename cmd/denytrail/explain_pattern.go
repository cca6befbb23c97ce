package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/demo"
	"github.com/denytrail/denytrail/report"
)

// explainFlags let explain find the findings of one pattern of a scan in
// the same inputs: the pattern ID, the time range and the remote source
// settings of that scan, or the demo archive.
type explainFlags struct {
	pattern string
	demo    bool
	flt     filterFlags
	src     sourceFlags
}

// maxExplained is how many findings of one pattern explain shows in full.
const maxExplained = 20

func (o *explainFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.pattern, "pattern", "", "explain only the findings of pattern `ID` (as scan and demo print it), the first 20 in full")
	f.BoolVar(&o.demo, "demo", false, "read the embedded demo archive instead of FILE arguments")
	f.StringVar(&o.flt.since, "since", "", "keep events at or after `TIME` (as scan; remote sources need a time range)")
	f.StringVar(&o.flt.until, "until", "", "keep events at or before `TIME` (as scan)")
	f.DurationVar(&o.flt.corrWindow, "correlation-window", classify.DefaultWindow, "correlation window, as scan's --correlation-window")
	o.src.register(cmd)
}

// sources returns what explain reads and the scan settings for it.
func (o *explainFlags) sources(cmd *cobra.Command, e *env, args []string) ([]ingest.Source, time.Time, time.Time, error) {
	if o.demo {
		if len(args) > 0 {
			return nil, time.Time{}, time.Time{}, usageError(cmd, "--demo reads the demo archive: give no FILE")
		}
		since, until, err := o.flt.window(demo.Config().Start, false)
		if err != nil {
			return nil, since, until, usageError(cmd, "%v", err)
		}
		return []ingest.Source{ingest.FS(demo.FS(), "demo")}, since, until, nil
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	remote := slices.ContainsFunc(args, isRemote)
	since, until, err := o.flt.window(time.Now().UTC(), remote)
	if err == nil {
		err = o.flt.validate()
	}
	if err != nil {
		return nil, since, until, usageError(cmd, "%v", err)
	}
	srcs, err := openSources(cmd.Context(), e, args, o.src.options(since, until, true))
	return srcs, since, until, err
}

// keep returns the findings explain shows: all, or those of --pattern
// (the first maxExplained), and how many of the pattern it left out.
func (o *explainFlags) keep(fs []classify.Finding) ([]classify.Finding, int) {
	if o.pattern == "" {
		return fs, 0
	}
	var out []classify.Finding
	n := 0
	for _, f := range fs {
		if f.Pattern == o.pattern || (f.Pattern == "" && classify.PatternKey(f) == o.pattern) {
			n++
			if len(out) < maxExplained {
				out = append(out, f)
			}
		}
	}
	return out, n - len(out)
}

// isRemote reports whether a SOURCE argument is read over the network.
func isRemote(arg string) bool {
	return strings.HasPrefix(arg, "s3://") || strings.HasPrefix(arg, "cloudtrail://") || strings.HasPrefix(arg, "athena://")
}

// explainPointer returns the report's Options.Explain for a scan of args
// (or of the demo archive): the explain command line that finds a pattern
// of the report again in the same inputs, time range and settings, every
// word shell-quoted. It returns nil when an input cannot be read again
// (standard input), so that no report points to a command that would not
// work.
func explainPointer(args []string, since, until time.Time, flt *filterFlags, src *sourceFlags, demoArchive bool) func(string) string {
	if slices.Contains(args, "-") {
		return nil
	}
	var tail []string
	if demoArchive {
		tail = append(tail, "--demo")
	}
	if !since.IsZero() {
		tail = append(tail, "--since", since.UTC().Format(time.RFC3339))
	}
	if !until.IsZero() {
		tail = append(tail, "--until", until.UTC().Format(time.RFC3339))
	}
	if flt.corrWindow != classify.DefaultWindow && flt.corrWindow > 0 {
		tail = append(tail, "--correlation-window", flt.corrWindow.String())
	}
	if src != nil {
		if src.profile != "" {
			tail = append(tail, "--profile", src.profile)
		}
		if len(src.regions) > 0 {
			tail = append(tail, "--region", strings.Join(src.regions, ","))
		}
		if len(src.accounts) > 0 {
			tail = append(tail, "--account", strings.Join(src.accounts, ","))
		}
		if src.endpointURL != "" {
			tail = append(tail, "--endpoint-url", src.endpointURL)
		}
		for _, f := range [...]struct{ name, value string }{
			{"--athena-workgroup", src.athena.Workgroup}, {"--athena-output", src.athena.Output}, {"--athena-catalog", src.athena.Catalog},
		} {
			if f.value != "" {
				tail = append(tail, f.name, f.value)
			}
		}
	}
	if slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-") }) {
		tail = append(tail, "--")
	}
	tail = append(tail, args...)
	quoted := make([]string, len(tail))
	for i, w := range tail {
		quoted[i] = shellQuote(w)
	}
	rest := strings.Join(quoted, " ")
	return func(id string) string {
		return "denytrail explain --pattern " + shellQuote(id) + " " + rest
	}
}

// shellQuote returns s as one POSIX shell word: as it is when it holds
// only characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// tableOptions registers --wide and --findings, the terminal report's
// layout flags.
type tableOptions struct {
	wide, findings bool
}

// getenv is lookup as os.Getenv.
func getenv(lookup func(string) (string, bool)) func(string) string {
	return func(k string) string {
		v, _ := lookup(k)
		return v
	}
}

func (o *tableOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.findings, "findings", false, "table format: add the table of findings (the first 50)")
	f.BoolVar(&o.wide, "wide", false, "table format: every pattern and the table of findings, values in full whatever the terminal width")
}

// options lays out the report for w: its width (the terminal's, else
// $COLUMNS, else 100), colour on a terminal unless NO_COLOR is set.
func (o *tableOptions) options(w io.Writer, e *env, explain func(string) string) report.Options {
	return report.Options{
		Width:    report.TerminalWidth(w, getenv(e.lookupEnv)),
		Color:    report.UseColor(w, getenv(e.lookupEnv)),
		Findings: o.findings,
		Wide:     o.wide,
		Explain:  explain,
	}
}

// explainMore says how many findings of the pattern explain left out.
func explainMore(w io.Writer, pattern string, n int) {
	if n > 0 {
		fmt.Fprintf(w, "\n... and %d more findings of pattern %s, not shown (scan --format ndjson lists every finding with its pattern)\n", n, report.Terminal(pattern))
	}
}
