package calls

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// flsTest is ris-first-last-seen's data as a client decodes it.
type flsTest struct {
	Resource   string   `json:"resource"`
	LatestTime string   `json:"latest_time"`
	Include    []string `json:"include"`
	Stats      struct {
		Count int `json:"count"`
	} `json:"stats"`
	Resources []flsResourceTest `json:"resources"`
}

// flsResourceTest is one resource of a ris-first-last-seen answer.
type flsResourceTest struct {
	Resource string `json:"resource"`
	Type     string `json:"type"`
	First    struct {
		Time string `json:"time"`
	} `json:"first"`
	Last struct {
		Time string `json:"time"`
	} `json:"last"`
}

// flsRow is the reference's first and last seen of one resource.
func flsRow(resource, typ string, first, last time.Time) flsResourceTest {
	r := flsResourceTest{Resource: resource, Type: typ}
	r.First.Time, r.Last.Time = api.FormatTime(first), api.FormatTime(last)
	return r
}

// prefixSeenWant is what the reference says of p (and, with more, of
// every prefix under it): when it first had a route, and when it last
// lost its routes (the latest time while it still has some).
func (r *peerRef) prefixSeenWant(p netip.Prefix, more bool) []flsResourceTest {
	var ps []netip.Prefix
	for q := range r.first {
		if q == p || more && q.Bits() > p.Bits() && p.Contains(q.Addr()) {
			ps = append(ps, q)
		}
	}
	slices.SortFunc(ps, netip.Prefix.Compare)
	out := []flsResourceTest{}
	for _, q := range ps {
		last := r.gone[q]
		if len(r.routes[q]) > 0 {
			last = r.latest
		}
		out = append(out, flsRow(q.String(), "", r.first[q], last))
	}
	return out
}

// originSeenWant is what the reference says of an origin AS.
func (r *peerRef) originSeenWant(as uint32) []flsResourceTest {
	first, ok := r.originFirst[as]
	if !ok {
		return []flsResourceTest{}
	}
	last := r.originGone[as]
	if len(r.byOrigin[as]) > 0 {
		last = r.latest
	}
	return []flsResourceTest{flsRow(strconv.FormatUint(uint64(as), 10), "o", first, last)}
}

// TestRISFirstLastSeen compares first and last seen with the reference
// line times: prefixes of rrc06 (withdrawn ones too) and of the YouTube
// hijack (208.65.153.0/24, seen and withdrawn), the hijacker AS17557 and
// YouTube's AS36561 as origins, and jinx's short prefixes with all their
// more-specifics.
func TestRISFirstLastSeen(t *testing.T) {
	tests := []struct {
		name     string
		ix       func(testing.TB) *index.Index
		files    []string
		prefixes []string
		// withdrawn adds every prefix withdrawn for good in the reference
		// (not for youtube: bgpdump -m shows its 401 IPv4 multicast
		// announcements, which routestat does not index, as unicast ones)
		withdrawn bool
		more      bool
		asns      []uint32 // also: the origins of the prefixes
	}{
		{"rrc06", func(t testing.TB) *index.Index { return storeOf(t, rrc06...) }, rrc06,
			[]string{"177.54.145.0/24", "41.200.0.0/15", "202.70.88.0/21", "2804:14d:ba00::/40", "192.0.2.0/24"}, true, false, nil},
		{"rrc06 more", func(t testing.TB) *index.Index { return storeOf(t, rrc06...) }, rrc06,
			[]string{"177.0.0.0/8", "41.0.0.0/8", "2000::/3"}, false, true, nil},
		{"youtube", func(t testing.TB) *index.Index { return storeOf(t, youtube...) }, youtube,
			[]string{"208.65.153.0/24", "208.65.152.0/22", "208.65.153.0/25", "208.65.153.128/25"}, false, false, []uint32{17557, 36561, 64496}},
		{"youtube more", func(t testing.TB) *index.Index { return storeOf(t, youtube...) }, youtube,
			[]string{"208.65.152.0/22"}, false, true, nil},
		{"jinx more", feedStore, jinx, []string{"196.0.0.0/8", "2001:43f8::/32", "41.0.0.0/9"}, false, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := tc.ix(t)
			ref := peerRefOf(t, time.Time{}, tc.files...)
			ts := testServer(t, ix, nil)
			prefixes := tc.prefixes
			asns := tc.asns
			if tc.withdrawn {
				for p := range ref.gone {
					if len(ref.routes[p]) == 0 && len(prefixes) < 200 {
						prefixes = append(prefixes, p.String())
					}
				}
			}
			for _, s := range prefixes {
				for _, l := range ref.routes[netip.MustParsePrefix(s)] {
					if o := refOriginAS(l); o != 0 && !slices.Contains(asns, o) {
						asns = append(asns, o)
					}
				}
			}
			type question struct {
				resource string
				want     []flsResourceTest
			}
			var qs []question
			for _, s := range prefixes {
				qs = append(qs, question{s, ref.prefixSeenWant(netip.MustParsePrefix(s), tc.more)})
			}
			for _, as := range asns {
				qs = append(qs, question{strconv.FormatUint(uint64(as), 10), ref.originSeenWant(as)})
			}
			include := ""
			wantInclude := []string{}
			if tc.more {
				include, wantInclude = "more_specific", []string{"more_specific"}
			}
			for _, q := range qs {
				var got flsTest
				env := get(t, ts, "ris-first-last-seen", "resource="+url.QueryEscape(q.resource)+"&include="+include, &got)
				if env.StatusCode != 200 {
					t.Fatalf("%s: status %d %v", q.resource, env.StatusCode, env.Messages)
				}
				if got.Resource != q.resource || got.LatestTime != api.FormatTime(ref.latest) || !slices.Equal(got.Include, wantInclude) {
					t.Errorf("%s: resource %q latest_time %q include %v", q.resource, got.Resource, got.LatestTime, got.Include)
				}
				if got.Stats.Count != len(q.want) || !reflect.DeepEqual(got.Resources, q.want) {
					t.Errorf("%s: count %d resources\n got %+v\nwant %+v", q.resource, got.Stats.Count, got.Resources, q.want)
				}
			}
		})
	}
}

// TestRISFirstLastSeenBadInput checks that hostile parameters are 400s
// naming the parameter, and that low_visibility_flag is accepted.
func TestRISFirstLastSeenBadInput(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	peerBadParams(t, ts, "ris-first-last-seen", []peerBadCase{
		{"", "resource"},
		{"resource=AS4294967296", "resource"},
		{"resource=193.0.0.1", "resource"},
		{"resource=%ff%fe", "resource"},
		{"resource=" + strings.Repeat("x", 10000), "resource"},
		{"resource=193.0.0.0/21&include=everything", "include"},
		{"resource=193.0.0.0/21&include=more_specific,", "include"},
		{"resource=193.0.0.0/21&include=" + strings.Repeat("more_specific,", 1000), "include"},
		{"resource=193.0.0.0/21&include=%ff", "include"},
	})
	var got flsTest
	env := get(t, ts, "ris-first-last-seen", "resource=0.0.0.0/0&include=more_specific,low_visibility_flag", &got)
	if env.StatusCode != 200 || !slices.Equal(got.Include, []string{"more_specific", "low_visibility_flag"}) || got.Stats.Count == 0 {
		t.Errorf("/0 with more-specifics: status %d include %v count %d", env.StatusCode, got.Include, got.Stats.Count)
	}
}

// TestRISFirstLastSeenGolden checks the envelope and field types on rrc06.
func TestRISFirstLastSeenGolden(t *testing.T) {
	ts := testServer(t, storeOf(t, rrc06...), nil)
	checkPeerGolden(t, ts, "ris-first-last-seen", "ris-first-last-seen", "resource=2804:14d:ba00::/40")
	checkPeerGolden(t, ts, "ris-first-last-seen-asn", "ris-first-last-seen", "resource=AS28573")
}

// TestRISFirstLastSeenOverload checks the data overload guard: a browser
// asking for every prefix under /0 of jinx (~500k) gets the count, no
// list and a warning; data_overload_limit=ignore gets the list.
func TestRISFirstLastSeenOverload(t *testing.T) {
	ts := testServer(t, feedStore(t), nil)
	for _, ignore := range []bool{false, true} {
		u := ts.URL + "/data/ris-first-last-seen/data.json?resource=0.0.0.0/0&include=more_specific"
		if ignore {
			u += "&data_overload_limit=ignore"
		}
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Referer", "https://example.net/widget")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Messages [][]string `json:"messages"`
			Data     flsTest    `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("ignore %v: HTTP %d %v", ignore, resp.StatusCode, err)
		}
		warned := slices.ContainsFunc(env.Messages, func(m []string) bool { return len(m) == 2 && m[0] == "warning" })
		if env.Data.Stats.Count < firstLastSeenLimit || warned == ignore || (len(env.Data.Resources) == 0) != !ignore {
			t.Errorf("ignore %v: count %d, %d resources, messages %v", ignore, env.Data.Stats.Count, len(env.Data.Resources), env.Messages)
		}
	}
}
