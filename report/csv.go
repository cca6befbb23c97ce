package report

import (
	"encoding/csv"
	"iter"
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// csvColumn is one CSV column: its header (the Finding's JSON key) and how
// to read it from a finding.
type csvColumn struct {
	name  string
	value func(f *classify.Finding) string
}

// csvColumns lists the CSV columns in Finding key order (DESIGN.md §1); a
// test holds it to the JSON keys of classify.Finding.
func csvColumns() []csvColumn {
	return []csvColumn{
		{"eventID", func(f *classify.Finding) string { return f.EventID }},
		{"eventTime", func(f *classify.Finding) string {
			if f.EventTime.IsZero() {
				return ""
			}
			return f.EventTime.Format(time.RFC3339Nano)
		}},
		{"eventSource", func(f *classify.Finding) string { return f.EventSource }},
		{"eventName", func(f *classify.Finding) string { return f.EventName }},
		{"errorCode", func(f *classify.Finding) string { return f.ErrorCode }},
		{"errorMessage", func(f *classify.Finding) string { return f.ErrorMessage }},
		{"principal", func(f *classify.Finding) string { return f.Principal }},
		{"principalAccount", func(f *classify.Finding) string { return f.PrincipalAccount }},
		{"resourceAccount", func(f *classify.Finding) string { return f.ResourceAccount }},
		{"region", func(f *classify.Finding) string { return f.Region }},
		{"bucket", func(f *classify.Finding) string { return f.Bucket }},
		{"key", func(f *classify.Finding) string { return f.Key }},
		{"kmsKey", func(f *classify.Finding) string { return f.KMSKey }},
		{"sourceIPAddress", func(f *classify.Finding) string { return f.SourceIPAddress }},
		{"vpcEndpointId", func(f *classify.Finding) string { return f.VPCEndpointID }},
		{"layer", func(f *classify.Finding) string { return string(f.Layer) }},
		{"control", func(f *classify.Finding) string { return string(f.Control) }},
		{"confidence", func(f *classify.Finding) string { return string(f.Confidence) }},
		{"evidence", func(f *classify.Finding) string { return strings.Join(f.Evidence, "; ") }},
		{"remediation", func(f *classify.Finding) string { return f.Remediation }},
		{"cause", func(f *classify.Finding) string { return f.Cause }},
		{"commands", func(f *classify.Finding) string {
			lines := make([]string, len(f.Commands))
			for i, c := range f.Commands {
				lines[i] = c.Line
			}
			return strings.Join(lines, "\n")
		}},
		{"related", func(f *classify.Finding) string { return strings.Join(f.Related, "; ") }},
		{"origin", func(f *classify.Finding) string { return f.Origin }},
		{"action", func(f *classify.Finding) string { return f.Action }},
		{"role", func(f *classify.Finding) string { return f.Role }},
		{"recipientAccounts", func(f *classify.Finding) string { return strings.Join(f.RecipientAccounts, "; ") }},
		{"changes", func(f *classify.Finding) string {
			parts := make([]string, len(f.Changes))
			for i, c := range f.Changes {
				parts[i] = changeText(c)
			}
			return strings.Join(parts, "; ")
		}},
		{"pattern", func(f *classify.Finding) string { return f.Pattern }},
		{"integrity", func(f *classify.Finding) string {
			switch {
			case f.Integrity == nil:
				return ""
			case f.Integrity.Reason == "":
				return f.Integrity.Status
			}
			return f.Integrity.Status + ": " + f.Integrity.Reason
		}},
	}
}

// renderCSV writes a header row and one row per finding. encoding/csv
// quotes; csvCell defuses spreadsheet formulas.
func renderCSV(w *stickyWriter, all iter.Seq2[classify.Finding, error]) error {
	cols := csvColumns()
	cw := csv.NewWriter(w)
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = c.name
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	for f, err := range all {
		if err != nil {
			return err
		}
		for j, c := range cols {
			row[j] = csvCell(c.value(&f))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
