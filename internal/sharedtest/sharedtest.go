// Package sharedtest locates the shared design notes and real test data
// for tests: $ROUTESTAT_SHARED, or the shared directory beside the
// repository. Tests that need it fail when CI=true and it is missing, and
// are skipped elsewhere.
package sharedtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the shared directory, which holds testdata/mrt.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("ROUTESTAT_SHARED")
	if dir == "" {
		_, here, _, _ := runtime.Caller(0) // .../internal/sharedtest/sharedtest.go
		dir = filepath.Join(filepath.Dir(here), "..", "..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "testdata", "mrt")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test data missing (set ROUTESTAT_SHARED): %v", err)
		}
		t.Skipf("shared test data missing (set ROUTESTAT_SHARED): %v", err)
	}
	return dir
}

// MRT returns the path of a shared MRT file, rel to testdata/mrt.
func MRT(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(t), "testdata", "mrt", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared MRT file: %v", err)
	}
	return p
}
