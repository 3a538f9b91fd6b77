package rpki

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// check is one expected validation result.
type check struct {
	prefix string
	origin uint32
	want   State
}

func TestLoadFixtures(t *testing.T) {
	tests := []struct {
		file   string
		n      int
		first  VRP // the first VRP in set order
		checks []check
	}{
		{
			file:  "rpki-client.json",
			n:     6, // one duplicate
			first: VRP{Prefix: netip.MustParsePrefix("1.0.0.0/24"), MaxLength: 24, ASN: 13335, TA: "apnic", Expires: time.Unix(1714651200, 0).UTC()},
			checks: []check{
				{"1.1.1.0/24", 13335, Valid},
				{"1.1.1.0/24", 64500, Invalid},
				{"2606:4700:10::/44", 13335, Valid},
				{"2606:4700:10::/64", 13335, Invalid},
				{"103.10.3.0/24", 64500, Invalid}, // AS0
				{"193.0.0.0/21", 3333, Valid},
				{"193.0.0.0/22", 3333, Invalid},
				{"8.8.8.0/24", 15169, NotFound},
			},
		},
		{
			file:  "routinator.json",
			n:     5,
			first: VRP{Prefix: netip.MustParsePrefix("93.175.146.0/24"), MaxLength: 24, ASN: 12654, TA: "ripe"},
			checks: []check{
				{"93.175.147.0/24", 196615, Valid},
				{"2001:7fb:fd04::/48", 196615, Valid},
				{"2001:7fb:fe00::/48", 12654, Valid}, // no maxLength: the prefix length
				{"2001:7fb:fe00::/49", 12654, Invalid},
			},
		},
		{
			file:  "routinator.csv",
			n:     5,
			first: VRP{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 24, ASN: 13335, TA: "apnic"},
			checks: []check{
				{"93.175.147.0/24", 196615, Valid},
				{"2001:7fb:fd03::/48", 196615, Valid},
				{"2001:7fb:fd03::/48", 12654, Invalid},
			},
		},
		{
			file:   "ripe-validator.csv",
			n:      3,
			first:  VRP{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 24, ASN: 13335, TA: "APNIC RPKI Root"},
			checks: []check{{"93.175.146.0/24", 12654, Valid}},
		},
		{
			file:   "rpki-client.csv",
			n:      4,
			first:  VRP{Prefix: netip.MustParsePrefix("1.0.0.0/24"), MaxLength: 24, ASN: 13335, TA: "apnic", Expires: time.Unix(1714651200, 0).UTC()},
			checks: []check{{"103.10.0.0/24", 0, Invalid}, {"2606:4700::/48", 13335, Valid}},
		},
		{
			file:   "routinator-csvext.csv",
			n:      2,
			first:  VRP{Prefix: netip.MustParsePrefix("93.175.147.0/24"), MaxLength: 24, ASN: 196615, Expires: time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC)},
			checks: []check{{"2001:7fb:fd03::/48", 196615, Valid}},
		},
		{
			file:  "handwritten.csv",
			n:     4,
			first: VRP{Prefix: netip.MustParsePrefix("192.0.2.0/24"), MaxLength: 24, ASN: 64500},
			checks: []check{
				{"198.51.100.0/24", 64501, Valid},
				{"203.0.113.0/24", 64503, Valid}, // empty max length: the prefix length
				{"203.0.113.0/25", 64503, Invalid},
				{"2001:db8:1::/48", 64502, Valid},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Load(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tt.n {
				t.Errorf("Len = %d, want %d: %v", s.Len(), tt.n, slices.Collect(s.All()))
			}
			var first VRP
			for v := range s.All() {
				first = v
				break
			}
			if first.Prefix != tt.first.Prefix || first.MaxLength != tt.first.MaxLength || first.ASN != tt.first.ASN ||
				first.TA != tt.first.TA || !first.Expires.Equal(tt.first.Expires) {
				t.Errorf("first VRP = %+v, want %+v", first, tt.first)
			}
			for _, c := range tt.checks {
				if v := s.Validate(netip.MustParsePrefix(c.prefix), c.origin); v.State != c.want {
					t.Errorf("Validate(%s, AS%d) = %v, want %v (%s)", c.prefix, c.origin, v.State, c.want, v.Detail())
				}
			}
		})
	}
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
	}{
		{"json asn forms", `{"roas":[{"asn":1,"prefix":"10.0.0.0/8","maxLength":8},{"asn":"AS2","prefix":"10.0.0.0/8","maxLength":8},{"asn":"as3","prefix":"10.0.0.0/8"},{"asn":"4","prefix":"10.0.0.0/8"}]}`, 4},
		{"json empty roas", `{"metadata":{"roas":3},"roas":[]}`, 0},
		{"json nulls", `{"roas":[{"asn":1,"prefix":"10.0.0.0/8","maxLength":null,"ta":null,"expires":null}]}`, 1},
		{"json extra members", `{"roas":[{"asn":1,"prefix":"10.0.0.0/8","maxLength":8,"source":[{"type":"roa","uri":"rsync://x"}]}],"aspas":[],"bgpsec_keys":[{"asn":1}]}`, 1},
		{"json bom and space", "\uFEFF \n\t{\"roas\":[{\"asn\":1,\"prefix\":\"10.0.0.0/8\"}]}\n\n", 1},
		{"json escaped strings", `{"roas":[{"asn":"AS\u0031","prefix":"10.0.0.0\/8","ta":"r\u00efpe"}]}`, 1},
		{"csv header only", "ASN,IP Prefix,Max Length,Trust Anchor\n", 0},
		{"csv only comments", "# nothing yet\n", 0},
		{"csv no final newline", "AS1,10.0.0.0/8,8,ripe", 1},
		{"csv crlf", "ASN,IP Prefix,Max Length,Trust Anchor\r\nAS1,10.0.0.0/8,8,ripe\r\n\r\nAS2,10.0.0.0/8,8,ripe\r\n", 2},
		{"csv quoted with quote", `"1","10.0.0.0/8","8","the ""best"" TA"` + "\n", 1},
		{"csv header reordered", "IP Prefix,ASN,Trust Anchor,Max Length\n10.0.0.0/8,AS1,ripe,8\n", 1},
		{"csv expires forms", "1,10.0.0.0/8,8,a,1714651200\n2,10.0.0.0/8,8,a,2024-05-01T12:00:00Z\n3,10.0.0.0/8,8,a,2024-05-01 12:00:00\n", 3},
		{"csv spaces", "  AS1 , 10.0.0.0/8 ,  8 , ripe  \n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.in), "test")
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tt.n {
				t.Errorf("Len = %d, want %d", s.Len(), tt.n)
			}
		})
	}
}

func TestParseCSVQuotedTA(t *testing.T) {
	s, err := Parse(strings.NewReader(`"1","10.0.0.0/8","8","the ""best"" TA"`), "x")
	if err != nil {
		t.Fatal(err)
	}
	for v := range s.All() {
		if v.TA != `the "best" TA` {
			t.Errorf("TA = %q", v.TA)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "rpki: f.csv: no content"},
		{"blank", " \r\n\n", "rpki: f.csv: no content"},

		// CSV: file, line and column.
		{"csv bad asn", "ASN,IP Prefix,Max Length,Trust Anchor\nAS1,10.0.0.0/8,8,a\n\nASX,10.0.0.0/8,8,a\n", `rpki: f.csv:4: column "ASN": invalid AS number "ASX"`},
		{"csv asn too big", "4294967296,10.0.0.0/8,8\n", `f.csv:1: column "ASN": invalid AS number "4294967296"`},
		{"csv negative asn", "-1,10.0.0.0/8,8\n", `f.csv:1: column "ASN": invalid AS number "-1"`},
		{"csv bad prefix", "AS1,10.0.0.0,8,a\n", `rpki: f.csv:1: column "IP Prefix": invalid prefix "10.0.0.0"`},
		{"csv leading blank lines", "\r\n\n  \nAS1,1.1.1.1/24,24,a\n", `rpki: f.csv:4: column "IP Prefix"`},
		{"csv leading space 100k", strings.Repeat(" ", 100_000) + "\nAS1,1.1.1.1/24,24,a\n", `rpki: f.csv:2: column "IP Prefix"`},
		{"json leading space 100k", strings.Repeat(" ", 100_000) + `{"roas": [ {"asn": 1,, } ]}`, "JSON syntax error at byte offset 100022: "},
		{"csv unmasked", "# c\nAS1,1.1.1.1/24,24,a\n", `rpki: f.csv:2: column "IP Prefix": prefix 1.1.1.1/24 has host bits set (did you mean 1.1.1.0/24?)`},
		{"csv maxlen short", "AS1,10.0.0.0/8,7,a\n", `f.csv:1: column "Max Length": max length 7 out of range for 10.0.0.0/8 (must be 8 to 32)`},
		{"csv maxlen long", "AS1,10.0.0.0/8,33,a\n", `f.csv:1: column "Max Length": max length 33 out of range`},
		{"csv maxlen v6", "AS1,2001:db8::/32,129,a\n", `column "Max Length": max length 129 out of range for 2001:db8::/32 (must be 32 to 128)`},
		{"csv maxlen junk", "AS1,10.0.0.0/8,x,a\n", `f.csv:1: column "Max Length": invalid max length "x"`},
		{"csv maxlen 256", "AS1,10.0.0.0/8,256,a\n", `column "Max Length": invalid max length "256"`},
		{"csv expires", "AS1,10.0.0.0/8,8,a,soon\n", `f.csv:1: column "Expires": invalid time "soon"`},
		{"csv few fields", "AS1,10.0.0.0/8\n", "f.csv:1: 2 field(s), want 3 to 5"},
		{"csv many fields", "AS1,10.0.0.0/8,8,a,1,x\n", "f.csv:1: 6 field(s), want 3 to 5"},
		{"csv width vs header", "ASN,IP Prefix,Max Length,Trust Anchor\nAS1,10.0.0.0/8,8\n", "f.csv:2: 3 field(s), the header has 4"},
		{"csv header without prefix", "ASN,Max Length\n", `f.csv:1: header has no "IP Prefix" column`},
		{"csv header twice asn", "ASN,IP Prefix,asn\n", `f.csv:1: column "ASN" given twice`},
		{"csv unterminated quote", `"AS1,10.0.0.0/8,8` + "\n", "f.csv:1: field 1: unterminated quoted field"},
		{"csv text after quote", `"AS1"x,10.0.0.0/8,8` + "\n", "f.csv:1: field 1: text after closing quote"},
		{"csv stray quote", `AS1,10.0"/8,8` + "\n", "f.csv:1: field 2: stray quote"},
		{"csv long line", "AS1,10.0.0.0/8,8\n" + strings.Repeat("x", maxLine+10), "f.csv:2: line longer than"},

		// JSON: roa index and field, or byte offset.
		{"json syntax", `{"roas": [ {"asn": 1,, } ]}`, "rpki: f.csv: roas[0]: JSON syntax error at byte offset 22: invalid character ','"},
		{"json truncated", `{"roas": [ {"asn": 1, "prefix": "10.0.0.0/8"}, {"asn"`, "rpki: f.csv: roas[1]: JSON ends unexpectedly at byte offset 53"},
		{"json syntax top", `{"metadata": {}, "roas": [] x}`, "rpki: f.csv: JSON syntax error at byte offset 29: invalid character 'x' after object key:value pair"},
		{"json syntax member", "{\"metadata\": {\"a\": 1,\n \"b\": tru }, \"roas\": []}", `rpki: f.csv: "metadata": JSON syntax error at byte offset 32: invalid character ' ' in literal true`},
		{"json syntax bom", "\uFEFF{\"roas\": [{\"asn\": 1 \"prefix\": \"10.0.0.0/8\"}]}", "rpki: f.csv: roas[0]: JSON syntax error at byte offset 24: invalid character '\"' after object key:value pair"},
		{"json not object", `{"roas": [], "x": ]`, "rpki: f.csv: \"x\": JSON syntax error at byte offset 19: invalid character ']' looking for beginning of value"},
		{"json no roas", `{"metadata": {"roas": []}}`, `rpki: f.csv: JSON object has no "roas" array`},
		{"json roas twice", `{"roas": [], "roas": []}`, `"roas" given twice`},
		{"json roas not array", `{"roas": {"asn": 1}}`, `"roas" is not an array`},
		{"json roas null", `{"roas": null}`, `"roas" is not an array`},
		{"json trailing", `{"roas": []} {}`, "unexpected data after the JSON object"},
		{"json bad asn", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8"}, {"asn": "ASX", "prefix": "10.0.0.0/8"}]}`, `rpki: f.csv: roas[1] (byte offset 46): asn: invalid AS number "ASX"`},
		{"json asn float", `{"roas": [{"asn": 1.5, "prefix": "10.0.0.0/8"}]}`, `roas[0] (byte offset 10): asn: invalid AS number "1.5"`},
		{"json asn negative", `{"roas": [{"asn": -1, "prefix": "10.0.0.0/8"}]}`, `roas[0] (byte offset 10): asn: invalid AS number "-1"`},
		{"json asn bool", `{"roas": [{"asn": true, "prefix": "10.0.0.0/8"}]}`, `roas[0] (byte offset 10): asn: invalid AS number "true"`},
		{"json missing asn", `{"roas": [{"prefix": "10.0.0.0/8"}]}`, "roas[0] (byte offset 10): asn: missing"},
		{"json missing prefix", `{"roas": [{"asn": 1}]}`, "roas[0] (byte offset 10): prefix: missing"},
		{"json prefix number", `{"roas": [{"asn": 1, "prefix": 10}]}`, "roas[0] (byte offset 10): prefix: not a string: 10"},
		{"json ta number", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8", "ta": 5}]}`, "roas[0] (byte offset 10): ta: not a string: 5"},
		{"json unmasked", `{"roas": [{"asn": 1, "prefix": "1.1.1.1/24", "maxLength": 24}]}`, "roas[0] (byte offset 10): prefix: prefix 1.1.1.1/24 has host bits set"},
		{"json maxlen", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8", "maxLength": 40}]}`, "roas[0] (byte offset 10): maxLength: max length 40 out of range for 10.0.0.0/8 (must be 8 to 32)"},
		{"json maxlen string", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8", "maxLength": "8"}]}`, `roas[0] (byte offset 10): maxLength: not an unsigned integer: "8"`},
		{"json maxlen huge", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8", "maxLength": 99999999999999999999999}]}`, "maxLength: not an unsigned integer"},
		{"json expires", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8", "expires": -5}]}`, "roas[0] (byte offset 10): expires: not an unsigned integer: -5"},
		{"json expires huge", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8", "expires": 99999999999999}]}`, "expires: 99999999999999 is not a plausible Unix time"},
		{"json roa not object", `{"roas": [{"asn": 1, "prefix": "10.0.0.0/8"}, 7]}`, "roas[1] (byte offset 46): not an object (found number)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.in), "f.csv")
			if err == nil {
				t.Fatalf("no error, %d VRPs", s.Len())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("Load(missing) error = %v", err)
	}
}

// TestParseJSONSyntaxOffsets checks that syntax errors give the offset
// json.Unmarshal gives for the whole input, wherever they are.
func TestParseJSONSyntaxOffsets(t *testing.T) {
	good := `{"metadata": {"generated": 1714564803, "list": [1, 2, {"x": "y"}]}, "roas": [` +
		`{"asn": 13335, "prefix": "1.1.1.0/24", "maxLength": 24, "ta": "apnic"}, ` +
		`{"asn": "AS3333", "prefix": "193.0.0.0/21", "maxLength": 21, "ta": "ripe"}], "aspas": []}`
	if _, err := Parse(strings.NewReader(good), "good"); err != nil {
		t.Fatal(err)
	}
	// Corrupt every position in turn with bytes that break JSON. (Not
	// the first: that makes it CSV.) Where the streaming parser finds a
	// semantic error before the syntax error, it reports that.
	syntax := 0
	for i := 1; i < len(good); i++ {
		for _, c := range []string{"x", "}", ",", "\"", ":"} {
			in := good[:i] + c + good[i+1:]
			var v any
			uerr := json.Unmarshal([]byte(in), &v)
			var se *json.SyntaxError
			if !errors.As(uerr, &se) {
				continue
			}
			_, err := Parse(strings.NewReader(in), "f")
			if err == nil {
				t.Errorf("input %q: no error", in)
				continue
			}
			if !strings.Contains(err.Error(), "JSON syntax error") {
				continue
			}
			syntax++
			want := fmt.Sprintf("JSON syntax error at byte offset %d: %s", se.Offset, se)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("input %q:\n error %v\n want %q", in, err, want)
			}
		}
	}
	if syntax < 300 {
		t.Errorf("only %d syntax errors checked", syntax)
	}
}
