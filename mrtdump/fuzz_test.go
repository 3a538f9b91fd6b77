package mrtdump

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSinks runs every consumer of records over the stream in data: the
// bgpdump-style Dumper (as bgpdump, and with Fix), the JSON encoder, the
// Summary and the ParallelPrinter, and checks what they must never do:
// panic, loop, return an error that is neither a DecodeError nor a write
// error, or write a JSON line that does not parse.
func fuzzSinks(t *testing.T, data []byte) {
	var dump, fixed, js, jsSplit, par bytes.Buffer
	d := NewDumper(&dump, DumpOptions{})
	dh := NewDumper(io.Discard, DumpOptions{HumanTime: true, ChangeTime: true, LargeCommunities: true})
	df := NewDumper(&fixed, DumpOptions{Fix: true})
	je := NewJSONEncoder(&js, JSONOptions{Host: "fuzz", IncludeRaw: true})
	js2 := NewJSONEncoder(&jsSplit, JSONOptions{SplitRoutes: true})
	pp := NewParallelDumper(&par, DumpOptions{}, 2)
	var sum Summary
	type sink interface {
		Record(*Record) error
	}
	sinks := []sink{d, dh, df, je, js2, &sum}
	r := NewReader(bytes.NewReader(data))
	r.Resync = true
	records := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *FramingError
			if !errors.As(err, &fe) {
				t.Fatalf("Next: error %T is not a *FramingError: %v", err, err)
			}
			if fe.Resumed {
				continue
			}
			break
		}
		records++
		if records > len(data)/12+1 {
			t.Fatalf("%d records from %d bytes: the reader does not advance", records, len(data))
		}
		for _, s := range sinks {
			if err := s.Record(rec); err != nil {
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("%T.Record: %v", s, err)
				}
			}
		}
		if err := pp.Record(rec); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("ParallelPrinter.Record: %v", err)
			}
		}
	}
	for _, fl := range []interface{ Flush() error }{d, dh, df, je, js2, pp} {
		if err := fl.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	if !bytes.Equal(dump.Bytes(), par.Bytes()) {
		t.Fatalf("ParallelPrinter output differs from the Dumper's at %s", firstDiff(dump.Bytes(), par.Bytes()))
	}
	for line := range bytes.Lines(append(js.Bytes(), jsSplit.Bytes()...)) {
		if !json.Valid(line) {
			t.Fatalf("invalid JSON line: %s", line)
		}
	}
	for line := range bytes.Lines(dump.Bytes()) {
		if line[len(line)-1] != '\n' {
			t.Fatalf("unterminated line: %q", line)
		}
	}
}

// fuzzSeedStreams returns MRT streams to start from: the sample archive,
// the JSON test archive and, when the shared data is there, the first
// records of a few real files of different kinds.
func fuzzSeedStreams(f *testing.F) [][]byte {
	var seeds [][]byte
	if s, err := Open(samplePath, nil); err == nil {
		if b, err := io.ReadAll(s.rc); err == nil {
			seeds = append(seeds, b)
		}
		s.Close()
	}
	seeds = append(seeds, jsonArchive(f))
	dir := os.Getenv("ROUTESTAT_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared")
	}
	for _, name := range []string{
		"ripe-bgpdump-testdata/bview.ipv6_unicast_add_path.gz",
		"ripe-bgpdump-testdata/updates.et-header.2015.gz",
		"ripe-bgpdump-testdata/updates.20070211.0141.gz",
		"ris-historic-bgpkit/rrc00/updates.19990903.1041.gz",
		"ris-historic-bgpkit/rrc00/bview.20000111.0032.gz",
		"lab-daemons-mrtparse/openbgpd_rib_table",
		"lab-daemons-mrtparse/quagga_bgp",
		"pyasn-samples/bview.20140112.1600_3samples.bz2",
	} {
		s, err := Open(filepath.Join(dir, "testdata", "mrt", name), nil)
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(s.rc, 8192))
		s.Close()
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzReader feeds arbitrary bytes to the Reader (with resynchronisation)
// and every record consumer.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeedStreams(f) {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzSinks(t, data) })
}

// FuzzRecord wraps an arbitrary body in a well-framed record of any type
// and subtype, so the fuzzer spends its time in the record and attribute
// decoders rather than in framing. A PEER_INDEX_TABLE goes first so that
// RIB records have peers to name.
func FuzzRecord(f *testing.F) {
	for _, s := range fuzzSeedStreams(f) {
		r := NewReader(bytes.NewReader(s))
		for range 40 {
			rec, err := r.Next()
			if err != nil {
				break
			}
			f.Add(uint16(rec.Type), rec.Subtype, bytes.Clone(rec.Body))
		}
	}
	pit := []byte{192, 0, 2, 254, 0, 0, 0, 2,
		2, 192, 0, 2, 1, 192, 0, 2, 1, 0, 0, 0xfb, 0xf4,
		3, 192, 0, 2, 2, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0xfb, 0xf6}
	f.Fuzz(func(t *testing.T, typ, sub uint16, body []byte) {
		var b []byte
		b = appendRecord(b, TypeTableDumpV2, SubPeerIndexTable, pit)
		if Type(typ) == TypeBGP4MPET {
			body = append([]byte{0, 0, 0, 1}, body...)
		}
		b = appendRecord(b, Type(typ), sub, body)
		fuzzSinks(t, b)
	})
}

func appendRecord(b []byte, typ Type, sub uint16, body []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, 1767225600)
	b = binary.BigEndian.AppendUint16(b, uint16(typ))
	b = binary.BigEndian.AppendUint16(b, sub)
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}
