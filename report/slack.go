package report

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

// Slack's limits on a message (Block Kit reference): 50 blocks, 3000
// characters in a section's text, 150 in a header.
const (
	slackMaxPatterns = 10 // new patterns listed; the rest are counted
	slackMaxOthers   = 5  // jumped and stopped patterns listed each
	slackSectionMax  = 2900
)

// SlackMessage returns the day's digest for a Slack-compatible incoming
// webhook: a plain "text" (the notification's fallback) and blocks that
// lead with the new patterns, each with its cause and first command, then
// what jumped and stopped, and where the full report is. Every value from
// the logs stands in a code span, where Slack neither formats, links nor
// mentions; &, < and > are escaped as Slack asks.
func SlackMessage(d *Daily, fullReport string) ([]byte, error) {
	c := &d.Comparison
	summary := fmt.Sprintf("denytrail %s: %d new, %d jumped, %d stopped; %d findings in %d patterns",
		d.Today.Date, len(c.New), len(c.Jumped), len(c.Stopped), d.Today.Findings, len(d.Today.Patterns))
	if c.NoHistory() {
		summary += " (no earlier days to compare with: every pattern counts as new)"
	}
	if n := d.Today.Skipped; n > 0 { // every one, named or only counted
		summary += fmt.Sprintf("; %d inputs or records could not be read", n)
	}
	blocks := []map[string]any{
		{"type": "header", "text": map[string]any{"type": "plain_text", "text": "denytrail: " + d.Today.Date}},
		slackSection(slackEscape(summary)),
	}
	if len(c.New) > 0 {
		blocks = append(blocks, slackSection("*New patterns*"))
		for i, ch := range c.New {
			if i == slackMaxPatterns {
				blocks = append(blocks, slackSection(fmt.Sprintf("… and %d more new patterns in the full report", len(c.New)-i)))
				break
			}
			blocks = append(blocks, slackSection(slackPattern(&ch.Pattern, fmt.Sprintf("%d today", ch.Today), true)))
		}
	}
	for _, group := range []struct {
		title   string
		changes []history.Change
		count   func(history.Change) string
	}{
		{"Jumped", c.Jumped, func(ch history.Change) string { return fmt.Sprintf("%d today, %.1f a day before", ch.Today, ch.Mean) }},
		{"Stopped", c.Stopped, func(ch history.Change) string { return "last seen " + ch.LastDate }},
	} {
		if len(group.changes) == 0 {
			continue
		}
		var lines []string
		for i, ch := range group.changes {
			if i == slackMaxOthers {
				lines = append(lines, fmt.Sprintf("… and %d more", len(group.changes)-i))
				break
			}
			lines = append(lines, slackPattern(&ch.Pattern, group.count(ch), false))
		}
		blocks = append(blocks, slackSection("*"+group.title+"*\n"+strings.Join(lines, "\n")))
	}
	if fullReport != "" {
		blocks = append(blocks, map[string]any{"type": "context", "elements": []map[string]any{
			{"type": "mrkdwn", "text": "Full report: " + slackCode(fullReport)},
		}})
	}
	return json.Marshal(map[string]any{"text": slackEscape(summary), "blocks": blocks})
}

func slackSection(text string) map[string]any {
	if len(text) > slackSectionMax {
		text = clipBytes(text, slackSectionMax)
	}
	return map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": text}}
}

// slackPattern is one pattern's lines: what was denied to whom, with
// the count; for new patterns also the cause and the first command.
func slackPattern(p *classify.Pattern, count string, full bool) string {
	s := slackCode(string(p.Layer)+"/"+string(p.Control)) + " " + slackCode(p.Action) + " denied for " +
		slackCode(p.Principal) + " on " + slackCode(p.Resource) + " (" + slackEscape(count) + ", pattern " + slackCode(p.ID) + ")"
	if !full {
		return "• " + s
	}
	if p.Cause != "" {
		s += "\n" + slackCode(p.Cause)
	}
	if cmd := firstCheck(p.Commands); cmd != "" {
		// A command holding ``` cannot stand in a code block as it is:
		// it is left to the full report rather than altered.
		if strings.Contains(cmd, "```") {
			s += "\n(the command to check it is in the full report)"
		} else {
			s += "\n```" + slackEscape(cmd) + "```"
		}
	}
	return s
}

func firstCheck(cs []classify.Command) string {
	for _, c := range cs {
		if c.Kind == classify.Check {
			return c.Line
		}
	}
	if len(cs) > 0 {
		return cs[0].Line
	}
	return ""
}

// slackEscape escapes what Slack's mrkdwn reads as markup (&, <, >), and
// terminal controls.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(Terminal(strings.ToValidUTF8(s, "\uFFFD")))
}

// slackCode puts a value from the logs in an inline code span: one line,
// no backtick to close the span early.
func slackCode(s string) string {
	s = strings.NewReplacer("`", "ˋ", "\n", " ", "\r", " ", "\u2028", " ", "\u2029", " ").Replace(s)
	if s == "" {
		s = "-"
	}
	return "`" + slackEscape(s) + "`"
}
