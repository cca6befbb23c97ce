package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
)

// walked is what a Source offered, in order.
type walked struct {
	Name string
	Size int64
	Err  error
	Body string // the input's content when it could be opened
}

func walkAll(t *testing.T, src Source) ([]walked, error) {
	t.Helper()
	var out []walked
	err := src.Walk(context.Background(), func(in Input) error {
		w := walked{Name: in.Name, Size: in.Size, Err: in.Err}
		if (in.Open == nil) == (in.Err == nil) {
			t.Errorf("%s: Open set: %v, Err: %v; want exactly one", in.Name, in.Open != nil, in.Err)
		}
		if in.Open != nil {
			rc, err := in.Open(context.Background())
			if err != nil {
				t.Fatalf("%s: Open: %v", in.Name, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: read: %v", in.Name, err)
			}
			w.Body = string(b)
		}
		out = append(out, w)
		return nil
	})
	return out, err
}

// writeTree creates files (path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func names(ws []walked) []string {
	var s []string
	for _, w := range ws {
		s = append(s, w.Name)
	}
	return s
}

func TestPathFolder(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"b.json":         "b",
		"a/z.json.gz":    "az",
		"a/b/c.json":     "abc",
		"a/B.json":       "aB",
		"a-b.json":       "a-b",
		".hidden/x.json": "hidden",
		"a/.DS_Store":    "junk",
		"empty/.keep":    "",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/111122223333_CloudTrail_us-east-1_20240101T0000Z_x.json.gz":                         "log",
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T0000Z.json.gz": "digest",
		"AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/01/01/i.json.gz":                                                                  "insight",
		"loose/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T0000Z.json.gz":                                                       "digest",
	})
	got, err := walkAll(t, Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	want := []walked{
		{Name: j("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/111122223333_CloudTrail_us-east-1_20240101T0000Z_x.json.gz"), Size: 3, Body: "log"},
		{Name: j("AWSLogs/111122223333/CloudTrail-Digest"), Size: -1},
		{Name: j("AWSLogs/111122223333/CloudTrail-Insight"), Size: -1},
		{Name: j("a/B.json"), Size: 2, Body: "aB"},
		{Name: j("a/b/c.json"), Size: 3, Body: "abc"},
		{Name: j("a/z.json.gz"), Size: 2, Body: "az"},
		{Name: j("a-b.json"), Size: 3, Body: "a-b"},
		{Name: j("b.json"), Size: 1, Body: "b"},
		{Name: j("loose/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T0000Z.json.gz"), Size: 6},
	}
	if !slices.Equal(names(got), names(want)) {
		t.Fatalf("walked\n%s\nwant\n%s", strings.Join(names(got), "\n"), strings.Join(names(want), "\n"))
	}
	for i, w := range want {
		g := got[i]
		if g.Size != w.Size || g.Body != w.Body {
			t.Errorf("%s: size %d body %q, want %d %q", g.Name, g.Size, g.Body, w.Size, w.Body)
		}
		skipped := w.Body == ""
		if skipped != errors.Is(g.Err, ErrNotEventLog) {
			t.Errorf("%s: Err = %v", g.Name, g.Err)
		}
		if skipped && !strings.HasPrefix(g.Err.Error(), g.Name+": ") {
			t.Errorf("Err %q does not name %s", g.Err, g.Name)
		}
	}
	// Walking is deterministic.
	again, _ := walkAll(t, Path(dir))
	if !slices.Equal(names(again), names(got)) {
		t.Errorf("second walk differs: %v", names(again))
	}
}

func TestPathFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"one.json":                    `{"eventID":"x"}`,
		"CloudTrail-Digest/d.json.gz": "d",
	})
	f := filepath.Join(dir, "one.json")
	got, err := walkAll(t, Path(f))
	if err != nil || len(got) != 1 || got[0].Name != f || got[0].Size != 15 || got[0].Body != `{"eventID":"x"}` {
		t.Fatalf("%+v, %v", got, err)
	}
	if s := Path(f).String(); s != f {
		t.Errorf("String() = %q", s)
	}
	for _, p := range []string{filepath.Join(dir, "CloudTrail-Digest"), filepath.Join(dir, "CloudTrail-Digest", "d.json.gz")} {
		got, err = walkAll(t, Path(p))
		if err != nil || len(got) != 1 || got[0].Name != p || !errors.Is(got[0].Err, ErrNotEventLog) {
			t.Fatalf("%s: %+v, %v", p, got, err)
		}
	}
	missing := filepath.Join(dir, "missing.json")
	if _, err := walkAll(t, Path(missing)); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing root: %v", err)
	}
}

func TestPathSymlinks(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	writeTree(t, dir, map[string]string{"a/x.json": "x", "b/y.json": "y"})
	writeTree(t, other, map[string]string{"o.json": "o"})
	for _, l := range [][2]string{
		{"..", "a/up"},              // loop to the parent
		{".", "a/self"},             // loop to itself
		{dir, "b/root"},             // loop to the root
		{other, "c-other"},          // a folder elsewhere: followed
		{"x.json", "a/x-link.json"}, // a file: read once, at the first path
		{"nowhere", "a/broken.json"},
	} {
		if err := os.Symlink(l[0], filepath.Join(dir, filepath.FromSlash(l[1]))); err != nil {
			t.Skip("cannot make symlinks:", err)
		}
	}
	got, err := walkAll(t, Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	want := []string{j("a/broken.json"), j("a/x-link.json"), j("b/y.json"), j("c-other/o.json")}
	if !slices.Equal(names(got), want) {
		t.Fatalf("walked %q, want %q", names(got), want)
	}
	if got[0].Err == nil || !strings.Contains(got[0].Err.Error(), got[0].Name) {
		t.Errorf("broken link: Err = %v", got[0].Err)
	}
	if got[1].Body != "x" || got[3].Body != "o" {
		t.Errorf("links not followed: %+v", got)
	}
}

// TestPathSymlinkFanOut: 18 levels of folders, each holding two links to
// the next, reach one file 2^18 ways; the walk reads it once.
func TestPathSymlinkFanOut(t *testing.T) {
	dir := t.TempDir()
	const levels = 18
	writeTree(t, dir, map[string]string{fmt.Sprintf("l%d/trail.json", levels): "x"})
	for i := levels - 1; i >= 0; i-- {
		d := filepath.Join(dir, fmt.Sprintf("l%d", i))
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a", "b"} {
			if err := os.Symlink(filepath.Join(dir, fmt.Sprintf("l%d", i+1)), filepath.Join(d, name)); err != nil {
				t.Skip("cannot make symlinks:", err)
			}
		}
	}
	n := 0
	err := Path(filepath.Join(dir, "l0")).Walk(context.Background(), func(in Input) error {
		n++
		if n > 10 {
			return errors.New("fan-out: more than 10 inputs")
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("walked %d inputs, %v; want the one file once", n, err)
	}
}

func TestPathSpecialFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("cannot make a fifo:", err)
	}
	// In a folder a fifo is reported, not opened (opening would block).
	var got []Input
	err := Path(dir).Walk(context.Background(), func(in Input) error { got = append(got, in); return nil })
	if err != nil || len(got) != 1 || got[0].Open != nil || got[0].Err == nil || !strings.Contains(got[0].Err.Error(), fifo) {
		t.Fatalf("%+v, %v", got, err)
	}
	// Named directly (like /dev/stdin or <(zcat ...)) it is offered for reading.
	got = nil
	err = Path(fifo).Walk(context.Background(), func(in Input) error { got = append(got, in); return nil })
	if err != nil || len(got) != 1 || got[0].Open == nil || got[0].Err != nil || got[0].Size != -1 {
		t.Fatalf("%+v, %v", got, err)
	}
}

// TestPathUnreadable needs a user that permissions apply to; run as root it
// re-runs itself as nobody.
func TestPathUnreadable(t *testing.T) {
	if dir := os.Getenv("DENYTRAIL_UNREADABLE_DIR"); dir != "" {
		unreadableChecks(t, dir)
		return
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a/locked/x.json": "x", "a/ok.json": "ok", "b/secret.json": "s", "c.json": "c"})
	for _, p := range []string{"a/locked", "b/secret.json"} {
		if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(p)), 0); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() != 0 {
		unreadableChecks(t, dir)
		return
	}
	// Root reads everything: let nobody (65534) walk the tree, running a
	// copy of this test binary that nobody may execute.
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p := filepath.Dir(filepath.Dir(dir)); ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("cannot test permissions as root: nobody cannot enter %s", p)
		}
		if p == filepath.Dir(p) {
			break
		}
	}
	bin := filepath.Join(filepath.Dir(dir), "ingest.test")
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestPathUnreadable$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DENYTRAIL_UNREADABLE_DIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(string(out), "--- FAIL") {
			t.Fatalf("as nobody:\n%s", out)
		}
		t.Skipf("cannot run as nobody to test permissions (%v): %s", err, out)
	}
	if !strings.Contains(string(out), "PASS") {
		t.Fatalf("as nobody:\n%s", out)
	}
}

func unreadableChecks(t *testing.T, dir string) {
	got, err := walkAll(t, Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	want := []string{j("a/locked"), j("a/ok.json"), j("b/secret.json"), j("c.json")}
	if !slices.Equal(names(got), want) {
		t.Fatalf("walked %q, want %q", names(got), want)
	}
	for _, i := range []int{0, 2} {
		if !errors.Is(got[i].Err, fs.ErrPermission) || !strings.Contains(got[i].Err.Error(), got[i].Name) {
			t.Errorf("%s: Err = %v", got[i].Name, got[i].Err)
		}
	}
	if got[1].Body != "ok" || got[3].Body != "c" {
		t.Errorf("readable files: %+v", got)
	}
	// An unreadable root fails the walk.
	for _, p := range []string{j("a/locked"), j("b/secret.json")} {
		if _, err := walkAll(t, Path(p)); !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), p) {
			t.Errorf("unreadable root %s: %v", p, err)
		}
	}
}

func TestWalkStops(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.json": "a", "b/c.json": "c", "d.json": "d"})
	stop := errors.New("stop")
	n := 0
	err := Path(dir).Walk(context.Background(), func(Input) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("fn error: Walk = %v after %d inputs", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Path(dir).Walk(ctx, func(Input) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled: Walk = %v after %d inputs", err, n)
	}
	n = 0
	err = FS(os.DirFS(dir), "demo").Walk(ctx, func(Input) error { n++; return nil })
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("FS cancelled: Walk = %v after %d inputs", err, n)
	}
}

func TestStdin(t *testing.T) {
	src := Stdin(strings.NewReader(`{"eventID":"x"}`))
	if src.String() != "-" {
		t.Errorf("String() = %q", src.String())
	}
	got, err := walkAll(t, src)
	if err != nil || len(got) != 1 || got[0].Name != "-" || got[0].Size != -1 || got[0].Body != `{"eventID":"x"}` {
		t.Fatalf("%+v, %v", got, err)
	}
}

// failFS is an fs.FS in which some folders cannot be read.
type failFS struct {
	fstest.MapFS
	bad string
}

func (f failFS) Open(name string) (fs.File, error) {
	if name == f.bad {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.MapFS.Open(name)
}

func (f failFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == f.bad {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrPermission}
	}
	return f.MapFS.ReadDir(name)
}

func TestFS(t *testing.T) {
	m := fstest.MapFS{
		"demo/b.json.gz":                   {Data: []byte("b")},
		"demo/a/x.json":                    {Data: []byte("ax")},
		"demo/.hidden":                     {Data: []byte("h")},
		"lock/y.json":                      {Data: []byte("y")},
		"z.json":                           {Data: []byte("z")},
		"CloudTrail-Digest/d.json":         {Data: []byte("d")},
		"i/1_CloudTrail-Insight_r.json.gz": {Data: []byte("i")},
	}
	got, err := walkAll(t, FS(failFS{m, "lock"}, "embedded"))
	if err != nil {
		t.Fatal(err)
	}
	want := []walked{
		{Name: "embedded/CloudTrail-Digest", Size: -1},
		{Name: "embedded/demo/a/x.json", Size: 2, Body: "ax"},
		{Name: "embedded/demo/b.json.gz", Size: 1, Body: "b"},
		{Name: "embedded/i/1_CloudTrail-Insight_r.json.gz", Size: 1},
		{Name: "embedded/lock", Size: -1},
		{Name: "embedded/z.json", Size: 1, Body: "z"},
	}
	if !slices.Equal(names(got), names(want)) {
		t.Fatalf("walked %q, want %q", names(got), names(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Size != w.Size || g.Body != w.Body || (w.Body == "") != (g.Err != nil) {
			t.Errorf("%s: %+v, want %+v", g.Name, g, w)
		}
		if g.Err != nil && !strings.HasPrefix(g.Err.Error(), g.Name+": ") {
			t.Errorf("Err %q does not name %s", g.Err, g.Name)
		}
	}
	if !errors.Is(got[0].Err, ErrNotEventLog) || !errors.Is(got[3].Err, ErrNotEventLog) || !errors.Is(got[4].Err, fs.ErrPermission) {
		t.Errorf("errors: %v, %v, %v", got[0].Err, got[3].Err, got[4].Err)
	}
	if _, err := walkAll(t, FS(failFS{m, "."}, "embedded")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("unreadable root: %v", err)
	}
}

// TestLocalEndToEnd reads a folder of every shape through Path and Reader.
func TestLocalEndToEnd(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i, sh := range shapes() {
		files[fmt.Sprintf("%02d.json", i)] = sh.data
	}
	files["bad.json"] = "not json"
	writeTree(t, dir, files)
	gzPath := filepath.Join(dir, "z.json.gz")
	if err := os.WriteFile(gzPath, gzipMembers(t, []byte(shapes()[0].data), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	var origins []string
	var failed []string
	err := Path(dir).Walk(context.Background(), func(in Input) error {
		rc, err := in.Open(context.Background())
		if err != nil {
			return err
		}
		defer rc.Close()
		rd := NewReader(rc, in.Name, ReaderOptions{})
		defer rd.Close()
		for rd.Next() {
			if rd.Record().Err != nil {
				t.Errorf("%v", rd.Record().Err)
			}
			origins = append(origins, rd.Record().Origin.String())
		}
		if rd.Err() != nil {
			failed = append(failed, rd.Err().Error())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || !strings.HasPrefix(failed[0], filepath.Join(dir, "bad.json")+": record 0, byte 0: ") {
		t.Errorf("failures: %q", failed)
	}
	if !slices.Contains(origins, gzPath+"#3") || !slices.Contains(origins, filepath.Join(dir, "06.json")) || !slices.Contains(origins, filepath.Join(dir, "00.json")+"#0") {
		t.Errorf("origins: %q", origins)
	}
}
