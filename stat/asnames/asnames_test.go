package asnames

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sample is a small names file in the accepted forms: plain and
// AS-prefixed numbers, comments, blank lines, CRLF, tabs.
const sample = "# AS names, test file\r\n" +
	"3333 RIPE-NCC-AS Reseaux IP Europeens Network Coordination Centre (RIPE NCC), NL\r\n" +
	"\r\n" +
	"AS15169 GOOGLE, US\n" +
	"as36561\tGOOGLE-ISP, US\n" +
	"   # indented comment\n" +
	"64500 EXAMPLE-AS Example, NL\n" +
	"4200000000 PRIVATE-EXAMPLE\n"

// writeSample writes text to a names file in a temporary directory.
func writeSample(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "asnames.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadAndName loads the sample and looks names up.
func TestLoadAndName(t *testing.T) {
	n, err := Load(writeSample(t, sample))
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]string{
		3333:       "RIPE-NCC-AS Reseaux IP Europeens Network Coordination Centre (RIPE NCC), NL",
		15169:      "GOOGLE, US",
		36561:      "GOOGLE-ISP, US",
		64500:      "EXAMPLE-AS Example, NL",
		4200000000: "PRIVATE-EXAMPLE",
		1:          "",
	}
	for as, name := range want {
		if got := n.Name(as); got != name {
			t.Errorf("Name(%d) = %q, want %q", as, got, name)
		}
	}
	if n.Len() != 5 {
		t.Errorf("Len = %d, want 5", n.Len())
	}
}

// TestLoadNoFile checks that no path means no names, and a missing file an error.
func TestLoadNoFile(t *testing.T) {
	n, err := Load("")
	if err != nil || n != nil {
		t.Fatalf("Load(\"\") = %v, %v", n, err)
	}
	if n.Name(3333) != "" || n.Search("ripe", 5) != nil || n.Len() != 0 {
		t.Error("nil Names knows something")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file: no error")
	}
}

// TestParseErrors checks that bad lines are errors naming the file and line.
func TestParseErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"3333 RIPE\nfoo bar\n", "x.txt:2: \"foo\" is not an AS number"},
		{"\n\nAS3333\n", "x.txt:3: AS3333 has no name"},
		{"4294967296 TOO-BIG\n", "x.txt:1:"},
		{"-1 NEG\n", "x.txt:1:"},
		{"AS NAME\n", "x.txt:1:"},
		{"3333 ok\n" + strings.Repeat("x", 2<<20) + "\n", "x.txt"},
	}
	for _, tc := range tests {
		_, err := Parse(strings.NewReader(tc.text), "x.txt")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.20q: error %v, want it to contain %q", tc.text, err, tc.want)
		}
	}
}

// TestSearch checks the name search: prefix matches first, then substrings.
func TestSearch(t *testing.T) {
	n, err := Parse(strings.NewReader(sample), "sample")
	if err != nil {
		t.Fatal(err)
	}
	as := func(es []Entry) []uint32 {
		var out []uint32
		for _, e := range es {
			out = append(out, e.AS)
		}
		return out
	}
	tests := []struct {
		q     string
		limit int
		want  []uint32
	}{
		{"google", 6, []uint32{15169, 36561}},
		{"GOOGLE-isp", 6, []uint32{36561}},
		{"google", 1, []uint32{15169}},
		{"nl", 6, []uint32{3333, 64500}},
		{"example", 6, []uint32{64500, 4200000000}}, // prefix match first
		{"ncc", 6, []uint32{3333}},
		{"", 6, nil},
		{"  ", 6, nil},
		{"ripe", 0, nil},
		{"nothing-like-it", 6, nil},
	}
	for _, tc := range tests {
		if got := as(n.Search(tc.q, tc.limit)); !slices.Equal(got, tc.want) {
			t.Errorf("Search(%q, %d) = %v, want %v", tc.q, tc.limit, got, tc.want)
		}
	}
}
