package report

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/classify"
)

type slackDoc struct {
	Text   string
	Blocks []struct {
		Type string
		Text struct {
			Type, Text string
		}
		Elements []struct{ Text string }
	}
}

func slackTexts(t *testing.T, d *Daily, link string) (slackDoc, []string) {
	t.Helper()
	b, err := SlackMessage(d, link)
	if err != nil {
		t.Fatal(err)
	}
	var doc slackDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	texts := []string{doc.Text}
	for _, bl := range doc.Blocks {
		texts = append(texts, bl.Text.Text)
		for _, e := range bl.Elements {
			texts = append(texts, e.Text)
		}
	}
	return doc, texts
}

// codeSpan and codeBlock are where values from the logs may stand.
var (
	codeBlock = regexp.MustCompile("(?s)```.*?```")
	codeSpan  = regexp.MustCompile("`[^`\n]*`")
)

func TestSlackMessageLeadsWithNew(t *testing.T) {
	d := dailyFixture()
	doc, texts := slackTexts(t, d, "s3://reports/2024-10-17.html")
	if len(doc.Blocks) > 50 || doc.Blocks[0].Type != "header" {
		t.Fatalf("blocks %+v", doc.Blocks)
	}
	all := strings.Join(texts, "\n")
	c := &d.Comparison
	if len(c.New) == 0 {
		t.Fatal("the fixture has no new pattern")
	}
	first := c.New[0].Pattern
	for _, want := range []string{"*New patterns*", "`" + first.ID + "`", "Full report: `s3://reports/2024-10-17.html`"} {
		if !strings.Contains(all, want) {
			t.Errorf("the message lacks %q:\n%s", want, all)
		}
	}
	if cmd := firstCheck(first.Commands); cmd != "" && !strings.Contains(all, "```"+slackEscape(cmd)+"```") {
		t.Errorf("the first new pattern's command %q is not in a code block:\n%s", cmd, all)
	}
	if len(c.Jumped) > 0 && !strings.Contains(all, "*Jumped*") || len(c.Stopped) > 0 && !strings.Contains(all, "*Stopped*") {
		t.Errorf("jumped or stopped missing:\n%s", all)
	}
}

func TestSlackMessageHostile(t *testing.T) {
	d := hostileDaily()
	// Give the patterns hostile commands, one of them holding a fence.
	for i := range d.Comparison.New {
		d.Comparison.New[i].Pattern.Commands = []classify.Command{{Kind: classify.Check, Line: "aws s3api get-bucket-policy --bucket 'x```<!channel>'"}}
	}
	_, texts := slackTexts(t, d, "")
	for _, s := range texts {
		// Outside code, nothing from the logs: no markup, mention or link.
		outside := codeSpan.ReplaceAllString(codeBlock.ReplaceAllString(s, ""), "")
		for _, bad := range []string{"<", ">", "pwned", "http", "@", "\x1b", "\u202e"} {
			if strings.Contains(outside, bad) {
				t.Errorf("%q outside code in %q", bad, s)
			}
		}
		if strings.Contains(s, "<!channel>") || strings.Contains(s, "\x1b") {
			t.Errorf("raw markup or control in %q", s)
		}
	}
	all := strings.Join(texts, "\n")
	if strings.Contains(all, "x```") || !strings.Contains(all, "the command to check it is in the full report") {
		t.Errorf("a command with a fence must not be put in a code block:\n%s", all)
	}
}

func TestSlackMessageCaps(t *testing.T) {
	d := dailyFixture()
	base := d.Comparison.New[0]
	for i := range 30 {
		c := base
		c.Pattern.ID = "p" + strings.Repeat("0", 2) + string(rune('a'+i%26))
		d.Comparison.New = append(d.Comparison.New, c)
	}
	doc, texts := slackTexts(t, d, "")
	if len(doc.Blocks) > 50 {
		t.Errorf("%d blocks, Slack takes 50", len(doc.Blocks))
	}
	if all := strings.Join(texts, "\n"); !strings.Contains(all, "more new patterns in the full report") {
		t.Error("new patterns past the cap are dropped without a count")
	}
}
