package api

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in, want, errHas string
	}{
		{"1442124000", "2015-09-13T06:00:00", ""},
		{"0", "1970-01-01T00:00:00", ""},
		{"253402300799", "9999-12-31T23:59:59", ""},
		{"2011-12-12T12:00", "2011-12-12T12:00:00", ""},
		{"2020-12-21T12:00:00", "2020-12-21T12:00:00", ""},
		{"2020-12-21T12:00:00.999999", "2020-12-21T12:00:00", ""},
		{"2020-12-21 12:00:00", "2020-12-21T12:00:00", ""},
		{"2020-12-21 12:00", "2020-12-21T12:00:00", ""},
		{"2020-12-21T12:00:00Z", "2020-12-21T12:00:00", ""},
		{"2020-12-21T12:00Z", "2020-12-21T12:00:00", ""},
		{"2020-12-21T14:00:00+02:00", "2020-12-21T12:00:00", ""},
		{"2020-12-21T07:00:00-05:00", "2020-12-21T12:00:00", ""},
		{"2020-12-21", "2020-12-21T00:00:00", ""},
		{" 2020-12-21 ", "2020-12-21T00:00:00", ""},
		{"1970-01-01T00:30:00+01:00", "", "before 1970"},
		{"1969-12-31", "", "before 1970"},
		{"9999-12-31T23:00:00-02:00", "", "after year 9999"},
		{"253402300800", "", "out of range"},
		{"99999999999999999999", "", "out of range"},
		{"-1", "", "not a time"},
		{"", "", "empty"},
		{"2020-13-01", "", "not a time"},
		{"2020-02-30", "", "not a time"},
		{"2020-12-21T25:00", "", "not a time"},
		{"2020-12-21T12", "", "not a time"},
		{"20201221", "", ""}, // digits only: Unix seconds
		{"yesterday", "", "not a time"},
		{"2020-12-21T12:00:00+99:00", "", "not a time"},
		{"2020-12-21\x0012:00", "", "not a time"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("ParseTime(%q) = %v, %v; want error with %q", tt.in, got, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if got.Location() != time.UTC {
				t.Errorf("not UTC: %v", got.Location())
			}
			if tt.want != "" && FormatTime(got) != tt.want {
				t.Errorf("ParseTime(%q) = %s, want %s", tt.in, FormatTime(got), tt.want)
			}
		})
	}
}

func TestSnapRIB(t *testing.T) {
	tests := map[string]string{
		"2026-01-09T00:00:00": "2026-01-09T00:00:00",
		"2026-01-09T07:59:59": "2026-01-09T00:00:00",
		"2026-01-09T08:00:00": "2026-01-09T08:00:00",
		"2026-01-09T13:14:15": "2026-01-09T08:00:00",
		"2026-01-09T16:00:01": "2026-01-09T16:00:00",
		"2026-01-09T23:59:59": "2026-01-09T16:00:00",
		"1970-01-01T05:00:00": "1970-01-01T00:00:00",
	}
	for in, want := range tests {
		tm, err := ParseTime(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatTime(SnapRIB(tm)); got != want {
			t.Errorf("SnapRIB(%s) = %s, want %s", in, got, want)
		}
	}
	// A zone does not move the boundaries: they are UTC.
	cet := time.FixedZone("CET", 3600)
	if got := FormatTime(SnapRIB(time.Date(2026, 1, 9, 9, 30, 0, 0, cet))); got != "2026-01-09T08:00:00" {
		t.Errorf("zoned: %s", got)
	}
}

func TestParseTimeDefault(t *testing.T) {
	tests := []struct {
		in     string
		ref    string
		offset time.Duration
		bad    bool
	}{
		{"now", "", 0, false},
		{"now-14d", "", -14 * 24 * time.Hour, false},
		{"now+1h30m", "", 90 * time.Minute, false},
		{"endtime-48h", "endtime", -48 * time.Hour, false},
		{"endtime", "endtime", 0, false},
		{"-1h", "", 0, true},
		{"now-", "", 0, true},
		{"now-xd", "", 0, true},
		{"now-999999999d", "", 0, true},
	}
	for _, tt := range tests {
		d, err := parseTimeDefault(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("parseTimeDefault(%q): error %v, want error %v", tt.in, err, tt.bad)
			continue
		}
		if !tt.bad && (d.ref != tt.ref || d.offset != tt.offset) {
			t.Errorf("parseTimeDefault(%q) = %+v", tt.in, d)
		}
	}
}
