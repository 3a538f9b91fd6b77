package api

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ResourceKind is one kind of resource a data call can be asked about.
// Kinds are bits: a set of them (Param.Accept) says what a parameter
// takes.
type ResourceKind uint8

// The resource kinds of spec §1.6 that routestat parses.
const (
	// ResASN is an AS number: AS3333, as3333, 3333 or asdot AS0.3333.
	ResASN ResourceKind = 1 << iota
	// ResPrefix is an IPv4 or IPv6 prefix; abbreviated IPv4 (193/23,
	// 1.2.3/24) is expanded and host bits are cleared.
	ResPrefix
	// ResAddr is a single IPv4 or IPv6 address (no zone).
	ResAddr
	// ResHostname is a DNS name, resolved to addresses by the server.
	ResHostname
	// ResCountry is an ISO 3166-1 alpha-2 country code, any case.
	ResCountry
)

// ResNetwork is what most routing calls take: an ASN, a prefix or an
// address.
const ResNetwork = ResASN | ResPrefix | ResAddr

// String names the kinds in k for messages ("an AS number or a prefix").
func (k ResourceKind) String() string {
	var names []string
	for _, n := range []struct {
		k    ResourceKind
		name string
	}{
		{ResASN, "an AS number (AS3333)"},
		{ResPrefix, "a prefix (193.0.0.0/21)"},
		{ResAddr, "an IP address"},
		{ResHostname, "a host name"},
		{ResCountry, "a two-letter country code"},
	} {
		if k&n.k != 0 {
			names = append(names, n.name)
		}
	}
	switch len(names) {
	case 0:
		return "nothing"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Resource is a parsed resource parameter. Exactly one of its value
// fields is meaningful, the one Kind says; the zero Resource is invalid.
type Resource struct {
	// Kind is a single ResourceKind bit.
	Kind ResourceKind
	// ASN is set for ResASN.
	ASN uint32
	// Prefix is set, masked, for ResPrefix.
	Prefix netip.Prefix
	// Addr is set for ResAddr.
	Addr netip.Addr
	// Host is set, lower case and without a final dot, for ResHostname;
	// Addrs holds what it resolved to (filled by the server, not by
	// ParseResource).
	Host  string
	Addrs []netip.Addr
	// Country is set, lower case, for ResCountry.
	Country string
	// HostBitsCleared reports that a ResPrefix was given with host bits
	// set (193.0.6.139/21) and was masked.
	HostBitsCleared bool
}

// String returns the resource as the data API echoes it: an ASN without
// "AS" (spec §1.6), a prefix or address in canonical form, a host name or
// a country code in lower case.
func (r Resource) String() string {
	switch r.Kind {
	case ResASN:
		return strconv.FormatUint(uint64(r.ASN), 10)
	case ResPrefix:
		return r.Prefix.String()
	case ResAddr:
		return r.Addr.String()
	case ResHostname:
		return r.Host
	case ResCountry:
		return r.Country
	}
	return ""
}

// errASNRange is returned for a number that looks like an ASN but does
// not fit in 32 bits.
var errASNRange = errors.New("AS number out of range (0 to 4294967295)")

// ParseResource parses one resource of the kinds in accept. Surrounding
// spaces are ignored. Host names are recognised but not resolved. The
// error says what was expected.
func ParseResource(s string, accept ResourceKind) (Resource, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Resource{}, fmt.Errorf("empty; expected %v", accept)
	}
	asn, ok, err := parseASN(s)
	switch {
	case err != nil:
		return Resource{}, err
	case ok && accept&ResASN == 0:
		return Resource{}, fmt.Errorf("an AS number is not accepted here; expected %v", accept)
	case ok:
		return Resource{Kind: ResASN, ASN: asn}, nil
	}
	if strings.Contains(s, "/") {
		if accept&ResPrefix == 0 {
			return Resource{}, fmt.Errorf("a prefix is not accepted here; expected %v", accept)
		}
		p, err := parsePrefix(s)
		if err != nil {
			return Resource{}, err
		}
		m := p.Masked()
		return Resource{Kind: ResPrefix, Prefix: m, HostBitsCleared: m != p}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return Resource{}, errors.New("an address with a zone is not accepted")
		}
		if accept&ResAddr == 0 {
			return Resource{}, fmt.Errorf("an IP address is not accepted here; expected %v", accept)
		}
		return Resource{Kind: ResAddr, Addr: a}, nil
	}
	if accept&ResCountry != 0 && len(s) == 2 && isLetter(s[0]) && isLetter(s[1]) {
		return Resource{Kind: ResCountry, Country: strings.ToLower(s)}, nil
	}
	if accept&ResHostname != 0 && isHostname(s) {
		return Resource{Kind: ResHostname, Host: strings.ToLower(strings.TrimSuffix(s, "."))}, nil
	}
	return Resource{}, fmt.Errorf("not understood; expected %v", accept)
}

// maxListItems bounds a comma-separated resource list.
const maxListItems = 64

// ParseResources parses a comma-separated list of resources (bgp-updates,
// bgp-state and bgplay merge results for several). Empty items and lists
// longer than 64 are refused.
func ParseResources(s string, accept ResourceKind) ([]Resource, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxListItems {
		return nil, fmt.Errorf("%d resources in the list, at most %d are accepted", len(parts), maxListItems)
	}
	out := make([]Resource, 0, len(parts))
	for i, p := range parts {
		r, err := ParseResource(p, accept)
		if err != nil {
			return nil, fmt.Errorf("item %d %s: %w", i+1, quote(p), err)
		}
		out = append(out, r)
	}
	return out, nil
}

// parseASN recognises an AS number. ok is false when s is not one at all
// (so that other kinds may be tried); err is set when s is clearly meant
// as an ASN but is invalid.
func parseASN(s string) (asn uint32, ok bool, err error) {
	prefixed := len(s) > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')
	if prefixed {
		s = s[2:]
	}
	if hi, lo, dot := strings.Cut(s, "."); dot {
		// asdot only with the AS prefix: a bare "1.2" is too close to
		// an abbreviated address.
		if !prefixed || !allDigits(hi) || !allDigits(lo) {
			return 0, false, nil
		}
		h, herr := strconv.ParseUint(hi, 10, 16)
		l, lerr := strconv.ParseUint(lo, 10, 16)
		if herr != nil || lerr != nil {
			return 0, false, errors.New("asdot AS number out of range (each half 0 to 65535)")
		}
		return uint32(h<<16 | l), true, nil
	}
	if !allDigits(s) {
		if prefixed {
			return 0, false, errors.New("not an AS number: \"AS\" must be followed by digits")
		}
		return 0, false, nil
	}
	n, perr := strconv.ParseUint(s, 10, 32)
	if perr != nil {
		return 0, false, errASNRange
	}
	return uint32(n), true, nil
}

// parsePrefix parses an IPv4 or IPv6 prefix, expanding abbreviated IPv4
// (193/23 is 193.0.0.0/23). Host bits are kept; the caller masks.
func parsePrefix(s string) (netip.Prefix, error) {
	addr, bits, _ := strings.Cut(s, "/")
	if !strings.Contains(addr, ":") {
		if n := strings.Count(addr, "."); n < 3 && addr != "" {
			addr += strings.Repeat(".0", 3-n)
		}
	}
	if !allDigits(bits) || len(bits) > 3 {
		return netip.Prefix{}, fmt.Errorf("prefix length %s is not a number", quote(bits))
	}
	p, err := netip.ParsePrefix(addr + "/" + bits)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not a prefix: %w", err)
	}
	return p, nil
}

// allDigits reports whether s is a non-empty string of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isHostname reports whether s is a DNS name of at least two labels
// (RFC 1123 letters, digits and hyphens; one final dot allowed) whose
// last label is not numeric.
func isHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 || allDigits(labels[len(labels)-1]) {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !isLetter(c) && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}
