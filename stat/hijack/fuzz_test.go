package hijack

import (
	"os"
	"testing"
)

// FuzzParseConfig feeds arbitrary monitored-resources files to the
// parser: it must return a configuration or an error, never panic, and
// a configuration it accepts must survive Marshal and parse again.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(youtubeConfig))
	f.Add([]byte("defaults: {min_peer_ases: 2, visibility_hold: 0s}\nprefixes:\n  202.33.0.0/16: {asn: [4725], upstreams: [2497], thresholds: {reopen_window: 1h}}\nasns:\n  AS4725: {upstreams: [], downstreams: [1]}\n"))
	if b, err := os.ReadFile("testdata/bgpalerter-prefixes.yml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err != nil {
			return
		}
		out, err := cfg.Marshal()
		if err != nil {
			t.Fatalf("marshal of an accepted file: %v", err)
		}
		if _, err := ParseConfig(out); err != nil {
			t.Fatalf("re-parse of\n%s\nfailed: %v (input %q)", out, err, b)
		}
	})
}
