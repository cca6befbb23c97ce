package report

import (
	"fmt"
	"strings"
)

// skippedCount is how many inputs and records a scan skipped, named or
// only counted.
func skippedCount(st Stats) int64 {
	return max(st.SkippedCount, int64(len(st.Skipped)))
}

// skippedText says how much a scan skipped, for the summary lines: "N
// inputs or records (" and skippedDetail. It is "" when nothing was
// skipped. The caller escapes it.
func skippedText(st Stats) string {
	n := skippedCount(st)
	if n == 0 {
		return ""
	}
	return plural(n, "input or record", "inputs or records") + " (" + skippedDetail(st) + ")"
}

// skippedDetail says which of the skipped are listed, the reasons of
// those that are not, and how many inputs were read in part.
func skippedDetail(st Stats) string {
	s := "listed below"
	if len(st.SkippedUnnamed) > 0 {
		reasons := make([]string, len(st.SkippedUnnamed))
		for i, c := range st.SkippedUnnamed {
			reasons[i] = fmt.Sprintf("%d %s", c.Count, c.Reason)
		}
		s = fmt.Sprintf("the first %d listed below, the rest by reason: %s", len(st.Skipped), strings.Join(reasons, ", "))
	}
	if st.PartialInputs > 0 {
		s += fmt.Sprintf("; %s read in part, the records before the error kept", plural(st.PartialInputs, "input", "inputs"))
	}
	return s
}
