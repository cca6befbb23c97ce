package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Path returns a Source for a local file or folder. A folder is walked
// recursively in lexical order; entries whose names start with "." are
// skipped, symbolic links are followed, and each real file and folder
// (device and inode) is visited once, at the first path that reaches it:
// links can neither loop nor multiply the inputs. Digest and Insights files and
// folders are offered as inputs with an Err wrapping ErrNotEventLog,
// without being opened, and so are entries that cannot be read; Walk
// fails only when path itself cannot be read.
func Path(path string) Source { return pathSource{path} }

type pathSource struct{ root string }

func (s pathSource) String() string { return s.root }

// Walk implements Source.
func (s pathSource) Walk(ctx context.Context, fn func(Input) error) error {
	fi, err := os.Stat(s.root)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		in := fileInput(s.root, fi, false)
		if in.Err != nil && !errors.Is(in.Err, ErrNotEventLog) {
			return in.Err // the root itself cannot be read
		}
		return fn(in)
	}
	if notEventLogPath(filepath.ToSlash(s.root)) {
		return fn(skippedInput(s.root, -1))
	}
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return err
	}
	w := walker{ctx: ctx, fn: fn, seen: map[[2]uint64]bool{}}
	w.first(fi)
	return w.entries(s.root, entries, []os.FileInfo{fi})
}

// walker walks a local folder tree.
type walker struct {
	ctx  context.Context
	fn   func(Input) error
	seen map[[2]uint64]bool // the files and folders visited, by device and inode
}

// first reports whether fi is a file or folder the walk has not visited
// yet, and marks it visited.
func (w walker) first(fi os.FileInfo) bool {
	id, ok := fileID(fi)
	if !ok {
		return true
	}
	if w.seen[id] {
		return false
	}
	w.seen[id] = true
	return true
}

// dir walks the folder p, whose ancestors (p included) are stack.
func (w walker) dir(p string, stack []os.FileInfo) error {
	entries, err := os.ReadDir(p)
	if err != nil {
		// ReadDir returns what it read before failing: walk that too.
		if err := w.fn(Input{Name: p, Size: -1, Err: err}); err != nil {
			return err
		}
	}
	return w.entries(p, entries, stack)
}

func (w walker) entries(p string, entries []os.DirEntry, stack []os.FileInfo) error {
	for _, e := range entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name := filepath.Join(p, e.Name())
		fi, err := os.Stat(name) // follows links
		if err != nil {
			if err := w.fn(Input{Name: name, Size: -1, Err: err}); err != nil {
				return err
			}
			continue
		}
		if !w.first(fi) {
			continue // reached before through another link
		}
		if fi.IsDir() {
			if notEventLogPath(e.Name()) {
				err = w.fn(skippedInput(name, -1))
			} else if !inStack(stack, fi) {
				err = w.dir(name, append(stack, fi))
			}
		} else {
			err = w.fn(fileInput(name, fi, true))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// inStack reports whether fi is one of the folders being walked: a link
// to it would loop.
func inStack(stack []os.FileInfo, fi os.FileInfo) bool {
	for _, a := range stack {
		if os.SameFile(a, fi) {
			return true
		}
	}
	return false
}

// fileInput describes the local file name. In a folder (inFolder) only
// regular files are read, and a file that cannot be opened is reported
// here rather than when the pipeline opens it.
func fileInput(name string, fi os.FileInfo, inFolder bool) Input {
	if notEventLogPath(filepath.ToSlash(name)) {
		return skippedInput(name, fi.Size())
	}
	in := Input{Name: name, Size: fi.Size()}
	if !fi.Mode().IsRegular() {
		if inFolder {
			in.Err = fmt.Errorf("%s: not a regular file (%s)", name, fi.Mode().Type())
			return in
		}
		in.Size = -1 // a pipe or device: its size says nothing
		in.Open = func(ctx context.Context) (io.ReadCloser, error) {
			f, err := openStream(ctx, name)
			if err != nil {
				return nil, err
			}
			return streamCloser{cancelable(ctx, f), f}, nil
		}
		return in
	}
	f, err := os.Open(name)
	if err != nil {
		in.Err = err
		return in
	}
	f.Close()
	in.Open = func(ctx context.Context) (io.ReadCloser, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return os.Open(name)
	}
	return in
}

// skippedInput is a digest or Insights file or folder, not read.
func skippedInput(name string, size int64) Input {
	return Input{Name: name, Size: size, Err: fmt.Errorf("%s: CloudTrail digest or Insights data: %w", name, ErrNotEventLog)}
}

// notEventLogPath reports whether the slash-separated path p names
// CloudTrail digest or Insights data: a CloudTrail-Digest or
// CloudTrail-Insight folder, or a file named like one of their files.
func notEventLogPath(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "CloudTrail-Digest" || seg == "CloudTrail-Insight" {
			return true
		}
	}
	base := path.Base(p)
	return strings.Contains(base, "_CloudTrail-Digest_") || strings.Contains(base, "_CloudTrail-Insight_")
}

// Stdin returns a Source with one input, named "-", reading r. Unless r
// is a regular file, it is read so that canceling the scan's context
// stops a read blocked on it (a pipe whose writer is silent, a terminal).
func Stdin(r io.Reader) Source { return stdinSource{r} }

type stdinSource struct{ r io.Reader }

func (stdinSource) String() string { return "-" }

// Walk implements Source.
func (s stdinSource) Walk(ctx context.Context, fn func(Input) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(Input{Name: "-", Size: -1, Open: func(ctx context.Context) (io.ReadCloser, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if f, ok := s.r.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				return io.NopCloser(f), nil // reads of a file do not block
			}
		}
		return cancelable(ctx, s.r), nil
	}})
}

// streamCloser closes a cancelable reader and the file it reads.
type streamCloser struct {
	io.ReadCloser
	f *os.File
}

func (s streamCloser) Close() error {
	s.ReadCloser.Close()
	return s.f.Close()
}

// FS returns a Source that walks fsys (the embedded demo archive, for one)
// like Path walks a folder. Input names are name+"/"+the file's path in
// fsys.
func FS(fsys fs.FS, name string) Source { return fsSource{fsys, name} }

type fsSource struct {
	fsys fs.FS
	name string
}

func (s fsSource) String() string { return s.name }

// Walk implements Source.
func (s fsSource) Walk(ctx context.Context, fn func(Input) error) error {
	return fs.WalkDir(s.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if p == "." {
			return err // nil, or the root cannot be read
		}
		name := s.name + "/" + p
		if err != nil {
			if ferr := fn(Input{Name: name, Size: -1, Err: fmt.Errorf("%s: %w", name, err)}); ferr != nil {
				return ferr
			}
			return nil // WalkDir skips a folder it cannot read
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if notEventLogPath(d.Name()) {
				if err := fn(skippedInput(name, -1)); err != nil {
					return err
				}
				return fs.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return fn(Input{Name: name, Size: -1, Err: fmt.Errorf("%s: %w", name, err)})
		}
		if notEventLogPath(p) {
			return fn(skippedInput(name, fi.Size()))
		}
		if !fi.Mode().IsRegular() {
			return fn(Input{Name: name, Size: -1, Err: fmt.Errorf("%s: not a regular file (%s)", name, fi.Mode().Type())})
		}
		return fn(Input{Name: name, Size: fi.Size(), Open: func(ctx context.Context) (io.ReadCloser, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			f, err := s.fsys.Open(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return f, nil
		}})
	})
}
