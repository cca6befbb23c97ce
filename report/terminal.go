package report

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
	"golang.org/x/term"
)

// Options say how Render lays out the terminal report; the other formats
// ignore them except Explain, which the Markdown report uses too.
type Options struct {
	// Width is the terminal report's line width in columns (0: DefaultWidth;
	// anything below MinWidth is MinWidth). No line is wider, except a
	// command that does not fit: it is printed whole on a line of its own
	// so that it stays pasteable.
	Width int
	// Color marks layers and confidence with ANSI colours. Set it only for
	// a terminal (see UseColor).
	Color bool
	// Findings adds the table of findings (at most MaxFindingRows rows).
	Findings bool
	// Wide lists every pattern, adds the table of findings and elides
	// nothing, whatever the width.
	Wide bool
	// Explain returns the command line that explains pattern id in full
	// (denytrail explain --pattern ID ...), already shell-quoted, or "" when
	// there is none. Nil means no pointer is printed.
	Explain func(id string) string
}

// Widths of the terminal report.
const (
	// DefaultWidth is the width for files and pipes when $COLUMNS says nothing.
	DefaultWidth = 100
	// MinWidth is the narrowest layout.
	MinWidth = 40
	// MaxFindingRows bounds the table of findings.
	MaxFindingRows = 50
	// maxBlocksPerLayer is how many patterns of a layer are shown in full
	// (without --wide); the rest are counted.
	maxBlocksPerLayer = 3
	// maxProseLines bounds a cause or change, wrapped.
	maxProseLines = 3
)

// TerminalWidth returns the width for a report written to w: the
// terminal's when w is one, else $COLUMNS (read with getenv) when it is a
// positive number, else DefaultWidth.
func TerminalWidth(w io.Writer, getenv func(string) string) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return DefaultWidth
}

// UseColor reports whether a report written to w may be coloured: w is a
// terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is
// not "dumb".
func UseColor(w io.Writer, getenv func(string) string) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// textWidth is the number of terminal columns s takes (East Asian wide
// characters count two).
func textWidth(s string) int { return runewidth.StringWidth(s) }

// elideLeft shortens s to at most width columns by dropping its start and
// putting "…" in its place: the end of an ARN, a key or a path (the name)
// is what tells them apart. It cuts after a ":" or "/" when that keeps at
// least half the width (…key/1234abcd-…, never the middle of a name), else
// wherever it must. s is returned whole when it fits or width < 2.
func elideLeft(s string, width int) string {
	if textWidth(s) <= width || width < 2 {
		return s
	}
	for i := 0; i < len(s); i++ {
		if s[i] != ':' && s[i] != '/' {
			continue
		}
		rest := s[i+1:]
		if w := textWidth(rest) + 1; w <= width {
			if w*2 >= width {
				return "…" + rest
			}
			break
		}
	}
	r := []rune(s)
	w := 1 // the ellipsis
	i := len(r)
	for i > 0 {
		cw := runewidth.RuneWidth(r[i-1])
		if w+cw > width {
			break
		}
		w += cw
		i--
	}
	return "…" + string(r[i:])
}

// elideRight is like elideLeft but keeps the start (for prose).
func elideRight(s string, width int) string {
	if textWidth(s) <= width || width < 2 {
		return s
	}
	var b strings.Builder
	w := 1
	for _, r := range s {
		cw := runewidth.RuneWidth(r)
		if w+cw > width {
			break
		}
		w += cw
		b.WriteRune(r)
	}
	return b.String() + "…"
}

// wrapWords breaks already-escaped prose s into lines of at most width
// columns at spaces, at most maxLines of them (the last ends in "…" when
// text was left out). A word wider than a line is elided from the left.
func wrapWords(s string, width, maxLines int) []string {
	var lines []string
	cur, cut := "", false
	for _, word := range strings.Fields(s) {
		if room := width - textWidth(cur) - 1; cur != "" && textWidth(word) > width && room*2 >= width {
			word = elideLeft(word, room) // too long for any line: shorten it to end this one
		}
		word = elideLeft(word, width)
		if cur != "" && textWidth(cur)+1+textWidth(word) > width {
			lines = append(lines, cur)
			cur = ""
			if len(lines) == maxLines {
				cut = true
				break
			}
		}
		if cur == "" {
			cur = word
		} else {
			cur += " " + word
		}
	}
	if cut {
		last := lines[maxLines-1]
		for textWidth(last)+2 > width && strings.Contains(last, " ") {
			last = last[:strings.LastIndexByte(last, ' ')]
		}
		lines[maxLines-1] = elideRight(last+" …", width)
	} else if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// ANSI SGR colours for the terminal report.
const (
	sgrReset = "\x1b[0m"
	sgrBold  = "\x1b[1m"
	sgrDim   = "\x1b[2m"
)

// layerSGR is the colour of a layer's name.
func layerSGR(l string) string {
	switch l {
	case "iam":
		return "\x1b[1;34m"
	case "bucket-policy":
		return "\x1b[1;35m"
	case "kms":
		return "\x1b[1;33m"
	case "org-controls":
		return "\x1b[1;31m"
	case "acl-ownership":
		return "\x1b[1;36m"
	case "network":
		return "\x1b[1;32m"
	case "credentials":
		return "\x1b[1;91m"
	}
	return sgrBold
}

// confidenceSGR is the colour of a confidence.
func confidenceSGR(c string) string {
	switch c {
	case "high":
		return "\x1b[32m"
	case "medium":
		return "\x1b[33m"
	case "low":
		return "\x1b[31m"
	}
	return sgrDim
}

// paint wraps escaped text in an SGR colour when colour is on.
func (t *termWriter) paint(sgr, s string) string {
	if !t.color || s == "" {
		return s
	}
	return sgr + s + sgrReset
}
