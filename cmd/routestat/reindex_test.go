package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/routestat/routestat/stat/index"
)

// TestReindexKeepsDocuments rebuilds an index from an archive and checks
// that the documents kept beside the routes (hijack incidents) survive.
func TestReindexKeepsDocuments(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive", "rrc00", "2026.01")
	if err := os.MkdirAll(archive, 0o755); err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("../../mrtdump/testdata/sample/updates.sample.gz")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(archive, "updates.20260101.0000.gz"), sample, 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	ix, err := index.Open(data, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.PutDoc("hijack.incident", "20260101T000000Z-00000000", []byte(`{"id":"20260101T000000Z-00000000"}`)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"reindex", "--data", data, "--archive", filepath.Join(dir, "archive")}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("reindex exited %d", code)
	}
	ix, err = index.Open(data, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var keys []string
	if err := ix.Docs("hijack.incident", func(k string, _ []byte) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "20260101T000000Z-00000000" {
		t.Errorf("documents after reindex: %v", keys)
	}
	if ix.Latest().IsZero() {
		t.Error("the rebuilt index holds no routes")
	}
}
