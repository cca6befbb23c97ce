package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/denytrail/denytrail/internal/demo"
)

func TestReportNotify(t *testing.T) {
	var mu sync.Mutex
	var posts []string
	status := http.StatusOK
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		posts = append(posts, string(b))
		w.WriteHeader(status)
	}))
	defer hook.Close()
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.CopyFS(logs, demo.FS()); err != nil {
		t.Fatal(err)
	}
	fakeAWSEnv(t, "us-east-1")
	report := func(args ...string) (int, string, string) {
		var out, errw strings.Builder
		args = append([]string{"report", "--day", "2026-11-26", "--history", filepath.Join(dir, "history"), "--progress", "never"}, args...)
		code := run(context.Background(), append(args, logs), strings.NewReader(""), &out, &errw)
		return code, out.String(), errw.String()
	}

	// The URL comes from the environment, so it is not in the CronJob's args.
	t.Setenv("DENYTRAIL_NOTIFY", hook.URL+"/services/T0/B0/secret")
	code, out, errs := report("--output-file", filepath.Join(dir, "daily-{day}.md"))
	if code != exitOK || len(posts) != 1 {
		t.Fatalf("exit %d, %d posts\n%s%s", code, len(posts), out, errs)
	}
	var msg struct {
		Text   string
		Blocks []map[string]any
	}
	if err := json.Unmarshal([]byte(posts[0]), &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, "denytrail 2026-11-26:") || !strings.Contains(posts[0], "*New patterns*") ||
		!strings.Contains(posts[0], "daily-2026-11-26.md") {
		t.Errorf("digest %s", posts[0])
	}

	// A webhook that fails: the report and the history are still written,
	// the failure is named without the URL's secret, exit 5.
	status = http.StatusInternalServerError
	code, out, errs = report()
	if code != exitDelivery || !strings.Contains(out, "2026-11-26") || !strings.Contains(errs, "the digest was not posted") ||
		strings.Contains(errs, "secret") || !strings.Contains(errs, "HTTP 500") {
		t.Errorf("failing webhook: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "history", "2026-11-26.json")); err != nil {
		t.Errorf("history not saved: %v", err)
	}
}
