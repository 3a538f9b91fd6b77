package rpki

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// vrp builds a VRP from "prefix-maxlen" notation, e.g. vrp("10.0.0.0/8-16", 64500).
func vrp(t testing.TB, s string, asn uint32) VRP {
	t.Helper()
	p, m, ok := strings.Cut(s, "-")
	if !ok {
		t.Fatalf("vrp %q: no max length", s)
	}
	pfx := netip.MustParsePrefix(p)
	var ml int
	for _, c := range m {
		ml = ml*10 + int(c-'0')
	}
	return VRP{Prefix: pfx, MaxLength: uint8(ml), ASN: asn, TA: "test"}
}

// testSet is a small set with nesting in both families, several VRPs on
// one prefix and an AS0 VRP.
func testSet(t testing.TB) *Set {
	t.Helper()
	s, err := NewSet([]VRP{
		vrp(t, "1.1.1.0/24-24", 13335),
		vrp(t, "10.0.0.0/8-16", 64500),
		vrp(t, "10.1.0.0/16-24", 64501),
		vrp(t, "10.1.2.0/24-24", 64502),
		vrp(t, "103.10.0.0/16-24", 0),
		vrp(t, "192.0.2.0/24-24", 64500),
		vrp(t, "192.0.2.0/24-25", 64510),
		vrp(t, "2001:db8::/32-48", 64500),
		vrp(t, "2001:db8:1::/48-64", 64501),
		vrp(t, "2001:db8:ffff::1/128-128", 64505),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValidate(t *testing.T) {
	s := testSet(t)
	tests := []struct {
		prefix  string
		origin  uint32
		state   State
		reason  Reason
		matched []string // VRP prefixes covering, least specific first
	}{
		{"1.1.1.0/24", 13335, Valid, ReasonNone, []string{"1.1.1.0/24"}},
		{"1.1.1.0/24", 64500, Invalid, ReasonAS, []string{"1.1.1.0/24"}},
		{"1.1.1.0/25", 13335, Invalid, ReasonLength, []string{"1.1.1.0/24"}},
		{"1.1.1.1/24", 13335, Valid, ReasonNone, []string{"1.1.1.0/24"}}, // masked first
		{"1.1.0.0/16", 13335, NotFound, ReasonNone, nil},                 // less specific than the VRP
		{"1.1.1.0/24", 0, Invalid, ReasonAS, []string{"1.1.1.0/24"}},     // AS_SET
		{"8.8.8.0/24", 0, NotFound, ReasonNone, nil},
		{"8.8.8.0/24", 15169, NotFound, ReasonNone, nil},
		{"10.1.2.0/24", 64500, Invalid, ReasonLength, []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}},
		{"10.1.2.0/24", 64501, Valid, ReasonNone, []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}},
		{"10.1.2.0/24", 64502, Valid, ReasonNone, []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}},
		{"10.1.2.0/25", 64502, Invalid, ReasonLength, []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}},
		{"10.1.3.0/24", 64502, Invalid, ReasonAS, []string{"10.0.0.0/8", "10.1.0.0/16"}},
		{"10.2.0.0/16", 64500, Valid, ReasonNone, []string{"10.0.0.0/8"}},
		{"10.0.0.0/8", 64500, Valid, ReasonNone, []string{"10.0.0.0/8"}},
		{"10.0.0.0/7", 64500, NotFound, ReasonNone, nil},
		{"11.0.0.0/8", 64500, NotFound, ReasonNone, nil},
		{"9.255.255.0/24", 64500, NotFound, ReasonNone, nil},
		{"103.10.5.0/24", 64500, Invalid, ReasonAS, []string{"103.10.0.0/16"}}, // AS0 VRP
		{"103.10.5.0/24", 0, Invalid, ReasonAS, []string{"103.10.0.0/16"}},
		{"192.0.2.0/24", 64500, Valid, ReasonNone, []string{"192.0.2.0/24", "192.0.2.0/24"}},
		{"192.0.2.128/25", 64510, Valid, ReasonNone, []string{"192.0.2.0/24", "192.0.2.0/24"}},
		{"192.0.2.128/25", 64500, Invalid, ReasonLength, []string{"192.0.2.0/24", "192.0.2.0/24"}},
		{"2001:db8::/32", 64500, Valid, ReasonNone, []string{"2001:db8::/32"}},
		{"2001:db8:1::/48", 64501, Valid, ReasonNone, []string{"2001:db8::/32", "2001:db8:1::/48"}},
		{"2001:db8:1:1::/64", 64501, Valid, ReasonNone, []string{"2001:db8::/32", "2001:db8:1::/48"}},
		{"2001:db8:1:1::/65", 64501, Invalid, ReasonLength, []string{"2001:db8::/32", "2001:db8:1::/48"}},
		{"2001:db8:1:1::/64", 64500, Invalid, ReasonLength, []string{"2001:db8::/32", "2001:db8:1::/48"}},
		{"2001:db8:ffff::1/128", 64505, Valid, ReasonNone, []string{"2001:db8::/32", "2001:db8:ffff::1/128"}},
		{"2001:db8:ffff::2/128", 64505, Invalid, ReasonAS, []string{"2001:db8::/32"}},
		{"2001:db9::/32", 64500, NotFound, ReasonNone, nil},
		{"::/0", 64500, NotFound, ReasonNone, nil},
		// 32.1.13.184/29 has the leading bits of 2001:db8::/32: families
		// must not mix.
		{"32.1.13.184/29", 64500, NotFound, ReasonNone, nil},
		// An IPv4-mapped IPv6 prefix is IPv6.
		{"::ffff:1.1.1.0/120", 13335, NotFound, ReasonNone, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_AS%d", tt.prefix, tt.origin), func(t *testing.T) {
			v := s.Validate(netip.MustParsePrefix(tt.prefix), tt.origin)
			if v.State != tt.state || v.Reason != tt.reason {
				t.Errorf("Validate(%s, AS%d) = %v/%q, want %v/%q (%s)", tt.prefix, tt.origin, v.State, v.Reason, tt.state, tt.reason, v.Detail())
			}
			var got []string
			for _, m := range v.Matched {
				got = append(got, m.Prefix.String())
			}
			if !slices.Equal(got, tt.matched) {
				t.Errorf("Matched = %v, want %v", got, tt.matched)
			}
			if c := s.Covering(netip.MustParsePrefix(tt.prefix)); !slices.Equal(c, v.Matched) {
				t.Errorf("Covering = %v, want %v", c, v.Matched)
			}
			if v.Prefix != netip.MustParsePrefix(tt.prefix).Masked() || v.Origin != tt.origin {
				t.Errorf("Validation names route %s AS%d", v.Prefix, v.Origin)
			}
			if st, r := s.State(netip.MustParsePrefix(tt.prefix), tt.origin); st != v.State || r != v.Reason {
				t.Errorf("State = %v/%q, Validate gives %v/%q", st, r, v.State, v.Reason)
			}
			if _, ok := v.Authorizing(); ok != (tt.state == Valid) {
				t.Errorf("Authorizing ok = %v for state %v", ok, v.State)
			}
		})
	}
}

func TestValidateEdges(t *testing.T) {
	var nilSet *Set
	if v := nilSet.Validate(netip.MustParsePrefix("1.1.1.0/24"), 13335); v.State != NotFound || v.Matched != nil {
		t.Errorf("nil set: %+v", v)
	}
	if nilSet.Len() != 0 || nilSet.Covering(netip.MustParsePrefix("1.1.1.0/24")) != nil || nilSet.Prefixes() != 0 {
		t.Error("nil set is not empty")
	}
	for range nilSet.All() {
		t.Error("nil set yields VRPs")
	}
	s := testSet(t)
	if v := s.Validate(netip.Prefix{}, 13335); v.State != NotFound {
		t.Errorf("invalid prefix: %v", v.State)
	}
	if st, r := nilSet.State(netip.MustParsePrefix("1.1.1.0/24"), 13335); st != NotFound || r != ReasonNone {
		t.Errorf("nil set State = %v/%q", st, r)
	}
	if c := s.Covering(netip.Prefix{}); c != nil {
		t.Errorf("Covering(invalid) = %v", c)
	}

	// A default-route VRP covers everything in its family.
	d, err := NewSet([]VRP{vrp(t, "0.0.0.0/0-0", 64500), vrp(t, "::/0-128", 64501)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p      string
		origin uint32
		want   State
	}{
		{"0.0.0.0/0", 64500, Valid},
		{"1.0.0.0/8", 64500, Invalid},
		{"255.255.255.255/32", 64501, Invalid},
		{"2001:db8::1/128", 64501, Valid},
		{"::/0", 64500, Invalid},
	} {
		if v := d.Validate(netip.MustParsePrefix(tc.p), tc.origin); v.State != tc.want {
			t.Errorf("default routes: Validate(%s, AS%d) = %v, want %v", tc.p, tc.origin, v.State, tc.want)
		}
	}

	// Matched belongs to the caller.
	v := s.Validate(netip.MustParsePrefix("1.1.1.0/24"), 13335)
	v.Matched[0].ASN = 1
	if v2 := s.Validate(netip.MustParsePrefix("1.1.1.0/24"), 13335); v2.State != Valid {
		t.Error("modifying Matched changed the set")
	}
}

func TestStateNames(t *testing.T) {
	tests := []struct {
		s              State
		name, ripestat string
	}{
		{NotFound, "not-found", "unknown"},
		{Valid, "valid", "valid"},
		{Invalid, "invalid", "invalid"},
		{State(9), "State(9)", "State(9)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.s, got, tt.name)
		}
		if got := tt.s.RIPEstat(); got != tt.ripestat {
			t.Errorf("%d.RIPEstat() = %q, want %q", tt.s, got, tt.ripestat)
		}
		if b, _ := tt.s.MarshalText(); string(b) != tt.name {
			t.Errorf("%d.MarshalText() = %q", tt.s, b)
		}
	}
}

func TestDetail(t *testing.T) {
	s := testSet(t)
	tests := []struct {
		prefix string
		origin uint32
		want   string
	}{
		{"1.1.1.0/24", 13335, "ROA 1.1.1.0/24-24 AS13335 (test) authorizes AS13335 to originate 1.1.1.0/24"},
		{"8.8.8.0/24", 15169, "no ROA covers 8.8.8.0/24"},
		{"1.1.1.0/24", 64500, "AS64500 is not authorized to originate 1.1.1.0/24; covering ROAs: 1.1.1.0/24-24 AS13335 (test)"},
		{"1.1.1.0/25", 13335, "1.1.1.0/25 is more specific than the ROAs for AS13335 allow (prefix length 25 exceeds max length): 1.1.1.0/24-24 AS13335 (test)"},
		{"1.1.1.0/24", 0, "1.1.1.0/24 has no single origin AS (AS_SET), so no ROA can authorize it; covering ROAs: 1.1.1.0/24-24 AS13335 (test)"},
		{"103.10.1.0/24", 64500, "103.10.1.0/24 is covered only by AS0 ROAs, which forbid any origin: 103.10.0.0/16-24 AS0 (test)"},
		{"10.1.2.0/24", 64999, "AS64999 is not authorized to originate 10.1.2.0/24; covering ROAs: 10.1.2.0/24-24 AS64502 (test), 10.1.0.0/16-24 AS64501 (test), 10.0.0.0/8-16 AS64500 (test)"},
	}
	for _, tt := range tests {
		if got := s.Validate(netip.MustParsePrefix(tt.prefix), tt.origin).Detail(); got != tt.want {
			t.Errorf("Detail(%s, AS%d) =\n  %s\nwant\n  %s", tt.prefix, tt.origin, got, tt.want)
		}
	}
	// Long lists are summarised.
	var many []VRP
	for as := uint32(1); as <= 10; as++ {
		many = append(many, vrp(t, "198.51.100.0/24-24", as))
	}
	ms, err := NewSet(many)
	if err != nil {
		t.Fatal(err)
	}
	if got := ms.Validate(netip.MustParsePrefix("198.51.100.0/24"), 64500).Detail(); !strings.HasSuffix(got, " and 6 more") {
		t.Errorf("long Detail = %q", got)
	}
}

func TestNewSet(t *testing.T) {
	bad := []struct {
		v    VRP
		want string
	}{
		{VRP{MaxLength: 24, ASN: 1}, "invalid or missing prefix"},
		{VRP{Prefix: netip.MustParsePrefix("1.1.1.1/24"), MaxLength: 24}, "host bits set (did you mean 1.1.1.0/24?)"},
		{VRP{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 23}, "max length 23 out of range for 1.1.1.0/24 (must be 24 to 32)"},
		{VRP{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 33}, "max length 33 out of range"},
		{VRP{Prefix: netip.MustParsePrefix("2001:db8::/32"), MaxLength: 129}, "must be 32 to 128"},
		{VRP{Prefix: netip.MustParsePrefix("::ffff:1.1.1.0/120"), MaxLength: 120}, "IPv4-mapped"},
	}
	for _, tt := range bad {
		_, err := NewSet([]VRP{vrp(t, "10.0.0.0/8-8", 1), tt.v})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "VRP 1:") {
			t.Errorf("NewSet(%+v) error = %v, want %q", tt.v, err, tt.want)
		}
	}

	// Duplicates are kept once, with the latest expiry; the input is not
	// retained.
	early, late := time.Unix(1700000000, 0).UTC(), time.Unix(1800000000, 0).UTC()
	in := []VRP{
		{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 24, ASN: 13335, TA: "apnic", Expires: early},
		{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 24, ASN: 13335, TA: "apnic", Expires: late},
		{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 24, ASN: 13335, TA: "apnic", Expires: early},
		{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 24, ASN: 13335, TA: "other"},
		{Prefix: netip.MustParsePrefix("1.1.1.0/24"), MaxLength: 25, ASN: 13335, TA: "apnic"},
	}
	s, err := NewSet(in)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Prefixes() != 1 {
		t.Fatalf("Len = %d, Prefixes = %d, want 3, 1", s.Len(), s.Prefixes())
	}
	all := slices.Collect(s.All())
	if !all[0].Expires.Equal(late) || all[0].TA != "apnic" || all[0].MaxLength != 24 {
		t.Errorf("first VRP = %+v, want the apnic /24-24 expiring %v", all[0], late)
	}
	in[0].ASN = 1
	if s.Validate(netip.MustParsePrefix("1.1.1.0/24"), 13335).State != Valid {
		t.Error("set shares the input slice")
	}
}

// naiveValidate is RFC 6811 written out over a list, to check Set. It
// also returns the number of distinct covering VRPs.
func naiveValidate(vrps []VRP, p netip.Prefix, origin uint32) (State, Reason, int) {
	own, valid := false, false
	seen := map[VRP]bool{}
	for _, v := range vrps {
		if v.Prefix.Addr().Is4() != p.Addr().Is4() || v.Prefix.Bits() > p.Bits() || !v.Prefix.Contains(p.Addr()) {
			continue
		}
		seen[v] = true
		if origin != 0 && v.ASN == origin {
			own = true
			if p.Bits() <= int(v.MaxLength) {
				valid = true
			}
		}
	}
	n := len(seen)
	switch {
	case n == 0:
		return NotFound, ReasonNone, 0
	case valid:
		return Valid, ReasonNone, n
	case own:
		return Invalid, ReasonLength, n
	}
	return Invalid, ReasonAS, n
}

// TestValidateRandom checks Set against naiveValidate on a random set
// with much nesting, in a narrow address range so that queries hit.
func TestValidateRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// randPrefix returns a prefix at least minBits long in 10.0.0.0/12 or
	// 2001:db8::/32 (minBits+24 bits for IPv6).
	randPrefix := func(v6 bool, minBits int) netip.Prefix {
		if v6 {
			var b [16]byte
			b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
			b[4], b[5] = byte(rng.IntN(16)), byte(rng.IntN(256))
			b[15] = byte(rng.IntN(256))
			bits := minBits + 24
			return netip.PrefixFrom(netip.AddrFrom16(b), bits+rng.IntN(129-bits)).Masked()
		}
		a := netip.AddrFrom4([4]byte{10, byte(rng.IntN(16)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		return netip.PrefixFrom(a, minBits+rng.IntN(33-minBits)).Masked()
	}
	var vrps []VRP
	for range 3000 {
		p := randPrefix(rng.IntN(3) == 0, 14)
		ml := p.Bits() + rng.IntN(p.Addr().BitLen()-p.Bits()+1)
		vrps = append(vrps, VRP{Prefix: p, MaxLength: uint8(ml), ASN: uint32(rng.IntN(8))})
	}
	s, err := NewSet(vrps)
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Collect(s.All())
	if !slices.IsSortedFunc(all, compareVRPs) {
		t.Error("All is not sorted")
	}
	distinct := map[VRP]bool{}
	for _, v := range vrps {
		distinct[v] = true
	}
	if s.Len() != len(distinct) || len(all) != len(distinct) {
		t.Errorf("Len %d, All %d, want %d distinct VRPs", s.Len(), len(all), len(distinct))
	}
	var states [3]int
	for i := range 5000 {
		p := randPrefix(i%3 == 0, 8)
		origin := uint32(rng.IntN(8))
		v := s.Validate(p, origin)
		state, reason, n := naiveValidate(vrps, p, origin)
		if st, r := s.State(p, origin); st != state || r != reason {
			t.Fatalf("State(%s, AS%d) = %v/%q, want %v/%q", p, origin, st, r, state, reason)
		}
		if v.State != state || v.Reason != reason || len(v.Matched) != n {
			t.Fatalf("Validate(%s, AS%d) = %v/%q with %d matched, want %v/%q with %d", p, origin, v.State, v.Reason, len(v.Matched), state, reason, n)
		}
		for j := 1; j < len(v.Matched); j++ {
			if v.Matched[j-1].Prefix.Bits() > v.Matched[j].Prefix.Bits() {
				t.Fatalf("Matched not least specific first: %v", v.Matched)
			}
		}
		states[v.State]++
	}
	for st, n := range states {
		if n < 500 {
			t.Errorf("only %d of the random routes are %v: the test is too weak", n, State(st))
		}
	}
	t.Logf("not-found %d, valid %d, invalid %d", states[NotFound], states[Valid], states[Invalid])
}
