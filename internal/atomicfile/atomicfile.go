// Package atomicfile writes files so that a reader sees the old content or
// the whole new content, never a part: reports and history files that
// scheduled jobs publish.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxLinks bounds how many symbolic links Resolve follows, as the kernel
// does (ELOOP).
const maxLinks = 40

// Write stores what write produces at path: into a temporary file in the
// same folder, synced, then renamed into place. The folder must exist.
//
// A new file gets mode 0600 less the umask; a file that exists keeps its
// permission bits. A symbolic link is written through: its target is
// replaced, the link stays. A path that exists and is not a regular file
// (/dev/stdout, a named pipe) is written directly, as renaming over it
// would replace it.
func Write(path string, write func(io.Writer) error) error {
	target, err := Resolve(path)
	if err != nil {
		return err
	}
	fi, err := stat(path, target)
	if err != nil {
		return err
	}
	if fi != nil && !fi.Mode().IsRegular() {
		return writeDirect(target, write)
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp") // 0600 less the umask
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if fi != nil {
		err = tmp.Chmod(fi.Mode().Perm())
	}
	if err == nil {
		err = write(tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err == nil {
		syncDir(dir)
	}
	return err
}

// Check reports, without changing anything, why Write(path) would fail
// before it is called: a missing folder, a folder named instead of a file,
// a folder that may not be written to. Callers run it before long work.
func Check(path string) error {
	target, err := Resolve(path)
	if err != nil {
		return err
	}
	fi, err := stat(path, target)
	if err != nil || fi != nil && !fi.Mode().IsRegular() {
		return err // a pipe is written directly; opening it here would block
	}
	dir := filepath.Dir(target)
	// Only creating a file proves the folder takes one (permissions,
	// read-only mounts, ACLs).
	probe, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write to folder %s: %w", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// Resolve follows the symbolic links at path (and a link's target that is
// a link, and so on) and returns the final target, which need not exist.
func Resolve(path string) (string, error) {
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil // a missing target is created by Write
		}
		dest, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(p), dest)
		}
		p = dest
	}
	return "", fmt.Errorf("%s: more than %d symbolic links", path, maxLinks)
}

// stat returns the FileInfo of target (path resolved), nil when it does
// not exist yet, and an error in words when it is a folder or its folder
// is missing.
func stat(path, target string) (os.FileInfo, error) {
	fi, err := os.Stat(target)
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("%s is a folder: name a file", path)
	case err == nil:
		return fi, nil
	}
	if derr := checkDir(filepath.Dir(target)); derr != nil {
		return nil, derr
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return nil, err
}

// checkDir says, in words, when dir is not a folder that exists.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("folder %s does not exist: create it first", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	}
	return nil
}

// writeDirect writes to a file that is not regular (a pipe, a device).
func writeDirect(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir flushes the folder entry of a rename to disk, where the system
// allows it; a failure loses nothing already written.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
