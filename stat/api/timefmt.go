package api

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is how the data API writes times (spec §1.5): UTC, no zone,
// whole seconds.
const TimeLayout = "2006-01-02T15:04:05"

// envelopeTimeLayout is the envelope's "time": UTC, no zone, microseconds
// (spec §1.2), which Python's datetime.fromisoformat reads.
const envelopeTimeLayout = "2006-01-02T15:04:05.000000"

// RIBInterval is the spacing of RIB dumps, to whose 00:00, 08:00 and
// 16:00 UTC boundaries snapping calls move their times (spec §1.5).
const RIBInterval = 8 * time.Hour

// maxUnix is 9999-12-31T23:59:59Z, the last time TimeLayout can write.
const maxUnix = 253402300799

// FormatTime writes t as the data API does: "2006-01-02T15:04:05" in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// SnapRIB returns the RIB dump time at or before t: t truncated to 00:00,
// 08:00 or 16:00 UTC.
func SnapRIB(t time.Time) time.Time { return t.UTC().Truncate(RIBInterval) }

// timeLayouts are the ISO 8601 forms ParseTime accepts after a space
// between date and time has been turned into "T". A fraction of a second
// after the seconds is accepted by time.Parse without being in the
// layout.
var timeLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime parses a time parameter (spec §1.5): Unix seconds
// (1442124000) or ISO 8601 as a date (2020-12-21), a date and time with
// or without seconds and fraction (2011-12-12T12:00, 2020-12-21T12:00:00,
// a space instead of the T), with an optional Z or ±hh:mm offset. Times
// without a zone are UTC. Times before 1970 or after year 9999 are
// refused. The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty time")
	}
	if allDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxUnix {
			return time.Time{}, errors.New("Unix time out of range (0 to 253402300799)")
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.UTC()
		if t.Year() < 1970 {
			return time.Time{}, errors.New("time before 1970")
		}
		if t.Year() > 9999 {
			return time.Time{}, errors.New("time after year 9999")
		}
		return t, nil
	}
	return time.Time{}, errors.New("not a time; use Unix seconds or ISO 8601 such as 2026-01-09T16:00:00")
}

// timeDefault is a parsed Param.Default of a time parameter: a base (the
// clock, or another time parameter of the call) plus an offset.
type timeDefault struct {
	// ref is the name of the time parameter the default is relative to,
	// empty for the clock.
	ref    string
	offset time.Duration
}

// parseTimeDefault parses "now", "now-14d", "endtime-48h" or "endtime":
// a base and an optional signed offset written as a Go duration or a
// number of days ("14d").
func parseTimeDefault(s string) (timeDefault, error) {
	i := strings.IndexAny(s, "+-")
	base, off := s, ""
	if i >= 0 {
		base, off = s[:i], s[i:]
	}
	if base == "" {
		return timeDefault{}, fmt.Errorf("time default %q has no base (now or a parameter name)", s)
	}
	var d timeDefault
	if base != "now" {
		d.ref = base
	}
	if off == "" {
		return d, nil
	}
	sign := time.Duration(1)
	if off[0] == '-' {
		sign = -1
	}
	off = off[1:]
	if days, ok := strings.CutSuffix(off, "d"); ok && allDigits(days) {
		n, err := strconv.Atoi(days)
		if err != nil || n > 100000 {
			return timeDefault{}, fmt.Errorf("time default %q: too many days", s)
		}
		d.offset = sign * time.Duration(n) * 24 * time.Hour
		return d, nil
	}
	dur, err := time.ParseDuration(off)
	if err != nil {
		return timeDefault{}, fmt.Errorf("time default %q: %w", s, err)
	}
	d.offset = sign * dur
	return d, nil
}
