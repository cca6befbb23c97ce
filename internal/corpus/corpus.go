// Package corpus locates the team's shared corpus of real, public
// CloudTrail events for tests. The corpus lives beside the checkout
// (../shared/corpus from the module root); a fresh clone does not have it,
// so tests that need it skip.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory, or skips t when it is absent.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("corpus: no go.mod above the test's directory")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(c); err != nil {
		t.Skipf("no shared corpus at %s (a fresh clone has none): %v", c, err)
	}
	return c
}
