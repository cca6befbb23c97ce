package report

import (
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium is where Debian's chromium package puts the browser.
const chromium = "/usr/bin/chromium"

// browse loads the page in headless Chromium and returns the DOM it built,
// and a screenshot when shot is not empty. It skips the test when Chromium
// is not installed.
func browse(t *testing.T, page, shot string) string {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("headless render check needs %s (apt-get install chromium): %v", chromium, err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "daily.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile")}
	if shot != "" {
		out, err := exec.CommandContext(ctx, chromium, append(args, "--window-size=1280,2000", "--screenshot="+shot, "file://"+file)...).CombinedOutput()
		if err != nil {
			t.Fatalf("chromium --screenshot: %v\n%s", err, out)
		}
	}
	cmd := exec.CommandContext(ctx, chromium, append(args, "--dump-dom", "file://"+file)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	return string(dom)
}

// section returns the serialized element <section id="id">...</section>.
func section(t *testing.T, dom, id string) string {
	t.Helper()
	start := strings.Index(dom, `<section id="`+id+`">`)
	if start < 0 {
		t.Fatalf("the browser's DOM has no section %q", id)
	}
	end := strings.Index(dom[start:], "</section>")
	return dom[start : start+end]
}

// TestHTMLInChromium loads the fixture's page in a real browser and checks
// what it built: the chart with one bar segment per hour and layer, each
// table with its rows, and nothing executable. Set DENYTRAIL_SCREENSHOT to
// a PNG path to keep a screenshot for a human look.
func TestHTMLInChromium(t *testing.T) {
	d := dailyFixture()
	dom := browse(t, renderDailyString(t, HTML, d), os.Getenv("DENYTRAIL_SCREENSHOT"))

	chart := section(t, dom, "chart")
	if !strings.Contains(chart, "<svg") {
		t.Fatal("no inline SVG chart in the DOM")
	}
	if got, want := strings.Count(chart, "<rect "), len(d.Today.Hourly); got != want {
		t.Errorf("chart has %d bar segments, want %d (one per hour and layer)", got, want)
	}
	rows := regexp.MustCompile(`<tr>\s*<td`)
	for id, want := range map[string]int{"new": 2, "jumped": 1, "stopped": 1, "patterns": 4} {
		if got := len(rows.FindAllString(section(t, dom, id), -1)); got != want {
			t.Errorf("table %q has %d rows in the browser, want %d", id, got, want)
		}
	}
	if i, j := strings.Index(dom, `<section id="new">`), strings.Index(dom, `<section id="chart">`); i > j {
		t.Error("the page does not lead with the new patterns")
	}
}

// TestHostileHTMLInChromium: with hostile values everywhere, the browser
// builds no script, no link and no element the template did not write:
// as many elements as the page has start tags.
func TestHostileHTMLInChromium(t *testing.T) {
	page := renderDailyString(t, HTML, hostileDaily())
	dom := browse(t, page, "")
	for _, bad := range []string{"<script", "<a ", "<img", "<iframe", "<object"} {
		if strings.Contains(dom, bad) {
			t.Errorf("the browser built %s from hostile values", bad)
		}
	}
	elems := regexp.MustCompile(`<[a-zA-Z][a-zA-Z0-9]*`)
	if got, want := len(elems.FindAllString(dom, -1)), len(elems.FindAllString(page, -1)); got != want {
		t.Errorf("the browser built %d elements from the hostile page, which has %d start tags", got, want)
	}
	if !strings.Contains(dom, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile <script> text is not shown as text")
	}
}

// firstScreenHarness loads daily.html in an iframe of a 1280x800 first
// screen and reports where the first new pattern's cause and command end.
// (The page itself runs no script: its CSP forbids it.)
const firstScreenHarness = `<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="daily.html" style="width:1280px;height:800px;border:0"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument, res = {};
  var a = d.querySelector('#todo article.action');
  function bottom(el) { return el ? Math.ceil(el.getBoundingClientRect().bottom) : -1; }
  if (a) {
    var ps = a.querySelectorAll('p'), cause = null;
    for (var i = 0; i < ps.length; i++) if (ps[i].textContent.indexOf('Cause:') === 0) cause = ps[i];
    res.cause = cause ? cause.textContent : '';
    res.causeBottom = bottom(cause);
    var cmd = a.querySelector('pre.cmd code');
    res.command = cmd ? cmd.textContent : '';
    res.commandBottom = bottom(cmd);
  }
  res.height = this.contentWindow.innerHeight;
  document.getElementById('out').textContent = JSON.stringify(res);
});
</script>
</body></html>`

// TestHTMLFirstScreen: in a real browser at 1280x800, the first screen of
// the daily page holds the first new pattern's cause and its first
// command, whole. Set DENYTRAIL_SCREENSHOT to keep a screenshot of it.
func TestHTMLFirstScreen(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("headless render check needs %s (apt-get install chromium): %v", chromium, err)
	}
	d := dailyFixture()
	first := d.Comparison.New[0].Pattern
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "daily.html"), []byte(renderDailyString(t, HTML, d)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "harness.html"), []byte(firstScreenHarness), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile")}
	if shot := os.Getenv("DENYTRAIL_SCREENSHOT"); shot != "" {
		if out, err := exec.CommandContext(ctx, chromium, append(args, "--window-size=1280,800", "--screenshot="+shot,
			"file://"+filepath.Join(dir, "daily.html"))...).CombinedOutput(); err != nil {
			t.Fatalf("chromium --screenshot: %v\n%s", err, out)
		}
	}
	dom, err := exec.CommandContext(ctx, chromium, append(args, "--allow-file-access-from-files", "--virtual-time-budget=5000",
		"--dump-dom", "file://"+filepath.Join(dir, "harness.html"))...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	m := regexp.MustCompile(`<pre id="out">([^<]*)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the harness wrote no result:\n%s", dom)
	}
	var res struct {
		Cause, Command             string
		CauseBottom, CommandBottom int
		Height                     int
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &res); err != nil {
		t.Fatalf("harness result %q: %v", m[1], err)
	}
	if want := "Cause: " + first.Cause; res.Cause != want {
		t.Errorf("the first new pattern's cause is %q, want %q", res.Cause, want)
	}
	if want := first.Commands[0].Line; res.Command != want {
		t.Errorf("the first new pattern's command is %q, want %q", res.Command, want)
	}
	if res.Height != 800 || res.CauseBottom <= 0 || res.CauseBottom > res.Height || res.CommandBottom <= 0 || res.CommandBottom > res.Height {
		t.Errorf("the cause ends at %dpx and the command at %dpx: not on the first screen (%dpx)", res.CauseBottom, res.CommandBottom, res.Height)
	}
}
