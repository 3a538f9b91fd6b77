package mrtdump

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
)

// TestParallelDumper checks that printing on several goroutines gives the
// same bytes, decode errors and counts as the sequential Dumper, on every
// shared file (the large ones span many batches and peer tables).
func TestParallelDumper(t *testing.T) {
	root, files := testMRTFiles(t)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(root, rel)
			want, _, wantErrs := dumpAll(t, testOpenMRT(t, path), DumpOptions{})
			var buf bytes.Buffer
			p := NewParallelDumper(&buf, DumpOptions{}, 3)
			r := testOpenMRT(t, path)
			var errs []error
			for {
				rec, err := r.Next()
				if err != nil {
					if err != io.EOF {
						var fe *FramingError
						if !errors.As(err, &fe) {
							t.Fatal(err)
						}
					}
					break
				}
				if err := p.Record(rec); err != nil {
					errs = append(errs, err)
				}
			}
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			errs = append(errs, p.Errors()...)
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("parallel output differs:\n%s", firstDiff(want, buf.Bytes()))
			}
			if len(errs) != len(wantErrs) {
				t.Fatalf("%d decode errors, sequential %d", len(errs), len(wantErrs))
			}
			for i := range errs {
				if errs[i].Error() != wantErrs[i].Error() {
					t.Errorf("error %d = %v, sequential %v", i, errs[i], wantErrs[i])
				}
			}
			if st := p.Stats(); st.Lines != bytes.Count(want, []byte("\n")) {
				t.Errorf("stats count %d lines, output has %d", st.Lines, bytes.Count(want, []byte("\n")))
			}
		})
	}
}
