package mrtdump

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testShared returns the shared test data directory: $ROUTESTAT_SHARED, or
// ../../shared beside the repository. Without it the test fails under CI and
// is skipped elsewhere.
func testShared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("ROUTESTAT_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "testdata", "mrt")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test data missing (set ROUTESTAT_SHARED): %v", err)
		}
		t.Skipf("shared test data missing (set ROUTESTAT_SHARED): %v", err)
	}
	return dir
}

// testMRTFiles lists the MRT data files of the shared test data (everything
// but reference outputs and notes), relative to testdata/mrt.
func testMRTFiles(t testing.TB) (root string, files []string) {
	t.Helper()
	root = filepath.Join(testShared(t), "testdata", "mrt")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if strings.Contains(name, ".txt") || strings.HasSuffix(name, ".md") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no MRT files under %s", root)
	}
	return root, files
}

// testOpenMRT opens an MRT file, decompressing it by magic bytes.
func testOpenMRT(t testing.TB, path string) *Reader {
	t.Helper()
	f, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f.Reader
}

// testReference returns bgpdump's -m output for a shared file.
func testReference(t testing.TB, path string) []byte {
	t.Helper()
	for _, name := range []string{path + ".bgpdump-m.txt", path + ".bgpdump-m.txt.gz"} {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	t.Fatalf("no bgpdump reference for %s", path)
	return nil
}
