package calls

import (
	"cmp"
	"fmt"
	"math/big"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/bgpdumpref"
)

// topoNames names a few ASes, to check asn_name.
type topoNames map[uint32]string

// Name returns the name of as.
func (n topoNames) Name(as uint32) string { return n[as] }

// refRelated computes related-prefixes' rows for p from the routes of m
// by scanning every routed prefix: covering ones are less specific,
// covered ones more specific, and those that hold the address just
// before p's first (after its last) without overlapping p adjoin it on
// the left (right); one row per origin (bgpdump's last AS, "" for an
// AS_SET), sorted by relationship, prefix and origin.
func refRelated(m *bgpdumpref.Model, p netip.Prefix, names topoNames) []relatedPrefix {
	origins := map[netip.Prefix]map[string]bool{}
	for _, l := range m.Routes {
		if origins[l.Prefix] == nil {
			origins[l.Prefix] = map[string]bool{}
		}
		o := topoOrigin(l.ASPath)
		origins[l.Prefix][o] = true
	}
	first := p.Masked().Addr()
	b16 := first.As16()
	size := new(big.Int).Lsh(big.NewInt(1), uint(first.BitLen()-p.Bits()))
	end := new(big.Int).Add(new(big.Int).SetBytes(b16[:]), size.Sub(size, big.NewInt(1))).FillBytes(make([]byte, 16))
	last := netip.AddrFrom16([16]byte(end))
	if first.Is4() {
		last = last.Unmap()
	}
	out := []relatedPrefix{}
	for q, os := range origins {
		var rel string
		switch {
		case q == p:
			continue
		case q.Bits() < p.Bits() && q.Contains(first):
			rel = relLess
		case q.Bits() > p.Bits() && p.Contains(q.Addr()):
			rel = relMore
		case first.Prev().IsValid() && q.Contains(first.Prev()) && !q.Overlaps(p):
			rel = relLeft
		case last.Next().IsValid() && q.Contains(last.Next()) && !q.Overlaps(p):
			rel = relRight
		default:
			continue
		}
		for o := range os {
			asn, _ := strconv.ParseUint(o, 10, 32)
			name := ""
			if o != "" {
				name = names[uint32(asn)]
			}
			out = append(out, relatedPrefix{Prefix: q.String(), OriginASN: o, ASNName: name, Relationship: rel})
		}
	}
	sortRelated(out)
	return out
}

// topoOrigin is the origin AS of a bgpdump path: its last token, an
// AS_SET of one member counting as that AS (the index's rule); "" for an
// empty path or a bigger AS_SET.
func topoOrigin(path string) string {
	toks := topoTokens(path)
	if len(toks) == 0 {
		return ""
	}
	last := toks[len(toks)-1]
	if topoIsSet(last) {
		last = strings.Trim(last, "{}")
		if strings.Contains(last, ",") {
			return ""
		}
	}
	return last
}

// sortRelated sorts rows by relationship, prefix and origin.
func sortRelated(rows []relatedPrefix) {
	slices.SortFunc(rows, func(a, b relatedPrefix) int {
		return cmp.Or(strings.Compare(a.Relationship, b.Relationship), strings.Compare(a.Prefix, b.Prefix), strings.Compare(a.OriginASN, b.OriginASN))
	})
}

// TestRelatedPrefixesJinx compares related-prefixes with the prefixes
// related to the resource among all the routes of the bgpdump reference,
// for prefixes with many more-specifics, with covering ones, with
// neighbours on both sides, an address and IPv6, at three times. The
// order within one relationship is the index's (less specifics from the
// shortest, more specifics in address order); rows are compared sorted.
func TestRelatedPrefixesJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	names := topoNames{15169: "GOOGLE - Google Inc.", 3356: "LEVEL3"}
	ts := testServer(t, ix, names)
	latest := ix.Latest().Truncate(time.Second)
	resources := []string{"8.8.8.0/24", "8.0.0.0/8", "41.0.0.0/10", "1.0.4.0/24", "196.223.14.0/24", "8.8.8.8",
		"2001:43f8::/32", "192.254.84.0/22", "181.192.6.0/24", "1.38.0.0/16"}
	// the RIB's IPv6 records are stamped a second after its IPv4 ones
	for _, at := range []time.Time{topoRIB.Add(time.Second), topoMid, latest} {
		m := topoModelAt(t, at)
		for _, res := range resources {
			r := netip.MustParsePrefix(func() string {
				if strings.Contains(res, "/") {
					return res
				}
				return res + "/32"
			}())
			want := refRelated(m, r, names)
			query := fmt.Sprintf("resource=%s&query_time=%s&data_overload_limit=ignore", res, at.Format(time.RFC3339))
			var got relatedPrefixesData
			env := get(t, ts, "related-prefixes", query, &got)
			if env.Status != "ok" || env.Version != "0.2" {
				t.Fatalf("%s: %s %s %v", query, env.Status, env.Version, env.Messages)
			}
			if got.Resource != res || got.QueryTime != at.Format("2006-01-02T15:04:05") {
				t.Errorf("%s: header %+v", query, got)
			}
			rank := map[string]int{relLess: 0, relMore: 1, relLeft: 2, relRight: 3}
			if !slices.IsSortedFunc(got.Prefixes, func(a, b relatedPrefix) int { return cmp.Compare(rank[a.Relationship], rank[b.Relationship]) }) {
				t.Errorf("%s: relationships out of order", query)
			}
			sortRelated(got.Prefixes)
			if !reflect.DeepEqual(got.Prefixes, want) {
				t.Errorf("%s: %d rows differ from the reference's %d:\n%s", query, len(got.Prefixes), len(want), topoDiff(got.Prefixes, want))
			}
			if len(want) == 0 {
				t.Errorf("%s: the reference has no related prefix", query)
			}
		}
	}
	// /0: every routed prefix is related; the answer stops at the cap
	// with a warning, and what it has is right.
	want := map[relatedPrefix]bool{}
	for _, r := range refRelated(topoModelAt(t, latest), netip.MustParsePrefix("0.0.0.0/0"), names) {
		want[r] = true
	}
	var got relatedPrefixesData
	env := get(t, ts, "related-prefixes", "resource=0.0.0.0/0&data_overload_limit=ignore", &got)
	t.Logf("0.0.0.0/0: %d rows in %d ms", len(got.Prefixes), env.ProcessTime)
	if len(got.Prefixes) < relatedPrefixesCap || len(want) <= relatedPrefixesCap ||
		!slices.ContainsFunc(env.Messages, func(m []string) bool { return m[0] == "warning" }) {
		t.Errorf("0.0.0.0/0: %d rows of %d, messages %v", len(got.Prefixes), len(want), env.Messages)
	}
	for _, r := range got.Prefixes {
		if !want[r] {
			t.Fatalf("0.0.0.0/0: row %+v not in the reference", r)
		}
	}
}

// TestRelatedPrefixesBadInput checks that hostile input is a 400 naming
// the parameter, and that /0 is answered within the bounds.
func TestRelatedPrefixesBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	topoCheckBad(t, ts, "related-prefixes", topoBadCases(func(v string) bool { return false },
		struct{ query, param string }{"resource=AS3333", "resource"},
		struct{ query, param string }{"resource=193.0.0.0/33", "resource"},
		struct{ query, param string }{"resource=2001:db8::/129", "resource"},
		struct{ query, param string }{"resource=193.0.0.0/21&query_time=-1", "query_time"},
	))
	for _, q := range []string{"resource=0.0.0.0/0", "resource=::/0", "resource=255.255.255.255", "resource=0.0.0.0/32"} {
		if env := get(t, ts, "related-prefixes", q, nil); env.StatusCode != 200 {
			t.Errorf("%s: HTTP %d %v", q, env.StatusCode, env.Messages)
		}
	}
}
