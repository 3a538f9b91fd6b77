package calls

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"testing"
)

// TestSearchcompleteJinx checks searchcomplete's ASNs (by number and by
// name, from a names file) and Prefixes (the routed prefixes covering an
// address, from the reference) on jinx.
func TestSearchcompleteJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ref := psRefOf(t, jinx...)
	top := ref.topOrigins(false)
	named := []uint32{top[0], top[1], top[2], 64496}
	names := psNames(t, named...)
	slices.Sort(named)
	ts := testServer(t, ix, names)
	label := func(as uint32) string { return fmt.Sprintf("AS%d", as) }
	sugg := func(as uint32) searchcompleteSuggestion {
		return searchcompleteSuggestion{label(as), label(as), names.Name(as)}
	}
	// the routed prefixes covering an address in a routed /24 with
	// less-specifics, most specific first
	var addr netip.Addr
	var covering []netip.Prefix
	for p := range ref.routes {
		if !p.Addr().Is4() || p.Bits() != 24 {
			continue
		}
		covering = covering[:0]
		for q := range ref.routes {
			if q.Bits() <= 24 && q.Contains(p.Addr()) {
				covering = append(covering, q)
			}
		}
		if len(covering) > 1 {
			addr = p.Addr().Next()
			break
		}
	}
	slices.SortFunc(covering, func(a, b netip.Prefix) int { return b.Bits() - a.Bits() })
	var wantPfx []searchcompleteSuggestion
	for _, q := range covering {
		o := psMainOrigins(ref.routes[q])[0]
		desc := label(o)
		if n := names.Name(o); n != "" {
			desc += " " + n
		}
		wantPfx = append(wantPfx, searchcompleteSuggestion{q.String(), q.String(), desc})
	}
	tests := []struct {
		term  string
		limit int
		want  map[string][]searchcompleteSuggestion
	}{
		{label(top[0]), 6, map[string][]searchcompleteSuggestion{"ASNs": {sugg(top[0])}}},
		{fmt.Sprint(top[3]), 6, map[string][]searchcompleteSuggestion{"ASNs": {sugg(top[3])}}},
		{"test-", 6, map[string][]searchcompleteSuggestion{"ASNs": {sugg(named[0]), sugg(named[1]), sugg(named[2]), sugg(named[3])}}},
		{"test-", 2, map[string][]searchcompleteSuggestion{"ASNs": {sugg(named[0]), sugg(named[1])}}},
		{"network " + fmt.Sprint(top[1]), 6, map[string][]searchcompleteSuggestion{"ASNs": {sugg(top[1])}}},
		{"AS64511", 6, map[string][]searchcompleteSuggestion{}},
		{addr.String(), 6, map[string][]searchcompleteSuggestion{"Prefixes": wantPfx}},
		{addr.String(), 1, map[string][]searchcompleteSuggestion{"Prefixes": wantPfx[:1]}},
		{"nothing at all", 6, map[string][]searchcompleteSuggestion{}},
	}
	for _, tc := range tests {
		query := fmt.Sprintf("resource=%s&limit=%d", url.QueryEscape(tc.term), tc.limit)
		var data searchcompleteData
		if env := get(t, ts, "searchcomplete", query, &data); env.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", query, env.StatusCode, env.Messages)
		}
		got := map[string][]searchcompleteSuggestion{}
		for _, c := range data.Categories {
			got[c.Category] = c.Suggestions
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || data.QueryTerm != tc.term || data.Limit != tc.limit {
			t.Errorf("%s:\n got %v\nwant %v", query, got, tc.want)
		}
	}
}
