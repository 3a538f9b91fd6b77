package rislive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/routestat/routestat/mrtdump"
)

// messageTypes are the values a subscription's "type" may take: the
// "type" of the ris_message data we send.
var messageTypes = []string{"UPDATE", "OPEN", "NOTIFICATION", "KEEPALIVE", "ROUTE_REFRESH", "RIS_PEER_STATE"}

// socketOptions are a socket's options, set by the latest ris_subscribe
// that carries them.
type socketOptions struct {
	IncludeRaw  bool `json:"includeRaw"`
	Acknowledge bool `json:"acknowledge"`
}

// filter is one subscription: a message is sent when it passes every
// condition that is set.
type filter struct {
	host    string
	typ     string
	require string
	peer    netip.Addr
	path    *pathPattern
	prefix  netip.Prefix
	// moreSpecific and lessSpecific widen prefix matching beyond the
	// exact prefix.
	moreSpecific, lessSpecific bool

	// key identifies the filter for ris_unsubscribe: its normalised JSON.
	key string
}

// normalised is a filter as ris_subscribe_ok reports it, with defaults
// filled in.
type normalised struct {
	Host         string          `json:"host,omitempty"`
	Type         string          `json:"type,omitempty"`
	Require      string          `json:"require,omitempty"`
	Peer         string          `json:"peer,omitempty"`
	Path         json.RawMessage `json:"path,omitempty"`
	Prefix       string          `json:"prefix,omitempty"`
	MoreSpecific bool            `json:"moreSpecific"`
	LessSpecific bool            `json:"lessSpecific"`
}

// fieldError is a problem with one field of a client's message; its text
// names the field.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func badField(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// parsedSubscribe is a ris_subscribe or ris_unsubscribe's data: one filter
// per prefix (or one without prefix), and the socket options if given.
type parsedSubscribe struct {
	filters []*filter
	options *socketOptions
}

// parseSubscribe validates a ris_subscribe or ris_unsubscribe data object.
// hosts, when not empty, lists the collector names "host" may take.
// Unknown members are ignored, as clients may send more than we know.
func parseSubscribe(data json.RawMessage, hosts []string) (*parsedSubscribe, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, badField("data", "must be a JSON object")
	}
	var f filter
	f.moreSpecific = true
	var n normalised
	get := func(name string) (json.RawMessage, bool) {
		v, ok := fields[name]
		if !ok || bytes.Equal(v, []byte("null")) {
			return nil, false
		}
		return v, true
	}
	str := func(name string) (string, bool, error) {
		v, ok := get(name)
		if !ok {
			return "", false, nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false, badField(name, "must be a string, got %s", abbrev(v))
		}
		return s, true, nil
	}
	boolean := func(name string, dst *bool) error {
		v, ok := get(name)
		if !ok {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return badField(name, "must be true or false, got %s", abbrev(v))
		}
		return nil
	}

	if s, ok, err := str("host"); err != nil {
		return nil, err
	} else if ok && s != "" {
		if len(hosts) > 0 && !slices.Contains(hosts, s) {
			return nil, badField("host", "unknown collector %q; this server has %s (see request_rrc_list)", s, strings.Join(hosts, ", "))
		}
		f.host = s
	}
	if s, ok, err := str("type"); err != nil {
		return nil, err
	} else if ok && s != "" {
		t := strings.ToUpper(s)
		if !slices.Contains(messageTypes, t) {
			return nil, badField("type", "unknown message type %q; one of %s", s, strings.Join(messageTypes, ", "))
		}
		f.typ = t
	}
	if s, ok, err := str("require"); err != nil {
		return nil, err
	} else if ok && s != "" {
		if strings.Trim(s, "abcdefghijklmnopqrstuvwxyz_") != "" {
			return nil, badField("require", "%q is not a ris_message key", s)
		}
		f.require = s
	}
	if s, ok, err := str("peer"); err != nil {
		return nil, err
	} else if ok && s != "" {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, badField("peer", "%q is not an IP address", s)
		}
		f.peer = a.Unmap()
		n.Peer = f.peer.String()
	}
	if v, ok := get("path"); ok {
		p, norm, err := parsePathField(v)
		if err != nil {
			return nil, err
		}
		f.path, n.Path = p, norm
	}
	if err := boolean("moreSpecific", &f.moreSpecific); err != nil {
		return nil, err
	}
	if err := boolean("lessSpecific", &f.lessSpecific); err != nil {
		return nil, err
	}
	var prefixes []netip.Prefix
	if v, ok := get("prefix"); ok {
		var list []string
		var one string
		if json.Unmarshal(v, &one) == nil {
			list = []string{one}
		} else if err := json.Unmarshal(v, &list); err != nil {
			return nil, badField("prefix", "must be a prefix or an array of prefixes, got %s", abbrev(v))
		} else if len(list) == 0 {
			return nil, badField("prefix", "empty array")
		}
		for _, s := range list {
			p, err := parsePrefix(s)
			if err != nil {
				return nil, badField("prefix", "%v", err)
			}
			if !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p)
			}
		}
	}
	var out parsedSubscribe
	if v, ok := get("socketOptions"); ok {
		var o map[string]json.RawMessage
		if err := json.Unmarshal(v, &o); err != nil || o == nil {
			return nil, badField("socketOptions", "must be an object, got %s", abbrev(v))
		}
		out.options = &socketOptions{}
		for name, dst := range map[string]*bool{"includeRaw": &out.options.IncludeRaw, "acknowledge": &out.options.Acknowledge} {
			if v, ok := o[name]; ok && !bytes.Equal(v, []byte("null")) {
				if err := json.Unmarshal(v, dst); err != nil {
					return nil, badField("socketOptions."+name, "must be true or false, got %s", abbrev(v))
				}
			}
		}
	}

	n.Host, n.Type, n.Require = f.host, f.typ, f.require
	n.MoreSpecific, n.LessSpecific = f.moreSpecific, f.lessSpecific
	if len(prefixes) == 0 {
		prefixes = []netip.Prefix{{}}
	}
	for _, p := range prefixes {
		g := f
		g.prefix = p
		if p.IsValid() {
			n.Prefix = p.String()
		}
		key, err := json.Marshal(n)
		if err != nil {
			return nil, fmt.Errorf("normalise subscription: %w", err)
		}
		g.key = string(key)
		out.filters = append(out.filters, &g)
	}
	return &out, nil
}

// parsePrefix parses a CIDR prefix, or an address as a host prefix, with
// host bits cleared and IPv4-mapped IPv6 addresses unmapped.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR prefix", s)
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR prefix", s)
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped prefix needs a length of at least 96", s)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// abbrev shortens a JSON value for an error message.
func abbrev(v json.RawMessage) string {
	if len(v) > 40 {
		return string(v[:37]) + "..."
	}
	return string(v)
}

// pathPattern is a parsed "path" filter.
type pathPattern struct {
	// negate inverts the match ("!").
	negate bool
	// first and last anchor the pattern at the path's first (peer side)
	// and last (origin) member ("^", "$").
	first, last bool
	elems       []patternElem
}

// patternElem is one member of a path pattern: an AS number, or, with set
// not nil, an AS_SET with its members in ascending order.
type patternElem struct {
	as  uint32
	set []uint32
}

// parsePathField parses "path": an AS number (anywhere in the path) or a
// pattern string. It returns the pattern and its normalised JSON.
func parsePathField(v json.RawMessage) (*pathPattern, json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		p, err := parsePathPattern(s)
		if err != nil {
			return nil, nil, badField("path", "%v", err)
		}
		norm, _ := json.Marshal(p.String()) // a string always marshals
		return p, norm, nil
	}
	var num json.Number
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&num); err != nil {
		return nil, nil, badField("path", "must be an AS number or a pattern string, got %s", abbrev(v))
	}
	as, err := strconv.ParseUint(num.String(), 10, 32)
	if err != nil {
		return nil, nil, badField("path", "%s is not an AS number", num)
	}
	return &pathPattern{elems: []patternElem{{as: uint32(as)}}}, json.RawMessage(num.String()), nil
}

// parsePathPattern parses a RIS Live path pattern: comma-separated AS
// numbers and AS_SETs ("[a,b]", ascending), optionally anchored by a
// leading "^" and a trailing "$", the whole optionally negated by a
// leading "!". It is not a regular expression. Spaces around the
// punctuation are ignored.
func parsePathPattern(s string) (*pathPattern, error) {
	orig := s
	s = squeeze(s)
	if strings.ContainsAny(s, " \t\r\n") {
		return nil, fmt.Errorf("pattern %q: members must be separated by \",\"", orig)
	}
	p := &pathPattern{}
	if rest, ok := strings.CutPrefix(s, "!"); ok {
		p.negate, s = true, rest
	}
	if rest, ok := strings.CutPrefix(s, "^"); ok {
		p.first, s = true, rest
	}
	if rest, ok := strings.CutSuffix(s, "$"); ok {
		p.last, s = true, rest
	}
	if s == "" {
		return nil, fmt.Errorf("pattern %q has no AS numbers", orig)
	}
	for s != "" {
		var e patternElem
		if strings.HasPrefix(s, "[") {
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("pattern %q: unclosed \"[\"", orig)
			}
			for _, m := range strings.Split(s[1:end], ",") {
				as, err := parseASN(m)
				if err != nil {
					return nil, fmt.Errorf("pattern %q: in AS_SET: %v", orig, err)
				}
				e.set = append(e.set, as)
			}
			if !slices.IsSorted(e.set) {
				return nil, fmt.Errorf("pattern %q: AS_SET members must be in ascending order", orig)
			}
			s = s[end+1:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			as, err := parseASN(s[:end])
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %v", orig, err)
			}
			e.as = as
			s = s[end:]
		}
		p.elems = append(p.elems, e)
		if s == "" {
			break
		}
		if s[0] != ',' || len(s) == 1 {
			return nil, fmt.Errorf("pattern %q: expected \",\" and a further member after %q", orig, strings.TrimSuffix(orig, s))
		}
		s = s[1:]
	}
	return p, nil
}

// squeeze removes the spaces around the punctuation of a path pattern and
// at its ends.
func squeeze(s string) string {
	var b []byte
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(",[]^$!", c) < 0 {
			b = append(b, c)
			continue
		}
		b = bytes.TrimRight(b, " \t\r\n")
		b = append(b, c)
		for i+1 < len(s) && strings.IndexByte(" \t\r\n", s[i+1]) >= 0 {
			i++
		}
	}
	return string(b)
}

func parseASN(s string) (uint32, error) {
	as, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an AS number", s)
	}
	return uint32(as), nil
}

// String returns the pattern in its normal form.
func (p *pathPattern) String() string {
	var b strings.Builder
	if p.negate {
		b.WriteByte('!')
	}
	if p.first {
		b.WriteByte('^')
	}
	for i, e := range p.elems {
		if i > 0 {
			b.WriteByte(',')
		}
		if e.set == nil {
			b.WriteString(strconv.FormatUint(uint64(e.as), 10))
			continue
		}
		b.WriteByte('[')
		for j, as := range e.set {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatUint(uint64(as), 10))
		}
		b.WriteByte(']')
	}
	if p.last {
		b.WriteByte('$')
	}
	return b.String()
}

// match reports whether the path matches: whether the pattern's members
// appear consecutively in it (at its start with "^", at its end with
// "$"), negated with "!". An AS number matches an equal AS_SEQUENCE
// member or an AS_SET containing it; an AS_SET matches an AS_SET with the
// same members.
func (p *pathPattern) match(path []mrtdump.PathElem) bool {
	return p.find(path) != p.negate
}

func (p *pathPattern) find(path []mrtdump.PathElem) bool {
	n := len(p.elems)
	lo, hi := 0, len(path)-n
	if p.first {
		hi = min(hi, 0)
	}
	if p.last {
		lo = max(lo, len(path)-n)
	}
	for start := lo; start <= hi; start++ {
		ok := true
		for i, e := range p.elems {
			if !e.match(path[start+i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (e patternElem) match(m mrtdump.PathElem) bool {
	switch {
	case e.set == nil && m.Set == nil:
		return e.as == m.AS
	case e.set == nil:
		return slices.Contains(m.Set, e.as)
	case m.Set == nil:
		return false
	}
	set := slices.Clone(m.Set)
	slices.Sort(set)
	return slices.Equal(e.set, slices.Compact(set))
}

// matchPrefix reports whether p matches the filter's prefix: equal, or
// inside it with moreSpecific, or covering it with lessSpecific.
func (f *filter) matchPrefix(p netip.Prefix) bool {
	q := f.prefix
	if p.Addr().Is4() != q.Addr().Is4() {
		return false
	}
	switch {
	case p == q:
		return true
	case f.moreSpecific && p.Bits() > q.Bits() && q.Contains(p.Addr()):
		return true
	case f.lessSpecific && p.Bits() < q.Bits() && p.Contains(q.Addr()):
		return true
	}
	return false
}

// errNoSubscription reports a ris_unsubscribe that matched nothing.
var errNoSubscription = errors.New("no such subscription")
