package config

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(File) bool
		err        string
	}{
		{name: "empty is all defaults", yaml: "", check: func(f File) bool {
			return f.Archive.Dir == "var/archive" && f.Archive.UpdatesInterval == 5*time.Minute && f.Archive.RIBInterval == 8*time.Hour &&
				f.HTTP.Listen == ":8080" && f.Collector.Name == "rrc00" && len(f.Collector.DynamicNeighbors) == 2
		}},
		{name: "values", yaml: "collector:\n  name: rrc42\narchive:\n  dir: /srv/mrt\n  updates_interval: 15m\n  rib_interval: -1s\n  et: true\nhttp:\n  listen: off\n", check: func(f File) bool {
			return f.Collector.Name == "rrc42" && f.Archive.Dir == "/srv/mrt" && f.Archive.UpdatesInterval == 15*time.Minute &&
				f.Archive.RIBInterval < 0 && f.Archive.ET && f.HTTP.Listen == "off"
		}},
		{name: "unknown key", yaml: "archive:\n  directory: x\n", err: "line 2"},
		{name: "bad duration", yaml: "archive:\n  updates_interval: soon\n", err: "line 2"},
		{name: "collector checked", yaml: "collector:\n  router_id: nope\n", err: "collector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.yaml))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(f) {
				t.Fatalf("parsed %+v", f)
			}
		})
	}
}
