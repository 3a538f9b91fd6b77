package asrel

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// topology loads the serial-1 fixture.
func topology(t testing.TB) *Relationships {
	t.Helper()
	r, err := Load(filepath.Join("testdata", "serial1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRel(t *testing.T) {
	r := topology(t)
	if r.Len() != 12 {
		t.Errorf("Len = %d, want 12", r.Len())
	}
	tests := []struct {
		a, b uint32
		want Rel
	}{
		{1, 10, Provider},
		{10, 1, Customer},
		{1, 2, Peer},
		{2, 1, Peer},
		{11, 10, Peer},
		{100, 1000, Provider},
		{1000, 100, Customer},
		{1, 100, Unknown},
		{1, 1, Unknown},
		{0, 1, Unknown},
		{4294967295, 1, Unknown},
	}
	for _, tt := range tests {
		if got := r.Rel(tt.a, tt.b); got != tt.want {
			t.Errorf("Rel(%d, %d) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	var none *Relationships
	if none.Rel(1, 10) != Unknown || none.Len() != 0 || none.Check([]uint32{2, 12, 1, 10}).Found {
		t.Error("nil Relationships knows something")
	}
	for range none.All() {
		t.Error("nil Relationships has links")
	}
	n := 0
	for l := range r.All() {
		if l.A >= l.B || r.Rel(l.A, l.B) != l.Rel || r.Rel(l.B, l.A) != l.Rel.Inverse() {
			t.Errorf("All yields %+v", l)
		}
		n++
	}
	if n != r.Len() {
		t.Errorf("All yields %d links, Len is %d", n, r.Len())
	}
}

func TestRelNames(t *testing.T) {
	tests := []struct {
		r       Rel
		name    string
		inverse Rel
	}{
		{Unknown, "unknown", Unknown},
		{Provider, "provider", Customer},
		{Customer, "customer", Provider},
		{Peer, "peer", Peer},
		{Rel(9), "Rel(9)", Rel(9)},
	}
	for _, tt := range tests {
		if tt.r.String() != tt.name || tt.r.Inverse() != tt.inverse {
			t.Errorf("%d: String %q, Inverse %v", tt.r, tt.r.String(), tt.r.Inverse())
		}
	}
}

func TestCheck(t *testing.T) {
	r := topology(t)
	tests := []struct {
		name string
		path []uint32 // collector peer first, origin last
		want Leak
		text string
	}{
		{name: "pure up", path: []uint32{1, 10, 100, 1000}},
		{name: "up peer down", path: []uint32{200, 20, 2, 1, 10, 100}},
		{name: "up down", path: []uint32{200, 20, 2, 13}},
		{name: "peer down", path: []uint32{100, 10, 11}},
		{name: "only down", path: []uint32{1000, 100, 10, 1}},
		{name: "up across low peering", path: []uint32{1, 11, 10, 100}, want: Leak{
			// 10 sends its customer's route to its peer 11, fine; 11
			// passes a peer's route to its provider 1: a leak.
			Found: true, Leaker: 11, From: 10, To: 1, FromRel: Peer, ToRel: Provider, Index: 1},
			text: "AS11 passed a route learned from its peer AS10 to its provider AS1"},
		{name: "classic leak", path: []uint32{2, 12, 1, 10}, want: Leak{
			// Multihomed 12 re-announces provider 1's route to its
			// other provider 2.
			Found: true, Leaker: 12, From: 1, To: 2, FromRel: Provider, ToRel: Provider, Index: 1},
			text: "AS12 passed a route learned from its provider AS1 to its provider AS2"},
		{name: "peer to peer", path: []uint32{13, 11, 10, 100}, want: Leak{
			Found: true, Leaker: 11, From: 10, To: 13, FromRel: Peer, ToRel: Peer, Index: 1},
			text: "AS11 passed a route learned from its peer AS10 to its peer AS13"},
		{name: "provider to peer", path: []uint32{11, 10, 1, 2, 20}, want: Leak{
			Found: true, Leaker: 10, From: 1, To: 11, FromRel: Provider, ToRel: Peer, Index: 1},
			text: "AS10 passed a route learned from its provider AS1 to its peer AS11"},
		{name: "two peer links", path: []uint32{11, 10, 1, 2, 20}, want: Leak{
			Found: true, Leaker: 10, From: 1, To: 11, FromRel: Provider, ToRel: Peer, Index: 1}},
		{name: "leak further on", path: []uint32{200, 20, 2, 12, 1, 10, 100}, want: Leak{
			Found: true, Leaker: 12, From: 1, To: 2, FromRel: Provider, ToRel: Provider, Index: 3}},
		{name: "prepending", path: []uint32{2, 12, 12, 12, 1, 10, 10, 10}, want: Leak{
			Found: true, Leaker: 12, From: 1, To: 2, FromRel: Provider, ToRel: Provider, Index: 1}},
		{name: "peer prepends", path: []uint32{2, 2, 12, 1, 10}, want: Leak{
			Found: true, Leaker: 12, From: 1, To: 2, FromRel: Provider, ToRel: Provider, Index: 2}},
		{name: "prepending no leak", path: []uint32{1, 1, 10, 10, 10, 100, 1000, 1000}},
		{name: "unknown link before", path: []uint32{2, 12, 1, 999, 10}},
		{name: "unknown link at origin", path: []uint32{2, 12, 1, 10, 999}},
		{name: "unknown link after leak", path: []uint32{999, 2, 12, 1, 10}, want: Leak{
			Found: true, Leaker: 12, From: 1, To: 2, FromRel: Provider, ToRel: Provider, Index: 2}},
		{name: "AS 0 in path", path: []uint32{2, 12, 0, 10}},
		{name: "two hops", path: []uint32{1, 10}},
		{name: "two hops prepended", path: []uint32{1, 1, 10, 10}},
		{name: "one hop", path: []uint32{12, 12, 12}},
		{name: "empty", path: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Check(tt.path)
			if got != tt.want {
				t.Errorf("Check(%v) = %+v, want %+v", tt.path, got, tt.want)
			}
			if tt.text != "" && got.String() != tt.text {
				t.Errorf("String = %q, want %q", got.String(), tt.text)
			}
			leaker, text, found := r.Leak(tt.path)
			if found != tt.want.Found || leaker != tt.want.Leaker || (found && text != got.String()) || (!found && text != "") {
				t.Errorf("Leak = %d, %q, %v", leaker, text, found)
			}
		})
	}
	if s := (Leak{}).String(); s != "no route leak" {
		t.Errorf("no-leak String = %q", s)
	}
}

// TestCheckLongPath checks paths longer than Check's stack buffer.
func TestCheckLongPath(t *testing.T) {
	r := topology(t)
	var path []uint32
	for range 40 {
		path = append(path, 2)
	}
	path = append(path, 12, 1, 10)
	if l := r.Check(path); !l.Found || l.Leaker != 12 || l.Index != 40 {
		t.Errorf("Check(long) = %+v", l)
	}
	path = path[:0]
	for i := range 40 { // 40 distinct hops: a chain of unknown links
		path = append(path, uint32(64512+i))
	}
	if l := r.Check(path); l.Found {
		t.Errorf("Check(unknown chain) = %+v", l)
	}
}

func TestCheckAllocs(t *testing.T) {
	r := topology(t)
	path := []uint32{200, 20, 2, 12, 12, 1, 10, 100}
	if n := testing.AllocsPerRun(100, func() { r.Check(path) }); n != 0 {
		t.Errorf("Check allocates %v times", n)
	}
}

func TestParseFormats(t *testing.T) {
	plain, err := os.ReadFile(filepath.Join("testdata", "serial1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	// Two gzip members concatenated, as "cat a.gz b.gz" makes.
	var gz2 bytes.Buffer
	for _, part := range []string{"1|2|0\n", "1|10|-1\n"} {
		zw := gzip.NewWriter(&gz2)
		zw.Write([]byte(part))
		zw.Close()
	}
	serial2, err := os.ReadFile(filepath.Join("testdata", "serial2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		n    int
	}{
		{"serial-1", plain, 12},
		{"serial-2 crlf", serial2, 12},
		{"gzip", gz.Bytes(), 12},
		{"gzip multistream", gz2.Bytes(), 2},
		{"empty", nil, 0},
		{"comments only", []byte("# nothing\n\n"), 0},
		{"spaces", []byte(" 1 | 2 | 0 \n\t3|4|-1|bgp \n"), 2},
		{"duplicate", []byte("1|2|-1\n1|2|-1\n"), 1},
		{"no final newline", []byte("1|2|-1"), 1},
		{"large AS", []byte("4294967295|4200000000|-1\n"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(bytes.NewReader(tt.in), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if r.Len() != tt.n {
				t.Errorf("Len = %d, want %d", r.Len(), tt.n)
			}
		})
	}
	r, err := Parse(bytes.NewReader(gz.Bytes()), "gz")
	if err != nil {
		t.Fatal(err)
	}
	if l := r.Check([]uint32{2, 12, 1, 10}); !l.Found || l.Leaker != 12 {
		t.Errorf("from gzip: %+v", l)
	}
}

func TestParseBzip2(t *testing.T) {
	bz, err := exec.LookPath("bzip2")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bzip2 command not found; it is needed to test bzip2 input")
		}
		t.Skip("bzip2 command not found")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "as-rel.txt")
	plain, err := os.ReadFile(filepath.Join("testdata", "serial2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, plain, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bz, "-k", src).CombinedOutput(); err != nil {
		t.Fatalf("bzip2: %v: %s", err, out)
	}
	r, err := Load(src + ".bz2")
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 12 || r.Rel(1, 10) != Provider {
		t.Errorf("from bzip2: Len %d, Rel(1, 10) %v", r.Len(), r.Rel(1, 10))
	}
	// A truncated bzip2 file is an error.
	b, err := os.ReadFile(src + ".bz2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(bytes.NewReader(b[:len(b)/2]), "half.bz2"); err == nil || !strings.Contains(err.Error(), "half.bz2") || !strings.Contains(err.Error(), "bzip2") {
		t.Errorf("truncated bzip2: error %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("1|2|0\n1|3|-1\n1|x|0\n"))
	zw.Close()
	var good bytes.Buffer
	zw = gzip.NewWriter(&good)
	zw.Write([]byte("1|2|0\n1|3|-1\n"))
	zw.Close()
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"bad as1", []byte("# c\n1|2|0\nAS1|2|0\n"), `asrel: f.txt:3: field 1 (as1): invalid AS number "AS1"`},
		{"bad as2", []byte("1|-2|0\n"), `f.txt:1: field 2 (as2): invalid AS number "-2"`},
		{"empty as", []byte("1||0\n"), `f.txt:1: field 2 (as2): invalid AS number ""`},
		{"as too big", []byte("4294967296|1|0\n"), `f.txt:1: field 1 (as1): invalid AS number "4294967296" (more than 32 bits)`},
		{"as too long", []byte("00000000001|1|0\n"), `f.txt:1: field 1 (as1): invalid AS number "00000000001"`},
		{"bad rel", []byte("\n\n1|2|1\n"), `asrel: f.txt:3: field 3 (relationship): "1" is not -1 (provider-customer) or 0 (peer-peer)`},
		{"sibling rel", []byte("1|2|2\n"), `f.txt:1: field 3 (relationship): "2" is not`},
		{"empty rel", []byte("1|2|\n"), `f.txt:1: field 3 (relationship): "" is not`},
		{"two columns", []byte("1|2\n"), "f.txt:1: 2 '|'-separated field(s), want as1|as2|rel or as1|as2|rel|source"},
		{"one column", []byte("12345\n"), "f.txt:1: 1 '|'-separated field(s)"},
		{"five columns", []byte("1|2|0|bgp|x\n"), "f.txt:1: more than 4 '|'-separated fields"},
		{"self link", []byte("7|7|0\n"), "f.txt:1: AS7 is linked to itself"},
		{"conflict", []byte("1|2|-1\n2|1|-1\n"), "f.txt:2: AS1 is already listed as the provider of AS2, now as its customer"},
		{"conflict peer", []byte("5|3|-1\n3|5|0\n"), "f.txt:2: AS3 is already listed as the customer of AS5, now as its peer"},
		{"gzip content", gz.Bytes(), `asrel: f.txt:3: field 2 (as2): invalid AS number "x"`},
		{"gzip truncated", good.Bytes()[:good.Len()-6], "asrel: f.txt: after line 2: gzip: unexpected EOF"},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0}, "asrel: f.txt: gzip: "},
		{"bzip2 garbage", []byte("BZh9 this is not bzip2 data\n"), "asrel: f.txt: after line 0: bzip2 data invalid"},
		{"long line", []byte("1|2|0\n" + strings.Repeat("9", maxLine+1)), "f.txt:2: line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(bytes.NewReader(tt.in), "f.txt")
			if err == nil {
				t.Fatalf("no error, %d links", r.Len())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope.txt")); err == nil || !strings.Contains(err.Error(), "nope.txt") {
		t.Errorf("Load(missing) error = %v", err)
	}
}
