package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.md")
	put := func(s string) error {
		return Write(path, func(w io.Writer) error { _, err := io.WriteString(w, s); return err })
	}
	if err := put("first"); err != nil {
		t.Fatal(err)
	}
	if err := put("second"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Errorf("content %q, want second", b)
	}

	// A failed write leaves the old file whole and no temporary file.
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error { io.WriteString(w, "half"); return boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Errorf("after a failed write: content %q, want second", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left: %v, want only report.md", entries)
	}
}

func put(path, s string) error {
	return Write(path, func(w io.Writer) error { _, err := io.WriteString(w, s); return err })
}

// withUmask runs f with the process umask set to m.
func withUmask(t *testing.T, m int, f func()) {
	old := syscall.Umask(m)
	defer syscall.Umask(old)
	f()
}

func TestWriteModes(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o600}, {0o077, 0o600}, {0o000, 0o600}, {0o277, 0o400}} {
		path := filepath.Join(dir, fmt.Sprintf("new-%o", c.umask))
		withUmask(t, c.umask, func() {
			if err := put(path, "x"); err != nil {
				t.Fatal(err)
			}
		})
		if fi, _ := os.Stat(path); fi.Mode().Perm() != c.want {
			t.Errorf("umask %03o: new file mode %v, want %v", c.umask, fi.Mode().Perm(), c.want)
		}
	}

	// An existing file keeps its permission bits, whatever the umask.
	for _, mode := range []os.FileMode{0o600, 0o640, 0o644} {
		path := filepath.Join(dir, fmt.Sprintf("old-%o", mode))
		if err := os.WriteFile(path, []byte("old"), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode)
		withUmask(t, 0o077, func() {
			if err := put(path, "new"); err != nil {
				t.Fatal(err)
			}
		})
		if fi, _ := os.Stat(path); fi.Mode().Perm() != mode {
			t.Errorf("existing %v: mode after a write %v", mode, fi.Mode().Perm())
		}
	}
}

func TestWriteSymlink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	target := filepath.Join(dir, "real", "report.md")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	// A relative link, and a link to that link.
	link := filepath.Join(dir, "link.md")
	if err := os.Symlink("real/report.md", link); err != nil {
		t.Fatal(err)
	}
	link2 := filepath.Join(dir, "link2.md")
	if err := os.Symlink(link, link2); err != nil {
		t.Fatal(err)
	}
	if err := put(link2, "through"); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{link, link2} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s was replaced: %v %v", l, fi.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "through" {
		t.Errorf("target holds %q, want through", b)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("target mode %v, want 0640 kept", fi.Mode().Perm())
	}

	// A dangling link creates its target.
	dangling := filepath.Join(dir, "dangling.md")
	os.Symlink(filepath.Join(dir, "real", "new.md"), dangling)
	if err := put(dangling, "created"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "real", "new.md")); string(b) != "created" {
		t.Errorf("dangling link's target holds %q", b)
	}

	// A loop is an error, not a hang.
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.Symlink(b, a)
	os.Symlink(a, b)
	if err := put(a, "x"); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("link loop: err = %v", err)
	}
}

func TestMissingFolderAndCheck(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "report.md")
	for name, f := range map[string]func(string) error{"Write": func(p string) error { return put(p, "x") }, "Check": Check} {
		if err := f(missing); err == nil || !strings.Contains(err.Error(), "does not exist: create it first") {
			t.Errorf("%s(missing folder): err = %v", name, err)
		}
		if err := f(dir); err == nil || !strings.Contains(err.Error(), "is a folder") {
			t.Errorf("%s(a folder): err = %v", name, err)
		}
		file := filepath.Join(dir, "file")
		os.WriteFile(file, nil, 0o600)
		if err := f(filepath.Join(file, "report.md")); err == nil || !strings.Contains(err.Error(), "not a folder") {
			t.Errorf("%s(under a file): err = %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nope")); err == nil {
		t.Error("the missing folder was created")
	}
	if err := Check(filepath.Join(dir, "ok.md")); err != nil {
		t.Errorf("Check(writable): %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Check left files: %v", entries)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		if err := Check(filepath.Join(ro, "report.md")); err == nil || !strings.Contains(err.Error(), "cannot write to folder") {
			t.Errorf("Check(read-only folder): err = %v", err)
		}
	}
}

func TestWriteNotRegular(t *testing.T) {
	// A named pipe stands for /dev/stdout: written through, not replaced.
	fifo := filepath.Join(t.TempDir(), "out")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := Write(fifo, func(w io.Writer) error { _, err := io.WriteString(w, "through"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", fi.Mode(), err)
	}
	if s := <-got; s != "through" {
		t.Errorf("read %q from the pipe, want through", s)
	}
}
