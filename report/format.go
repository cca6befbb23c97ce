package report

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// Format is an output format of Render.
type Format string

// The output formats.
const (
	// Table is a terminal report: header, summary, findings, skipped inputs.
	Table Format = "table"
	// JSON is one indented document {"summary", "patterns", "stats", "findings"}.
	JSON Format = "json"
	// NDJSON is one finding per line and nothing else.
	NDJSON Format = "ndjson"
	// CSV is a header row and one row per finding, columns in Finding key order.
	CSV Format = "csv"
	// Markdown is a report to paste into a ticket or wiki (GitHub-flavoured).
	Markdown Format = "markdown"
	// OCSF is one OCSF Detection Finding (class 2004) per pattern and line,
	// for a SIEM or Security Lake.
	OCSF Format = "ocsf"
	// ASFF is a JSON array of AWS Security Finding Format documents, one per
	// pattern, for Security Hub.
	ASFF Format = "asff"
)

// Formats lists the output formats, the default first.
func Formats() []Format {
	return []Format{Table, JSON, NDJSON, CSV, Markdown, OCSF, ASFF}
}

// ParseFormat returns the format named s (case-insensitive; empty means
// Table), or an error listing the valid names.
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "" {
		return Table, nil
	}
	for _, f := range Formats() {
		if string(f) == name {
			return f, nil
		}
	}
	return "", unknownFormat(s)
}

func unknownFormat(s string) error {
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return fmt.Errorf("unknown output format %q (valid: %s)", s, strings.Join(names, ", "))
}

// Render writes r to w in format f (the empty Format is Table) with the
// default Options: DefaultWidth columns, no colour, no findings table. It
// returns the first write error, naming the format.
func Render(w io.Writer, f Format, r *Report) error {
	return RenderOptions(w, f, r, Options{})
}

// RenderOptions is Render laid out as o says.
func RenderOptions(w io.Writer, f Format, r *Report, o Options) error {
	return RenderAll(w, f, r, o, nil)
}

// RenderAll is RenderOptions for a report whose findings are too many to
// hold: NDJSON, CSV and the findings of JSON are those all yields, in
// order (a scan reads them back from disk), rather than r.Findings, a
// sample; the other formats render r alone. A nil all means r.Findings.
// An error from all stops the rendering and is returned.
func RenderAll(w io.Writer, f Format, r *Report, o Options, all iter.Seq2[classify.Finding, error]) error {
	if r == nil {
		return errors.New("render report: nil report")
	}
	if r.Summary.Findings != len(r.Findings)+r.Omitted {
		// Built without New: aggregate here rather than print a summary
		// that contradicts the rows.
		c := *r
		c.Summary = Summarize(r.Findings)
		r = &c
	}
	if all == nil {
		all = func(yield func(classify.Finding, error) bool) {
			for _, f := range r.Findings {
				if !yield(f, nil) {
					return
				}
			}
		}
	}
	sw := &stickyWriter{w: w}
	var err error
	switch f {
	case Table, "":
		f = Table
		renderTable(sw, r, o)
	case JSON:
		err = renderJSON(sw, r, all)
	case NDJSON:
		err = renderNDJSON(sw, all)
	case CSV:
		err = renderCSV(sw, all)
	case Markdown:
		renderMarkdown(sw, r, o)
	case OCSF:
		err = renderOCSF(sw, r)
	case ASFF:
		err = renderASFF(sw, r)
	default:
		return fmt.Errorf("render report: %w", unknownFormat(string(f)))
	}
	if sw.err != nil && err == nil {
		err = sw.err
	}
	if err != nil {
		return fmt.Errorf("render %s report: %w", f, err)
	}
	return nil
}

// stickyWriter remembers the first write error and drops everything after
// it, so renderers can print freely and check once at the end.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	s.err = err
	return n, err
}

func (s *stickyWriter) printf(format string, args ...any) {
	fmt.Fprintf(s, format, args...)
}

// flushAt is how much the renderers that list every finding gather before
// they write: a scan's output goes out in few writes, not one a finding.
const flushAt = 64 << 10

// flushFull writes b to w once it holds flushAt, and returns what is left
// to fill.
func flushFull(w *stickyWriter, b []byte) []byte {
	if len(b) < flushAt {
		return b
	}
	w.Write(b)
	return b[:0]
}

// The helpers below compute display values shared by the human formats;
// they return raw strings that the caller escapes for its format.

// timeText is t in UTC to the second, or "-" when t is zero.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// windowText describes the scanned time window.
func windowText(st Stats) string {
	switch {
	case st.Since.IsZero() && st.Until.IsZero():
		return "all event times"
	case st.Until.IsZero():
		return "from " + timeText(st.Since)
	case st.Since.IsZero():
		return "until " + timeText(st.Until)
	}
	return timeText(st.Since) + " to " + timeText(st.Until)
}

// actionText is the IAM-style action of a finding, e.g. s3:PutObject.
func actionText(f classify.Finding) string {
	svc, _, _ := strings.Cut(f.EventSource, ".")
	switch {
	case svc == "":
		return f.EventName
	case f.EventName == "":
		return svc
	}
	return svc + ":" + f.EventName
}

// objectText is bucket/key, the bucket alone, or "".
func objectText(f classify.Finding) string {
	if f.Bucket == "" || f.Key == "" {
		return f.Bucket
	}
	return f.Bucket + "/" + f.Key
}

// resourceText is the resource a reader most needs for a finding's layer:
// the KMS key for the kms layer when known, else bucket/key, else the KMS key.
func resourceText(f classify.Finding) string {
	if f.KMSKey != "" && (f.Layer == classify.LayerKMS || f.Bucket == "") {
		return f.KMSKey
	}
	return objectText(f)
}

// changeText describes a change in one line: what, on what, when, by whom,
// and how it relates to the finding, e.g. "PutBucketPolicy on reports at
// 2026-11-26T10:40:00Z by arn:aws:iam::111122223333:user/admin, 2m0s
// before the first denial".
func changeText(c classify.Change) string {
	s := c.EventName
	if c.Target != "" {
		s += " on " + c.Target
	}
	s += " at " + timeText(c.EventTime)
	if c.Principal != "" {
		s += " by " + c.Principal
	}
	switch c.Relation {
	case classify.ChangeBefore:
		if c.Lead != "" {
			s += ", " + c.Lead + " before the first denial"
		}
	case classify.ChangeStopped:
		s += "; the denials stopped after it"
		if c.Lead != "" {
			s += " (the last " + c.Lead + " later)"
		}
	}
	return s
}

// sampleText says that a report lists a sample of its findings.
func sampleText(r *Report) string {
	return fmt.Sprintf("Listed: %d of the %d findings, the first of each pattern and of each retried call (identical retries collapsed); --format ndjson or csv lists every one.",
		len(r.Findings), r.Summary.Findings)
}

// layerText is layer/control, e.g. kms/kms-key-policy.
func layerText(f classify.Finding) string {
	switch {
	case f.Control == "":
		return string(f.Layer)
	case f.Layer == "":
		return string(f.Control)
	}
	return string(f.Layer) + "/" + string(f.Control)
}

// warnings lists what a reader must know about the coverage of the scan.
func warnings(r *Report) []string {
	if r.Stats.S3DataEvents {
		return nil
	}
	for _, f := range r.Findings {
		if f.EventSource == "s3.amazonaws.com" {
			return nil
		}
	}
	w := "no S3 data events seen: the trail probably does not log them, so PutObject denials cannot appear"
	for _, src := range r.Stats.Sources {
		if strings.HasPrefix(src, "cloudtrail://") {
			w += " (the CloudTrail LookupEvents API never returns data events)"
			break
		}
	}
	return []string{w}
}

// HumanBytes formats n as a short size with a binary unit (1.5 MiB).
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// plural returns "1 thing" or "n things".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// layerAbout explains what a layer means, for the markdown report.
func layerAbout(l classify.Layer) string {
	switch l {
	case classify.LayerIAM:
		return "The caller's own identity-based policies (user, group or role) do not allow the action, or explicitly deny it."
	case classify.LayerBucketPolicy:
		return "The bucket (or access point) policy denies the request or does not grant it to this principal; this also covers buckets that block SSE-C uploads."
	case classify.LayerKMS:
		return "The KMS key behind SSE-KMS refused the call: the key policy or the caller's kms: permissions do not allow it, or the key is disabled, pending deletion, missing or in another Region."
	case classify.LayerOrgControls:
		return "An organizational guardrail blocked the call regardless of the policies that allow it: a service or resource control policy, a permissions boundary or a session policy."
	case classify.LayerACL:
		return "Object ownership and ACL rules: ACLs disabled on the bucket, a missing bucket-owner-full-control canned ACL on a cross-account upload, or S3 Block Public Access."
	case classify.LayerNetwork:
		return "A VPC endpoint policy refused the request. S3 and KMS usually do not log requests denied this way at all, so absence of findings here proves little."
	case classify.LayerCredentials:
		return "The caller's credentials were expired or invalid, so no policy was evaluated."
	case classify.LayerUnknown:
		return "Nothing in the event points to a layer; the remediation says what would settle it."
	case classify.LayerOther:
		return "Failures that are not denials (a missing bucket, a wrong key type, a malformed request)."
	}
	return "A layer this version of denytrail does not describe."
}
