package calls

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"testing"

	"github.com/routestat/routestat/stat/api"
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

// hostsResolver resolves the names of a map, localhost through the
// system's resolver, and fails for others as a DNS server would.
type hostsResolver map[string][]netip.Addr

func (h hostsResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, ok := h[host]; ok {
		return a, nil
	}
	if host == "localhost" {
		return net.DefaultResolver.LookupNetIP(ctx, network, host)
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestSearchcompleteHosts checks the Hostnames category on the YouTube
// store: a name resolving to an address in 208.65.153.128/25 (YouTube's
// own more-specific at the end of the data) is described by that prefix
// and its origin, an address given twice (mapped) is suggested once; localhost goes through the system's
// real resolver (/etc/hosts); names that do not resolve, and text that
// is no host name, suggest nothing.
func TestSearchcompleteHosts(t *testing.T) {
	ix := storeOf(t, youtube...)
	srv, err := api.New(api.Options{BuildVersion: "test", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	res := hostsResolver{"www.youtube.example": {netip.MustParseAddr("208.65.153.238"), netip.MustParseAddr("::ffff:208.65.153.238"), netip.MustParseAddr("192.0.2.1")}}
	if err := Register(srv, Deps{Index: ix, Names: names{36561: "YOUTUBE"}, Resolver: res}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Mount(mux)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	hosts := func(term string) []searchcompleteSuggestion {
		var d searchcompleteData
		get(t, ts, "searchcomplete", "resource="+url.QueryEscape(term), &d)
		for _, c := range d.Categories {
			if c.Category == "Hostnames" {
				return c.Suggestions
			}
		}
		return nil
	}
	want := []searchcompleteSuggestion{
		{"www.youtube.example → 192.0.2.1", "192.0.2.1", "not routed"},
		{"www.youtube.example → 208.65.153.238", "208.65.153.238", "208.65.153.128/25 AS36561 YOUTUBE"},
	}
	if got := hosts("www.youtube.example"); !slices.Equal(got, want) {
		t.Errorf("www.youtube.example: %q, want %q", got, want)
	}
	if got := hosts("localhost"); !slices.ContainsFunc(got, func(s searchcompleteSuggestion) bool { return s.Value == "127.0.0.1" || s.Value == "::1" }) {
		t.Errorf("localhost: %q, want 127.0.0.1 or ::1", got)
	}
	for _, term := range []string{"nothing.example", "AS36561", "208.65.153.0/24", "youtube", "-bad-.example", "a..b"} {
		if got := hosts(term); got != nil {
			t.Errorf("%q: hostnames %q, want none", term, got)
		}
	}
}
