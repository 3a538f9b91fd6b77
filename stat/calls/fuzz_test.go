package calls

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// allCalls is every call this package registers.
var allCalls = []string{
	"announced-prefixes", "routing-status", "routing-history", "prefix-overview", "as-overview",
	"asn-neighbours", "asn-neighbours-history", "bgp-updates", "bgplay", "bgp-state",
	"looking-glass", "ris-peers", "ris-peerings", "ris-prefixes", "ris-first-last-seen",
	"visibility", "related-prefixes", "as-path-length", "searchcomplete",
}

// FuzzCalls sends arbitrary query strings to every call over a real
// store (rrc06): whatever the input, the answer is the JSON envelope with
// a 200 or a 4xx, never a 500, a panic or a hang.
func FuzzCalls(f *testing.F) {
	seeds := []string{
		"resource=AS3333", "resource=193.0.0.0/21&starttime=2014-05-30T22:00&endtime=2014-05-30T22:20",
		"resource=0.0.0.0/0", "resource=::/0&rrcs=6", "resource=AS4294967296", "resource=1.2.3.4&query_time=2014-05-30",
		"resource=2001:db8::/32;starttime=1401487200;endtime=1401488100", "resource=AS3333&preferred_version=4.1",
		"resource=%ff%fe", "resource=193.0.0.0/21&starttime=2014-05-31&endtime=2014-05-30",
		"resource=AS3333&min_peers_seeing=-1", "resource=AS3333&lod=2&data_overload_limit=ignore",
		"resource=rrc06&unix_timestamps=TRUE", "resource=x&limit=100000", "resource=AS1,AS2,1.0.0.0/8",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	ix := storeOf(f, rrc06...)
	ts := testServer(f, ix, nil)
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		call := allCalls[int(which)%len(allCalls)]
		u := ts.URL + "/data/" + call + "/data.json?" + query
		if _, err := url.Parse(u); err != nil || strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' }) {
			return // not a request line any HTTP client sends
		}
		resp, err := http.Get(u)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("%s?%s: HTTP %d\n%s", call, query, resp.StatusCode, body)
		}
		var env envelope
		if err := json.Unmarshal(body, &env); err != nil || env.StatusCode != resp.StatusCode {
			t.Fatalf("%s?%s: HTTP %d, envelope %+v (%v)\n%s", call, query, resp.StatusCode, env, err, body)
		}
	})
}
