// Package corpus locates the team's shared corpus of real, public
// CloudTrail events for tests. The corpus lives beside the checkout
// (../shared/corpus from the module root); a fresh clone does not have it,
// so tests that need it skip.
package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory, or skips t when it is absent.
func Dir(t testing.TB) string {
	t.Helper()
	c, err := Lookup()
	if err != nil {
		t.Fatal(err)
	}
	if c == "" {
		t.Skip("no shared corpus at ../shared/corpus beside the module (a fresh clone has none)")
	}
	return c
}

// Lookup returns the corpus directory, or "" when it is absent: for fuzz
// targets, which seed from the corpus when it is there and run without it.
func Lookup() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("corpus: no go.mod above the test's directory")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(c); err != nil {
		return "", nil
	}
	return c, nil
}
