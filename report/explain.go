package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/denytrail/denytrail/classify"
)

// Field is one field of a CloudTrail record that the classifier read, for
// the "fields read" part of RenderExplain. Name is a dotted path such as
// requestParameters.bucketName; Value is its text as found in the record.
type Field struct {
	Name, Value string
}

// RenderExplain writes one finding in full as plain text for a terminal
// (denytrail explain): the verdict, the event's key facts, the records of
// its incident (other deliveries, the KMS call S3 made for it), the changes
// before it, every evidence line, the remediation and the fields the
// verdict was based on. Every
// value is passed through termEscape, so each field stays on its own line
// and no control sequence reaches the terminal.
func RenderExplain(w io.Writer, f classify.Finding, fields []Field) error {
	sw := &stickyWriter{w: w}
	line := func(label, value string) {
		if value != "" {
			sw.printf("%-14s%s\n", label, termEscape(value))
		}
	}

	verdict := "layer " + orDash(string(f.Layer)) + ", control " + orDash(string(f.Control)) +
		", confidence " + orDash(string(f.Confidence))
	line("Verdict", verdict)
	line("Event", f.EventID)
	line("Time", timeText(f.EventTime))
	line("Call", actionText(f))
	line("Error", f.ErrorCode)
	line("Message", f.ErrorMessage)
	line("Principal", f.Principal)
	line("  account", f.PrincipalAccount)
	line("Bucket/key", objectText(f))
	line("  account", f.ResourceAccount)
	line("KMS key", f.KMSKey)
	line("Region", f.Region)
	line("Source IP", f.SourceIPAddress)
	line("VPC endpoint", f.VPCEndpointID)
	line("Related", strings.Join(f.Related, ", "))
	line("Delivered to", strings.Join(f.RecipientAccounts, ", "))
	line("Origin", f.Origin)
	line("Pattern", f.Pattern)

	if len(f.Records) > 1 {
		sw.printf("\nIncident: %d records, reported once\n", len(f.Records))
		for _, r := range f.Records {
			role := "the KMS call S3 made for it"
			switch {
			case r.EventID == f.EventID && r.Origin == f.Origin:
				role = "this finding"
			case r.EventSource == f.EventSource && r.EventName == f.EventName:
				role = "another delivery of it"
			}
			sw.printf("  - %s %s %s %s (%s), %s\n", termEscape(orDash(r.EventID)), timeText(r.EventTime),
				termEscape(actionText(r)), termEscape(orDash(r.ErrorCode)), role, termEscape(orDash(r.Origin)))
			if r.ErrorMessage != "" {
				sw.printf("      message: %s\n", termEscape(r.ErrorMessage))
			}
			if r.EventID != f.EventID || r.Origin != f.Origin {
				sw.printf("      alone it reads: %s, confidence %s\n", termEscape(layerText(r)), termEscape(orDash(string(r.Confidence))))
			}
		}
	}

	if len(f.Changes) > 0 {
		sw.printf("\nWhat changed\n")
		for _, c := range f.Changes {
			sw.printf("  - %s\n", termEscape(changeText(c)))
			if c.Detail != "" {
				sw.printf("      %s (event %s)\n", termEscape(c.Detail), termEscape(orDash(c.EventID)))
			}
		}
	}

	sw.printf("\nEvidence\n")
	if len(f.Evidence) == 0 {
		sw.printf("  (none recorded)\n")
	}
	for _, e := range f.Evidence {
		sw.printf("  - %s\n", termEscape(e))
	}

	sw.printf("\nRemediation\n  %s\n", termEscape(orDash(f.Remediation)))

	sw.printf("\nFields read\n")
	if len(fields) == 0 {
		sw.printf("  (none recorded)\n")
	}
	width := 0
	for _, fd := range fields {
		width = min(max(width, utf8.RuneCountInString(termEscape(fd.Name))), 48)
	}
	for _, fd := range fields {
		name := termEscape(fd.Name)
		pad := strings.Repeat(" ", max(0, width-utf8.RuneCountInString(name)))
		sw.printf("  %s%s  %s\n", name, pad, termEscape(fd.Value))
	}
	if sw.err != nil {
		return fmt.Errorf("render explanation of event %q: %w", f.EventID, sw.err)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
