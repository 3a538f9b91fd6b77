package rpki

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary input to Parse, seeded with the fixtures of
// both formats. Parse must not panic; an error must name the input; a
// Set it returns must hold only well-formed VRPs, each of which
// validates its own prefix and AS.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"roas":[{"asn":"AS1","prefix":"10.0.0.0/8","maxLength":8,"ta":"x","expires":1}]}`,
		`{"roas":[{"asn":0,"prefix":"::/0","maxLength":128}],"aspas":[{"customer_asid":1}]}`,
		"\"ASN\",\"IP Prefix\",\"Max Length\",\"Trust Anchor\"\r\n\"1\",\"10.0.0.0/8\",\"8\",\"a\"\r\n",
		"1,10.0.0.0/8,8,a,2024-05-01 12:00:00\n# c\n\nAS2,2001:db8::/32,,b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(bytes.NewReader(data), "fuzz.in")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "rpki: fuzz.in") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		n := 0
		var prev VRP
		for v := range s.All() {
			if err := v.check(); err != nil {
				t.Fatalf("set holds a bad VRP %+v: %v", v, err)
			}
			if n > 0 && compareVRPs(prev, v) >= 0 {
				t.Fatalf("VRPs out of order or duplicated: %v, %v", prev, v)
			}
			want := Valid
			if v.ASN == 0 {
				want = Invalid
			}
			if got := s.Validate(v.Prefix, v.ASN); got.State != want {
				t.Fatalf("VRP %v validates its own route as %v", v, got.State)
			}
			found := false
			for _, c := range s.Covering(v.Prefix) {
				found = found || c == v
			}
			if !found {
				t.Fatalf("Covering(%s) misses %v", v.Prefix, v)
			}
			prev = v
			n++
		}
		if n != s.Len() {
			t.Fatalf("All yields %d VRPs, Len is %d", n, s.Len())
		}
	})
}

// compareVRPs orders VRPs as Set.All yields them: by prefix (family,
// address, length), MaxLength, ASN and TA.
func compareVRPs(a, b VRP) int {
	if c := a.Prefix.Compare(b.Prefix); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.MaxLength, b.MaxLength), cmp.Compare(a.ASN, b.ASN), cmp.Compare(a.TA, b.TA))
}
