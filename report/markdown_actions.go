package report

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/denytrail/denytrail/classify"
)

// maxActions is how many patterns a Markdown report details with their
// cause and commands; the rest are counted, and listed in the tables.
const maxActions = 20

// markdownActions writes what to do about each pattern, the first
// maxActions of ps: a heading (layer/control, count), who did what on
// what, the cause, the change before it, every command in a fenced code
// block (copyable as it is: no escaping inside) and the pointer to
// explain. more says where the patterns left out are.
func markdownActions(w *stickyWriter, ps []classify.Pattern, notes map[string]patternNote, o Options, more string) {
	for i, p := range ps {
		if i == maxActions {
			w.printf("%s\n\n", mdEscape("... and "+plural(int64(len(ps)-maxActions), "more pattern", "more patterns")+" not detailed here: "+more))
			break
		}
		n := notes[p.ID]
		w.printf("### %d. %s: %s\n\n", i+1, mdEscape(patternLayer(p)), plural(int64(p.Count), "finding", "findings"))
		w.printf("%s · %s · %s", mdEscape(principalName(p.Principal)), mdEscape(orDash(p.Action)), mdEscape(resourceName(p.Resource)))
		if n.confidence != "" {
			w.printf(" · confidence %s", mdEscape(string(n.confidence)))
		}
		w.printf(" · pattern %s\n\n", mdEscape(p.ID))
		if cause := cmp.Or(p.Cause, n.cause); cause != "" {
			w.printf("**Cause:** %s\n\n", mdEscape(cause))
		}
		if n.before != "" {
			w.printf("**Changed before:** %s\n\n", mdEscape(n.before))
		}
		if n.stopped != "" {
			w.printf("**Stopped after:** %s\n\n", mdEscape(n.stopped))
		}
		for _, c := range p.Commands {
			if c.Line == "" {
				continue
			}
			w.printf("%s\n\n", commandLabel(c, mdEscape))
			mdCodeBlock(w, termEscape(c.Line))
		}
		if o.Explain != nil {
			if line := o.Explain(p.ID); line != "" {
				w.printf("Full story: %s\n\n", mdCodeSpan(termEscape(line)))
			}
		}
	}
}

// mdCodeBlock writes s as a fenced code block for a shell, with a fence
// longer than any run of backticks in s, so that s is copied exactly.
func mdCodeBlock(w *stickyWriter, s string) {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	w.printf("%ssh\n%s\n%s\n\n", fence, s, fence)
}

// mdCodeSpan returns s as an inline code span whose delimiters are longer
// than any run of backticks in s (padded with spaces when s starts or
// ends with one), so that it renders as exactly s.
func mdCodeSpan(s string) string {
	d := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return d + " " + s + " " + d
	}
	return d + s + d
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// blockedBy is the layers that blocked calls, the largest first: "kms 27,
// org-controls 21".
func blockedBy(ps []classify.Pattern) string {
	var parts []string
	for _, g := range layerGroups(ps) {
		parts = append(parts, layerName(g.layer)+" "+strconv.Itoa(g.findings))
	}
	return strings.Join(parts, ", ")
}

// commandLabel is the label a report puts over a command: "Check" or
// "Fix", then its summary passed through esc (nil: as it is).
func commandLabel(c classify.Command, esc func(string) string) string {
	label := "Check"
	if c.Kind == classify.Fix {
		label = "Fix"
	}
	if c.Summary == "" {
		return label
	}
	if esc == nil {
		return label + ": " + c.Summary
	}
	return label + ": " + esc(c.Summary)
}
