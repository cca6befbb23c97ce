package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/denytrail/denytrail/classify"
)

// runOut runs the command line in-process and returns its stdout.
func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	if code := run(context.Background(), args, strings.NewReader(""), &out, &errs); code != exitOK {
		t.Fatalf("denytrail %s: exit %d\n%s", strings.Join(args, " "), code, errs.String())
	}
	return out.String()
}

// TestDemoFitsTheScreen is issue 12's "done when": in an 80-column
// terminal (and at 100 and 200), the first screen of demo (30 lines) shows
// which layers blocked uploads and the biggest pattern with the command to
// check it and the pointer to explain; no line is wider than the screen
// but a command printed whole on its own line.
func TestDemoFitsTheScreen(t *testing.T) {
	var doc struct {
		Patterns []classify.Pattern `json:"patterns"`
	}
	if err := json.Unmarshal([]byte(runOut(t, "demo", "--format", "json")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Patterns) == 0 {
		t.Fatal("demo has no patterns")
	}
	top := doc.Patterns[0]
	pointer := "denytrail explain --pattern " + top.ID + " --demo"
	whole := map[string]bool{}
	for _, p := range doc.Patterns {
		whole["denytrail explain --pattern "+p.ID+" --demo"] = true
		for _, c := range p.Commands {
			whole[c.Line] = true
		}
	}
	for _, width := range []int{80, 100, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			t.Setenv("COLUMNS", fmt.Sprint(width))
			out := runOut(t, "demo")
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			for i, l := range lines {
				if runewidth.StringWidth(l) > width && !whole[l] {
					t.Errorf("line %d is %d columns wide: %q", i+1, runewidth.StringWidth(l), l)
				}
			}
			screen := strings.Join(lines[:min(30, len(lines))], "\n")
			wants := []string{"Blocked by: kms ", "org-controls", "pattern " + top.ID, pointer}
			if top.Cause != "" {
				// the cause is wrapped and its ARNs elided: its first and
				// last words, after the label
				words := strings.Fields(top.Cause)
				wants = append(wants, "cause    "+words[0]+" ", words[len(words)-1]+"\n")
			}
			for _, c := range top.Commands {
				if c.Kind == classify.Check {
					wants = append(wants, c.Line)
					break
				}
			}
			for _, w := range wants {
				if !strings.Contains(screen, w) {
					t.Errorf("the first screen lacks %q:\n%s", w, screen)
				}
			}
		})
	}
	if top.Cause == "" || len(top.Commands) == 0 {
		t.Errorf("the demo's top pattern %s has no cause or no commands", top.ID)
	}
}
