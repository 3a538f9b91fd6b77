package mrtdump

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/routestat/routestat/internal/sharedtest"
)

// benchFiles are the files the performance targets are stated on.
var benchFiles = []struct{ name, path string }{
	{"jinx-rib", "libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2"},
	{"pch-et-updates", "ripe-bgpdump-testdata/updates.et-header.2015.gz"},
	{"routeviews2-2026", "routeviews-bgp4mp-et/updates.20260222.1530.bz2"},
}

// benchData decompresses a shared file into memory once, so that benchmarks
// measure decoding and printing, not decompression.
func benchData(b *testing.B, rel string) []byte {
	b.Helper()
	path := filepath.Join(sharedtest.Dir(b), "testdata", "mrt", rel)
	f := testOpenMRT(b, path)
	data, err := io.ReadAll(f.br)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// runRecords feeds every record of data to fn and reports records/s and
// decompressed MB/s.
func runRecords(b *testing.B, data []byte, fn func(*Record)) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		r := NewReader(bytes.NewReader(data))
		records = 0
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			records++
			fn(rec)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkDecode is the decode-only path: every record framed and fully
// decoded (attributes of every RIB entry and UPDATE), nothing printed.
func BenchmarkDecode(b *testing.B) {
	for _, f := range benchFiles {
		b.Run(f.name, func(b *testing.B) {
			data := benchData(b, f.path)
			var s Summary
			runRecords(b, data, func(r *Record) { _ = s.Record(r) })
		})
	}
}

// BenchmarkDumpM prints bgpdump -m lines to io.Discard.
func BenchmarkDumpM(b *testing.B) {
	for _, f := range benchFiles {
		b.Run(f.name, func(b *testing.B) {
			data := benchData(b, f.path)
			d := NewDumper(io.Discard, DumpOptions{})
			lines := 0
			runRecords(b, data, func(r *Record) { _ = d.Record(r) })
			_ = d.Flush()
			lines = d.Stats().Lines
			b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkDumpMParallel prints -m lines on every core.
func BenchmarkDumpMParallel(b *testing.B) {
	for _, f := range benchFiles {
		b.Run(f.name, func(b *testing.B) {
			data := benchData(b, f.path)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				p := NewParallelDumper(io.Discard, DumpOptions{}, 0)
				r := NewReader(bytes.NewReader(data))
				for {
					rec, err := r.Next()
					if err != nil {
						break
					}
					_ = p.Record(rec)
				}
				_ = p.Flush()
			}
		})
	}
}
