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

	"github.com/routestat/routestat/internal/sharedtest"
)

// testMRTFiles lists the MRT data files of the shared test data (everything
// but reference outputs and notes), relative to testdata/mrt.
func testMRTFiles(t testing.TB) (root string, files []string) {
	t.Helper()
	root = filepath.Join(sharedtest.Dir(t), "testdata", "mrt")
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
