package calls

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestRISPrefixesJinx compares ris-prefixes on jinx at the latest data
// with the prefixes computed from the bgpdump reference: originating when
// a route's path ends with the AS, transiting when the AS is followed by
// another AS in a route's path; for an origin, a transit AS and an unknown
// AS, with and without noise filtering and for each family and type.
func TestRISPrefixesJinx(t *testing.T) {
	ix := storeOf(t, jinx...)
	ref := psRefOf(t, jinx...)
	ts := testServer(t, ix, nil)
	top := ref.topOrigins(false)[0]
	// the upstream of the top origin in its first route: a transit AS
	var transit uint32
	for _, rs := range ref.routes {
		for _, r := range rs {
			if ps := psPairs(r); psOrigin(r) == top && len(ps) > 0 {
				transit = ps[len(ps)-1][0]
				break
			}
		}
		if transit != 0 {
			break
		}
	}
	ases := []uint32{top, ref.topOrigins(true)[0], transit, 64496}
	for _, as := range ases {
		want := map[string]map[string][]string{"v4": {}, "v6": {}}
		wantFiltered := map[string]map[string][]string{"v4": {}, "v6": {}}
		for p, rs := range ref.routes {
			orig, tran := false, false
			for _, r := range rs {
				orig = orig || psOrigin(r) == as
				for _, pair := range psPairs(r) {
					tran = tran || pair[0] == as
				}
			}
			af := statusFamily(p)
			for role, ok := range map[string]bool{"originating": orig, "transiting": tran} {
				if ok {
					want[af][role] = append(want[af][role], p.String())
					if !risPrefixesNoise(p) {
						wantFiltered[af][role] = append(wantFiltered[af][role], p.String())
					}
				}
			}
		}
		for _, noise := range []string{"keep", "filter"} {
			w := want
			if noise == "filter" {
				w = wantFiltered
			}
			start := time.Now()
			query := fmt.Sprintf("resource=AS%d&list_prefixes=true&noise=%s", as, noise)
			var data risPrefixesData
			if env := get(t, ts, "ris-prefixes", query, &data); env.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %v", query, env.StatusCode, env.Messages)
			}
			t.Logf("%s: %v, counts %v", query, time.Since(start), data.Counts)
			for _, af := range []string{"v4", "v6"} {
				got := map[string][]string{"originating": data.Prefixes[af].Originating, "transiting": data.Prefixes[af].Transiting}
				for _, role := range []string{"originating", "transiting"} {
					wl := slices.Clone(w[af][role])
					slices.SortFunc(wl, func(a, b string) int { return psKeyOrder(netip.MustParsePrefix(a), netip.MustParsePrefix(b)) })
					if !slices.Equal(got[role], wl) {
						t.Errorf("%s: %s %s: %d prefixes, want %d", query, af, role, len(got[role]), len(wl))
					}
				}
				c := data.Counts[af]
				if c.Originating != len(w[af]["originating"]) || c.Transiting != len(w[af]["transiting"]) {
					t.Errorf("%s: counts %s %+v, want %d %d", query, af, c, len(w[af]["originating"]), len(w[af]["transiting"]))
				}
			}
		}
		// types and af choose what is listed; counts stay whole
		query := fmt.Sprintf("resource=AS%d&list_prefixes=TRUE&types=t&af=v6", as)
		var data risPrefixesData
		get(t, ts, "ris-prefixes", query, &data)
		if len(data.Prefixes) != 1 || len(data.Prefixes["v6"].Originating) != 0 ||
			len(data.Prefixes["v6"].Transiting) != len(want["v6"]["transiting"]) ||
			data.Counts["v4"].Originating != len(want["v4"]["originating"]) ||
			!slices.Equal(data.Types, []string{"t"}) || !slices.Equal(data.AF, []string{"v6"}) {
			t.Errorf("%s: %+v", query, data)
		}
		// without list_prefixes: counts only
		data = risPrefixesData{}
		get(t, ts, "ris-prefixes", fmt.Sprintf("resource=AS%d", as), &data)
		if data.Prefixes != nil || data.ListPrefixes || data.Counts["v4"].Transiting != len(want["v4"]["transiting"]) {
			t.Errorf("AS%d counts only: %+v", as, data)
		}
	}
}

// TestRISPrefixesNoise checks which prefixes noise=filter drops.
func TestRISPrefixesNoise(t *testing.T) {
	for p, want := range map[string]bool{
		"0.0.0.0/0": true, "::/0": true, "193.0.0.0/21": false, "193.0.0.1/32": true, "2001:db8::/48": true,
		"10.1.0.0/16": true, "10.0.0.0/7": false, "172.16.5.0/24": true, "192.168.1.0/24": true, "100.64.0.0/10": true,
		"2001:67c:2e8::/48": false, "fd00::/8": true, "2a00::1/128": true, "224.0.0.0/4": true, "8.8.8.0/24": false,
	} {
		if got := risPrefixesNoise(netip.MustParsePrefix(p)); got != want {
			t.Errorf("%s: noise %v, want %v", p, got, want)
		}
	}
}

// TestRISPrefixesOverload checks the data overload guard: a browser
// request (Referer) for the transit AS of jinx's full peer gets the
// counts and no lists, with a warning, unless data_overload_limit=ignore.
func TestRISPrefixesOverload(t *testing.T) {
	ix := storeOf(t, jinx...)
	ts := testServer(t, ix, nil)
	for _, ignore := range []bool{false, true} {
		query := "resource=AS30844&list_prefixes=true"
		if ignore {
			query += "&data_overload_limit=ignore"
		}
		req, err := http.NewRequest("GET", ts.URL+"/data/ris-prefixes/data.json?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Referer", "https://example.net/")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Messages [][]string      `json:"messages"`
			Data     risPrefixesData `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", query, resp.StatusCode, err)
		}
		listed := len(env.Data.Prefixes["v4"].Transiting)
		warned := len(env.Messages) > 0 && env.Messages[len(env.Messages)-1][0] == "warning"
		if env.Data.Counts["v4"].Transiting < risPrefixesOverload || ignore != (listed == env.Data.Counts["v4"].Transiting) || ignore == warned {
			t.Errorf("%s: counts %v, %d listed, messages %v", query, env.Data.Counts, listed, env.Messages)
		}
	}
}
