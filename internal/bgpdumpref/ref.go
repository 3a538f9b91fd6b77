// Package bgpdumpref reads the `bgpdump -m` reference output that comes
// with the shared MRT test data and replays it into plain maps: the
// obviously correct model that tests compare routestat's answers with.
// It knows nothing of routestat's index; it is test support only.
package bgpdumpref

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Line is one line of `bgpdump -m` output.
type Line struct {
	// Kind is "B" (RIB entry), "A" (announcement), "W" (withdrawal) or
	// "STATE" (FSM change).
	Kind string
	Time time.Time
	Peer netip.Addr
	// PeerAS is the peer's AS number.
	PeerAS uint32
	// Prefix is set for B, A and W lines.
	Prefix netip.Prefix
	// PathID is the ADD-PATH path identifier (TABLE_DUMP2_AP, BGP4MP_AP).
	PathID uint32
	// ASPath is the AS path as bgpdump prints it ("3333 {1,2}").
	ASPath string
	// Origin is IGP, EGP or INCOMPLETE.
	Origin  string
	NextHop string
	// LocalPref and MED are 0 when the attribute is absent.
	LocalPref, MED uint32
	// Community is the space-separated standard communities.
	Community string
	// AtomicAggregate is true for "AG".
	AtomicAggregate bool
	// Aggregator is "<asn> <ip>" or empty.
	Aggregator string
	// OldState and NewState are the FSM states of a STATE line.
	OldState, NewState int
}

// OriginAS returns the last AS of the path and true, or false when the
// path is empty or ends in an AS_SET.
func (l Line) OriginAS() (uint32, bool) {
	f := strings.Fields(l.ASPath)
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[len(f)-1], 10, 32)
	return uint32(v), err == nil
}

// Path returns the AS path as numbers, AS_SETs left out.
func (l Line) Path() []uint32 {
	var out []uint32
	for _, f := range strings.Fields(l.ASPath) {
		if v, err := strconv.ParseUint(f, 10, 32); err == nil {
			out = append(out, uint32(v))
		}
	}
	return out
}

// ReadFile reads a reference file (plain, or gzip when its name ends in
// .gz).
func ReadFile(name string) ([]Line, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	lines, err := Read(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return lines, nil
}

// Read parses `bgpdump -m` output.
func Read(r io.Reader) ([]Line, error) {
	var out []Line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	n := 0
	for sc.Scan() {
		n++
		if sc.Text() == "" {
			continue
		}
		l, err := parse(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

func parse(s string) (Line, error) {
	f := strings.Split(s, "|")
	if len(f) < 6 {
		return Line{}, fmt.Errorf("%d fields in %q", len(f), s)
	}
	var l Line
	l.Kind = f[2]
	sec, frac, _ := strings.Cut(f[1], ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return Line{}, fmt.Errorf("time %q", f[1])
	}
	var us int64
	if frac != "" {
		if us, err = strconv.ParseInt((frac + "000000")[:6], 10, 64); err != nil {
			return Line{}, fmt.Errorf("time %q", f[1])
		}
	}
	l.Time = time.Unix(secs, us*1000).UTC()
	if l.Peer, err = netip.ParseAddr(f[3]); err != nil {
		return Line{}, fmt.Errorf("peer %q", f[3])
	}
	as, err := strconv.ParseUint(f[4], 10, 32)
	if err != nil {
		return Line{}, fmt.Errorf("peer AS %q", f[4])
	}
	l.PeerAS = uint32(as)
	if l.Kind == "STATE" {
		if len(f) != 7 {
			return Line{}, fmt.Errorf("STATE line with %d fields", len(f))
		}
		l.OldState, _ = strconv.Atoi(f[5])
		l.NewState, _ = strconv.Atoi(f[6])
		return l, nil
	}
	if l.Prefix, err = netip.ParsePrefix(f[5]); err != nil {
		return Line{}, fmt.Errorf("prefix %q", f[5])
	}
	l.Prefix = l.Prefix.Masked()
	if l.Kind == "W" {
		return l, nil
	}
	rest := f[6:]
	if strings.HasSuffix(f[0], "_AP") {
		id, err := strconv.ParseUint(rest[0], 10, 32)
		if err != nil {
			return Line{}, fmt.Errorf("path id %q", rest[0])
		}
		l.PathID = uint32(id)
		rest = rest[1:]
	}
	if f[0] == "BGP" { // type 5: no communities field
		rest = append(rest[:5:5], append([]string{""}, rest[5:]...)...)
	}
	if len(rest) < 8 {
		return Line{}, fmt.Errorf("%d attribute fields in %q", len(rest), s)
	}
	l.ASPath, l.Origin, l.NextHop = rest[0], rest[1], rest[2]
	lp, _ := strconv.ParseUint(rest[3], 10, 32)
	med, _ := strconv.ParseUint(rest[4], 10, 32)
	l.LocalPref, l.MED = uint32(lp), uint32(med)
	l.Community = rest[5]
	l.AtomicAggregate = rest[6] == "AG"
	l.Aggregator = rest[7]
	return l, nil
}

// Key names one route: a peer's path to a prefix.
type Key struct {
	Peer   netip.Addr
	Prefix netip.Prefix
	PathID uint32
}

// Model is the routes that replaying lines leaves: every B and A line
// sets a route, W removes it, a STATE line leaving Established (6)
// removes every route of the peer.
type Model struct {
	Routes map[Key]Line
}

// NewModel returns an empty model.
func NewModel() *Model { return &Model{Routes: map[Key]Line{}} }

// Apply replays one line.
func (m *Model) Apply(l Line) {
	switch l.Kind {
	case "B", "A":
		m.Routes[Key{l.Peer, l.Prefix, l.PathID}] = l
	case "W":
		delete(m.Routes, Key{l.Peer, l.Prefix, l.PathID})
	case "STATE":
		if l.OldState == 6 && l.NewState != 6 {
			for k := range m.Routes {
				if k.Peer == l.Peer {
					delete(m.Routes, k)
				}
			}
		}
	}
}

// ApplyUntil replays the lines up to and including time t (lines must be
// in time order) and returns the rest.
func (m *Model) ApplyUntil(lines []Line, t time.Time) []Line {
	for len(lines) > 0 && !lines[0].Time.After(t) {
		m.Apply(lines[0])
		lines = lines[1:]
	}
	return lines
}

// Of returns the routes of one prefix, sorted by peer then path id.
func (m *Model) Of(p netip.Prefix) []Line {
	var out []Line
	for k, l := range m.Routes {
		if k.Prefix == p {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if c := out[i].Peer.Compare(out[j].Peer); c != 0 {
			return c < 0
		}
		return out[i].PathID < out[j].PathID
	})
	return out
}

// Merge returns the lines of several files in time order (stable, so
// that lines of one time keep their file order).
func Merge(files ...[]Line) []Line {
	var out []Line
	for _, f := range files {
		out = append(out, f...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}
