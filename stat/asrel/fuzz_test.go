package asrel

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary input to Parse, seeded with the fixtures
// (plain and gzip). Parse must not panic; an error must name the input;
// the links of a Relationships it returns must read the same from both
// sides; and Check of a path over its ASes must give a consistent Leak.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(b)
		zw.Close()
		f.Add(gz.Bytes())
	}
	f.Add([]byte("1|2|-1\n2|3|0\n3|4|-1|bgp\n# c\n"))
	f.Add([]byte("BZh91AY&SY"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(bytes.NewReader(data), "fuzz.in")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "asrel: fuzz.in") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		var path []uint32
		n := 0
		for l := range r.All() {
			if l.A >= l.B || (l.Rel != Provider && l.Rel != Customer && l.Rel != Peer) {
				t.Fatalf("bad link %+v", l)
			}
			if r.Rel(l.A, l.B) != l.Rel || r.Rel(l.B, l.A) != l.Rel.Inverse() {
				t.Fatalf("link %+v reads %v / %v", l, r.Rel(l.A, l.B), r.Rel(l.B, l.A))
			}
			if len(path) < 12 {
				path = append(path, l.A, l.B)
			}
			n++
		}
		if n != r.Len() {
			t.Fatalf("All yields %d links, Len is %d", n, r.Len())
		}
		slices.Sort(path) // some order over known ASes, so links are likely
		for _, p := range [][]uint32{path, slices.Compact(slices.Clone(path))} {
			l := r.Check(p)
			if !l.Found {
				if l != (Leak{}) {
					t.Fatalf("Check(%v) = %+v: not found but not zero", p, l)
				}
				continue
			}
			i := l.Index
			if i < 0 || i >= len(p) || p[i] != l.Leaker || (i > 0 && p[i-1] == l.Leaker) {
				t.Fatalf("Check(%v) = %+v: Index is not the Leaker's first entry", p, l)
			}
			if (l.FromRel != Provider && l.FromRel != Peer) || (l.ToRel != Provider && l.ToRel != Peer) ||
				r.Rel(l.From, l.Leaker) != l.FromRel || r.Rel(l.To, l.Leaker) != l.ToRel {
				t.Fatalf("Check(%v) = %+v: inconsistent relationships", p, l)
			}
			if !strings.HasPrefix(l.String(), "AS") {
				t.Fatalf("String = %q", l.String())
			}
		}
	})
}
