package scan

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/report"
)

// Bounds on the problems a scan names. Beyond them problems are still
// counted exactly, by reason, so that memory, stderr and the report stay
// bounded whatever the input holds.
const (
	// MaxNamedPerInput is how many skipped records of one input are named.
	MaxNamedPerInput = 20
	// MaxNamed is how many skipped inputs and records a scan names in all,
	// and how many notes it keeps.
	MaxNamed = 1000
	// maxReasons bounds the distinct reasons counted; the rest are counted
	// under otherReason.
	maxReasons = 64
	// maxReasonLen bounds the length of a reason counted.
	maxReasonLen = 120
)

const otherReason = "other reasons"

// problems collects the skipped inputs and records and the notes of a scan.
type problems struct {
	mu       sync.Mutex
	named    []report.Problem
	count    int64
	partial  int64
	unnamed  map[string]int64
	notes    []report.Problem
	notesOff int64 // notes beyond MaxNamed
}

// add records a problem of the input or record at o: err says why (a
// leading "input: " is dropped, errors usually name the input already).
// Within the bounds it is named; beyond them only counted. perInput, when
// not nil, counts the problems already named for the input, so that one
// input cannot take the whole allowance.
func (p *problems) add(o ingest.Origin, err error, perInput *int) {
	reason := strings.TrimPrefix(err.Error(), o.Input+": ")
	p.mu.Lock()
	defer p.mu.Unlock()
	name := o.Input
	if errors.Is(err, ingest.ErrNotEventLog) {
		if len(p.notes) < MaxNamed {
			p.notes = append(p.notes, report.Problem{Input: name, Reason: reason})
		} else {
			p.notesOff++
		}
		return
	}
	p.count++
	if len(p.named) < MaxNamed && (perInput == nil || *perInput < MaxNamedPerInput) {
		name = o.String()
		p.named = append(p.named, report.Problem{Input: name, Reason: reason})
		if perInput != nil {
			*perInput++
		}
		return
	}
	if p.unnamed == nil {
		p.unnamed = make(map[string]int64)
	}
	k := reasonKind(reason)
	if _, ok := p.unnamed[k]; !ok && len(p.unnamed) >= maxReasons {
		k = otherReason
	}
	p.unnamed[k]++
}

// partialInput counts an input read in part.
func (p *problems) partialInput() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial++
}

// fill copies the problems into st.
func (p *problems) fill(st *report.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st.Skipped = append(st.Skipped, p.named...)
	st.SkippedCount += p.count
	st.PartialInputs += p.partial
	for k, n := range p.unnamed {
		st.SkippedUnnamed = append(st.SkippedUnnamed, report.ProblemCount{Reason: k, Count: n})
	}
	slices.SortFunc(st.SkippedUnnamed, func(a, b report.ProblemCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	st.Notes = append(st.Notes, p.notes...)
	if p.notesOff > 0 {
		st.Notes = append(st.Notes, report.Problem{Reason: plural(p.notesOff, "more note", "more notes") + " not listed"})
	}
}

// reasonKind is reason without what changes from one record to the next:
// the position ("record 7, byte 1234: "), the detail after the first ": ",
// and numbers, so that the problems beyond the named ones group into a
// few counts.
func reasonKind(reason string) string {
	if strings.HasPrefix(reason, "record ") {
		if i := strings.Index(reason, ", byte "); i >= 0 {
			if j := strings.Index(reason[i:], ": "); j >= 0 {
				reason = reason[i+j+2:]
			}
		}
	}
	if i := strings.Index(reason, ": "); i > 0 {
		reason = reason[:i]
	}
	if len(reason) <= maxReasonLen && !strings.ContainsFunc(reason, isDigit) {
		return reason
	}
	var b strings.Builder
	digits := false
	for _, c := range reason {
		if b.Len() >= maxReasonLen {
			b.WriteString("…")
			break
		}
		if isDigit(c) {
			if !digits {
				b.WriteByte('N')
			}
			digits = true
			continue
		}
		digits = false
		b.WriteRune(c)
	}
	return b.String()
}

func isDigit(c rune) bool { return '0' <= c && c <= '9' }

// plural returns "1 thing" or "n things".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}
