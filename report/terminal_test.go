package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/classify"
)

func TestElideLeft(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"arn:aws:iam::111122223333:role/etl-batch", 15, "…role/etl-batch"},
		{"KMS.KMSInvalidStateException", 28, "KMS.KMSInvalidStateException"},
		{"日本語日本語", 7, "…日本語"},
	} {
		if got := elideLeft(tc.in, tc.width); got != tc.want {
			t.Errorf("elideLeft(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		if got := elideLeft(tc.in, tc.width); textWidth(got) > tc.width {
			t.Errorf("elideLeft(%q, %d) is %d wide", tc.in, tc.width, textWidth(got))
		}
	}
}

func TestWrapWords(t *testing.T) {
	for _, tc := range []struct {
		in       string
		width, n int
		want     []string
	}{
		{"fits on one", 20, 3, []string{"fits on one"}},
		{"one two three four", 10, 3, []string{"one two", "three four"}},
		{"one two three four five six seven", 10, 2, []string{"one two", "three …"}},
		{"a verylongwordthatdoesnotfit b", 8, 3, []string{"a …otfit", "b"}},
	} {
		got := wrapWords(tc.in, tc.width, tc.n)
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("wrapWords(%q, %d, %d) = %q, want %q", tc.in, tc.width, tc.n, got, tc.want)
		}
	}
}

func TestPrincipalName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::111122223333:role/etl-batch":                               "etl-batch (role, 111122223333)",
		"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/Admin_1f": "Admin_1f (role, 111122223333)",
		"arn:aws:iam::111122223333:user/alice":                                   "alice (user, 111122223333)",
		"arn:aws:sts::111122223333:assumed-role/Uploader/ci":                     "Uploader (role, 111122223333, session ci)",
		"arn:aws:iam::111122223333:root":                                         "root (account 111122223333)",
		"AROAEXAMPLE:session":                                                    "AROAEXAMPLE:session",
		"":                                                                       "-",
	} {
		if got := principalName(in); got != want {
			t.Errorf("principalName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := resourceName("arn:aws:kms:eu-west-1:111122223333:key/abcd"); got != "key/abcd (eu-west-1, 111122223333)" {
		t.Errorf("resourceName = %q", got)
	}
}

// pasteableLines is every pasteable line of r: the commands of its patterns
// and the explain pointers of explain.
func pasteableLines(r *Report, explain func(string) string) map[string]bool {
	m := map[string]bool{}
	for _, p := range r.Patterns {
		for _, c := range p.Commands {
			m[termEscape(c.Line)] = true
		}
		if explain != nil {
			m[explain(p.ID)] = true
		}
	}
	return m
}

// assertFits fails when a line of out is wider than width, except a
// command printed whole on a line of its own.
func assertFits(t *testing.T, out string, width int, commands map[string]bool) {
	t.Helper()
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if textWidth(line) > width && !commands[line] {
			t.Errorf("line %d is %d columns wide, more than %d: %q", i+1, textWidth(line), width, line)
		}
	}
}

func fixtureExplain(id string) string {
	return "denytrail explain --pattern " + id + " --since 2024-10-17T20:48:45Z --until 2024-10-17T22:48:45Z -- s3://trail-logs/AWSLogs/ logs/"
}

// TestTableWidths: the terminal report at 80, 100 and 200 columns (golden
// files), no line wider than that but a whole command, and every command
// whole: the top pattern's cause and first check command on the first
// screen.
func TestTableWidths(t *testing.T) {
	r := fixtureReport()
	cmds := pasteableLines(r, fixtureExplain)
	for _, width := range []int{80, 100, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderOptions(&b, Table, r, Options{Width: width, Explain: fixtureExplain}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			golden(t, fmt.Sprintf("report.table.%d.golden", width), b.Bytes())
			assertFits(t, out, width, cmds)
			for _, p := range r.Patterns {
				for _, c := range p.Commands {
					if c.Kind == classify.Check && !strings.Contains(out, c.Line) {
						t.Errorf("the check command of %s is not printed whole: %q", p.ID, c.Line)
					}
				}
			}
			top := r.Patterns[0]
			first := strings.Join(strings.Split(out, "\n")[:min(30, strings.Count(out, "\n"))], "\n")
			c, _ := nextCommand(top.Commands)
			for _, want := range []string{"Blocked by:", wrapWords(top.Cause, 1<<20, 1)[0][:30], c.Line, fixtureExplain(top.ID)} {
				if !strings.Contains(first, want) {
					t.Errorf("the first 30 lines lack %q:\n%s", want, first)
				}
			}
			if strings.Contains(out, "\x1b[") {
				t.Error("colour without Options.Color")
			}
		})
	}
}

// TestTableLeadsWithLayers: layers by findings, the largest first, each
// with its patterns the largest first; the findings table only on request.
func TestTableLeadsWithLayers(t *testing.T) {
	r := incidentReport()
	out := render(t, Table, r)
	i, j := strings.Index(out, "\nbucket-policy: 3 findings"), strings.Index(out, "\nkms: 1 finding")
	if i < 0 || j < 0 || i > j {
		t.Errorf("the layers are not grouped, the largest first:\n%s", out)
	}
	if !strings.Contains(out, "Blocked by: bucket-policy 3 · kms 1\n") {
		t.Errorf("no line of the layers that blocked uploads:\n%s", out)
	}
	if strings.Contains(out, "Findings (") {
		t.Errorf("the findings table without --findings:\n%s", out)
	}
	for _, o := range []Options{{Findings: true}, {Wide: true}} {
		var b bytes.Buffer
		if err := RenderOptions(&b, Table, r, o); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "Findings (4)") || strings.Count(b.String(), "AccessDenied") != 4 {
			t.Errorf("%+v: no findings table:\n%s", o, b.String())
		}
	}
}

// TestTableCaps: without --wide a layer shows maxBlocksPerLayer patterns and
// counts the rest; the findings table shows MaxFindingRows and counts the
// rest; --wide shows every pattern.
func TestTableCaps(t *testing.T) {
	var fs []classify.Finding
	for i := range MaxFindingRows + 7 {
		fs = append(fs, classify.Finding{EventID: fmt.Sprint("e", i), EventTime: fixtureTime, EventSource: "s3.amazonaws.com",
			EventName: "PutObject", ErrorCode: "AccessDenied", Principal: fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", i%5),
			Bucket: "b", Layer: classify.LayerIAM, Control: classify.ControlIdentityPolicy, Confidence: classify.Low})
	}
	r := New(Stats{S3DataEvents: true}, fs)
	var b bytes.Buffer
	if err := RenderOptions(&b, Table, r, Options{Findings: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if got := strings.Count(out, "· pattern "); got != maxBlocksPerLayer {
		t.Errorf("%d pattern blocks, want %d", got, maxBlocksPerLayer)
	}
	if !strings.Contains(out, "… and 2 more patterns (") || !strings.Contains(out, "… and 7 more findings: all of them are in --format csv or json.") {
		t.Errorf("what was left out is not counted:\n%s", out)
	}
	b.Reset()
	if err := RenderOptions(&b, Table, r, Options{Wide: true}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), "· pattern "); got != 5 {
		t.Errorf("--wide: %d pattern blocks, want 5", got)
	}
}

func TestTableColor(t *testing.T) {
	var b bytes.Buffer
	if err := RenderOptions(&b, Table, fixtureReport(), Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), layerSGR("kms")+"kms") || !strings.Contains(b.String(), confidenceSGR("high")+"high"+sgrReset) {
		t.Errorf("no colour for layers and confidence:\n%q", b.String())
	}
}

// TestMarkdownCommandsVerbatim: every command of every pattern is a code
// block of the Markdown report equal to its Line byte for byte, also when
// it holds backticks or a fence (a longer fence), and the explain pointer
// is a code span that renders as exactly the line.
func TestMarkdownCommandsVerbatim(t *testing.T) {
	r := fixtureReport()
	odd := fixtureCommand(classify.Check, "odd", "echo", "a`b", "```", "SERVICE_CONTROL_POLICY", "*x*", "$HOME")
	odd.Line = "echo 'a`b' '```' SERVICE_CONTROL_POLICY '*x*' '$HOME'"
	r.Findings[0].Commands = append(r.Findings[0].Commands, odd)
	r = New(r.Stats, r.Findings)
	var b bytes.Buffer
	if err := RenderOptions(&b, Markdown, r, Options{Explain: fixtureExplain}); err != nil {
		t.Fatal(err)
	}
	_, blocks := mdFences(t, b.String())
	n := 0
	for _, p := range r.Patterns {
		for _, c := range p.Commands {
			n++
			if !slices.Contains(blocks, c.Line) {
				t.Errorf("no code block equal to %q; blocks: %q", c.Line, blocks)
			}
		}
		if span := "`" + fixtureExplain(p.ID) + "`"; !strings.Contains(b.String(), "Full story: "+span+"\n") {
			t.Errorf("no code span %s", span)
		}
	}
	if n < 4 || len(blocks) != n {
		t.Errorf("%d code blocks for %d commands", len(blocks), n)
	}
	if !strings.Contains(b.String(), "````sh\n"+odd.Line+"\n````\n") {
		t.Errorf("a command holding ``` is not fenced with ````:\n%s", b.String())
	}
	if got := mdCodeSpan("`x`"); got != "`` `x` ``" {
		t.Errorf("mdCodeSpan = %q", got)
	}
}
