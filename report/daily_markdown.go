package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

// renderDailyMarkdown writes a daily report in GitHub-flavoured Markdown,
// for a ticket, a wiki page or a chat post: the headline, what is new
// (each new pattern with its cause and commands in code blocks, then their
// table, unless there was no earlier day, when the table of all patterns
// says it once), what jumped and what stopped, all of today's patterns,
// denials per hour, then what was read and the history compared.
// Every value in a table cell or list item passes through mdEscape (via
// mdRow and mdItem).
func renderDailyMarkdown(w *stickyWriter, d *Daily) {
	c, date := &d.Comparison, d.Today.Date
	w.printf("# denytrail daily report: %s\n\n", mdEscape(date))
	w.printf("**%s**\n", mdEscape(dailyHeadline(d)))
	if notes := dailyNotes(d); len(notes) > 0 {
		for i, n := range notes {
			if i > 0 {
				w.printf(">\n")
			} else {
				w.printf("\n")
			}
			w.printf("> **Note:** %s\n", mdEscape(n))
		}
	}

	w.printf("\n## New today (%d)\n\n", len(c.New))
	fresh := c.NoHistory() || c.Requested == 0 // every pattern is new: the table of all of them says it once
	switch {
	case len(c.New) == 0:
		w.printf("No new patterns: every pattern today was seen on a compared day.\n")
	default:
		if fresh {
			w.printf("No earlier day to compare with: every pattern today counts as new. They are all in the table under *All patterns today*.\n\n")
		}
		ps := make([]classify.Pattern, len(c.New))
		for i, ch := range c.New {
			ps[i] = ch.Pattern
		}
		where := "the table below lists them, the JSON report has every one."
		if fresh {
			where = "the table under All patterns today lists them, the JSON report has every one."
		}
		markdownActions(w, ps, patternNotes(d.Report), Options{}, where)
		if !fresh {
			w.printf("| Findings | Layer | Principal | Action | Resource | First seen | Last seen | Example event |\n")
			w.printf("|--:|---|---|---|---|---|---|---|\n")
			rows, more := capRows(c.New)
			for _, ch := range rows {
				p := ch.Pattern
				mdRow(w, strconv.Itoa(p.Count), patternLayer(p), p.Principal, p.Action, p.Resource,
					dayClock(p.FirstSeen, date), dayClock(p.LastSeen, date), firstExample(p))
			}
			mdMore(w, more)
		}
	}

	if len(c.Jumped) > 0 {
		w.printf("\n## Jumped (%d)\n\nAt least %d times the daily mean of the compared days, and %d more.\n\n",
			len(c.Jumped), history.JumpFactor, history.JumpMinIncrease)
		w.printf("| Today | Daily mean before | Layer | Principal | Action | Resource | Last seen |\n")
		w.printf("|--:|--:|---|---|---|---|---|\n")
		rows, more := capRows(c.Jumped)
		for _, ch := range rows {
			p := ch.Pattern
			mdRow(w, strconv.Itoa(ch.Today), meanText(ch.Mean), patternLayer(p), p.Principal, p.Action, p.Resource,
				dayClock(p.LastSeen, date))
		}
		mdMore(w, more)
	}

	if len(c.Stopped) > 0 {
		w.printf("\n## Stopped (%d)\n\nSeen on %s, not today.\n\n", len(c.Stopped), mdEscape(c.Compared[0]))
		w.printf("| Findings then | Layer | Principal | Action | Resource | Last seen |\n")
		w.printf("|--:|---|---|---|---|---|\n")
		rows, more := capRows(c.Stopped)
		for _, ch := range rows {
			p := ch.Pattern
			mdRow(w, strconv.Itoa(p.Count), patternLayer(p), p.Principal, p.Action, p.Resource, timeText(p.LastSeen))
		}
		mdMore(w, more)
	}

	w.printf("\n## All patterns today (%d)\n\n", len(d.Today.Patterns))
	if len(d.Today.Patterns) == 0 {
		w.printf("No findings: no failed call matched in what was read.\n")
	} else {
		w.printf("| Status | Findings | Layer | Principal | Action | Resource | First seen | Last seen |\n")
		w.printf("|---|--:|---|---|---|---|---|---|\n")
		rows, more := capRows(d.Today.Patterns)
		for _, p := range rows {
			mdRow(w, string(c.Status[p.ID]), strconv.Itoa(p.Count), patternLayer(p), p.Principal, p.Action, p.Resource,
				dayClock(p.FirstSeen, date), dayClock(p.LastSeen, date))
		}
		mdMore(w, more)
		markdownHourly(w, d.Today)
	}

	markdownRead(w, d)
	w.printf("\n## History\n\n")
	w.printf("- Compared: %s\n", mdEscape(listOr(c.Compared, "none")))
	w.printf("- Missing: %s\n", mdEscape(listOr(c.Missing, "none")))
	for _, p := range c.Unreadable {
		mdItem(w, "Unreadable: "+p.Reason)
	}
	mdProblems(w, "Skipped inputs", d.Report.Stats.Skipped)
	mdProblems(w, "Notes", d.Report.Stats.Notes)
}

// mdMore ends a table that left out n rows with a line that says so.
func mdMore(w *stickyWriter, n int) {
	if n > 0 {
		w.printf("\n%s\n", mdEscape(moreText(n)))
	}
}

// markdownHourly writes the findings per hour as a table of the hours that
// have any, with a column per layer present.
func markdownHourly(w *stickyWriter, day *history.Day) {
	counts, totals, layers := hourly(day)
	if len(layers) == 0 {
		return
	}
	w.printf("\n## Denials per hour (UTC)\n\n| Hour | Total |")
	for _, l := range layers {
		w.printf(" %s |", mdEscape(layerName(l)))
	}
	w.printf("\n|---|--:|%s\n", strings.Repeat("--:|", len(layers)))
	for h := range 24 {
		if totals[h] == 0 {
			continue
		}
		cells := []string{fmt.Sprintf("%02d:00", h), strconv.Itoa(totals[h])}
		for _, l := range layers {
			cells = append(cells, strconv.Itoa(counts[h][l]))
		}
		mdRow(w, cells...)
	}
}

// markdownRead writes what the day's scan read.
func markdownRead(w *stickyWriter, d *Daily) {
	st := d.Report.Stats
	w.printf("\n## What was read\n\n")
	for _, s := range st.Sources {
		mdItem(w, "Source: "+s)
	}
	w.printf("- Read: %s (%s), %s, %s kept\n",
		plural(st.Inputs, "input", "inputs"), HumanBytes(st.Bytes),
		plural(st.Records, "record", "records"),
		plural(st.Failed, "failed call", "failed calls"))
	w.printf("- Time range: %s\n", mdEscape(windowText(st)))
}

// firstExample is a pattern's first example event ID, or "".
func firstExample(p classify.Pattern) string {
	if len(p.Examples) == 0 {
		return ""
	}
	return p.Examples[0]
}

// listOr joins list with ", ", or returns none when it is empty.
func listOr(list []string, none string) string {
	if len(list) == 0 {
		return none
	}
	return strings.Join(list, ", ")
}
