package report

import (
	"iter"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// renderCSV writes a header row and one row per finding, as encoding/csv
// writes them (appendCSVRecord); csvCell defuses spreadsheet formulas.
func renderCSV(w *stickyWriter, all iter.Seq2[classify.Finding, error]) error {
	cols := csvColumns()
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = c.name
	}
	b := appendCSVRecord(nil, row)
	for f, err := range all {
		if err != nil {
			w.Write(b)
			return err
		}
		for j, c := range cols {
			row[j] = csvCell(c.value(&f))
		}
		b = flushFull(w, appendCSVRecord(b, row))
	}
	w.Write(b)
	return nil
}

// appendCSVRecord appends fields as one record, as encoding/csv's Writer
// (comma, LF) writes it: a field is quoted, its quotes doubled, when it
// holds a comma, quote, CR or LF, is \., or begins with a space; the tests
// hold it to the Writer.
func appendCSVRecord(b []byte, fields []string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		if !csvQuoted(f) {
			b = append(b, f...)
			continue
		}
		b = append(b, '"')
		for {
			j := strings.IndexByte(f, '"')
			if j < 0 {
				break
			}
			b = append(append(b, f[:j+1]...), '"')
			f = f[j+1:]
		}
		b = append(append(b, f...), '"')
	}
	return append(b, '\n')
}

// csvSpecial reports whether f holds a comma, quote, CR or LF: byte by
// byte when short, else with IndexByte's vector search, which is faster
// four times over a cell of more than a few words than one byte loop.
func csvSpecial(f string) bool {
	if len(f) < 32 {
		for i := 0; i < len(f); i++ {
			switch f[i] {
			case ',', '"', '\r', '\n':
				return true
			}
		}
		return false
	}
	return strings.IndexByte(f, ',') >= 0 || strings.IndexByte(f, '"') >= 0 ||
		strings.IndexByte(f, '\n') >= 0 || strings.IndexByte(f, '\r') >= 0
}

// csvQuoted is encoding/csv's fieldNeedsQuotes for a comma.
func csvQuoted(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` || csvSpecial(f) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}
