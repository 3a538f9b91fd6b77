package mrtdump

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
)

// TestDecodeBGPMessage checks that a bare BGP message, as a collector
// receives it, decodes exactly as the same message inside its BGP4MP
// record, for every message of the crafted archive and of real RIS files.
func TestDecodeBGPMessage(t *testing.T) {
	root, _ := testMRTFiles(t)
	readers := map[string]*Reader{"crafted": NewReader(bytes.NewReader(jsonArchive(t)))}
	for _, rel := range []string{"ripe-bgpdump-testdata/updates.20160811.1600.gz", "ripe-bgpdump-testdata/updates.et-header.2015.gz", "ripe-bgpdump-testdata/updates.20070211.0141.gz"} {
		readers[rel] = testOpenMRT(t, filepath.Join(root, rel))
	}
	for name, r := range readers {
		var inRecord, bare Message
		n := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if rec.Type != TypeBGP4MP && rec.Type != TypeBGP4MPET {
				continue
			}
			if DecodeMessage(rec.Body, rec.Subtype, &inRecord) != nil {
				continue
			}
			if err := DecodeBGPMessage(inRecord.Raw, inRecord.AS4, inRecord.AddPath, &bare); err != nil {
				t.Fatalf("%s at %d: %v", name, rec.Offset, err)
			}
			want := ours(&inRecord.Attrs, inRecord.Withdrawn, inRecord.NLRI, true).String()
			if got := ours(&bare.Attrs, bare.Withdrawn, bare.NLRI, true).String(); got != want || bare.Type != inRecord.Type || !bytes.Equal(bare.Raw, inRecord.Raw) {
				t.Fatalf("%s at %d:\nbare      %s\nin record %s", name, rec.Offset, got, want)
			}
			n++
		}
		if n == 0 {
			t.Fatalf("%s: no messages", name)
		}
	}
	var m Message
	for _, bad := range [][]byte{nil, make([]byte, 18), append(make([]byte, 16), 0, 19, 4)} {
		if err := DecodeBGPMessage(bad, true, false, &m); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeBGPMessage(% x): %v, want ErrMalformed", bad, err)
		}
	}
}
