package rpki

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// VRP is one Validated ROA Payload: AS ASN may originate Prefix and any
// more specific of it up to MaxLength bits long.
type VRP struct {
	// Prefix is the ROA prefix, masked (no host bits set).
	Prefix netip.Prefix
	// MaxLength is the longest prefix length ASN may announce within
	// Prefix: Prefix.Bits() ≤ MaxLength ≤ 32 (IPv4) or 128 (IPv6).
	MaxLength uint8
	// ASN is the authorized origin AS. A VRP for AS 0 (RFC 6483, 7607)
	// authorizes no origin: it only makes routes it covers invalid.
	ASN uint32
	// TA names the trust anchor the VRP was derived from ("ripe",
	// "apnic", ...), as written by the validator; empty when unknown.
	TA string
	// Expires is when the VRP's ROA or signing chain expires, when the
	// input gives it (rpki-client's "expires"); zero otherwise.
	Expires time.Time
}

// String formats v as "1.1.1.0/24-24 AS13335 (apnic)", without the trust
// anchor when it is unknown.
func (v VRP) String() string {
	var b strings.Builder
	b.WriteString(v.Prefix.String())
	b.WriteByte('-')
	b.WriteString(strconv.Itoa(int(v.MaxLength)))
	b.WriteString(" AS")
	b.WriteString(strconv.FormatUint(uint64(v.ASN), 10))
	if v.TA != "" {
		b.WriteString(" (")
		b.WriteString(v.TA)
		b.WriteByte(')')
	}
	return b.String()
}

// check reports whether v is a well-formed VRP: a valid, masked prefix
// and MaxLength between its length and the family's address length.
func (v VRP) check() error {
	if !v.Prefix.IsValid() {
		return errors.New("invalid or missing prefix")
	}
	if m := v.Prefix.Masked(); m != v.Prefix {
		return fmt.Errorf("prefix %s has host bits set (did you mean %s?)", v.Prefix, m)
	}
	if v.Prefix.Addr().Is4In6() {
		return fmt.Errorf("prefix %s is an IPv4-mapped IPv6 prefix", v.Prefix)
	}
	if bits, maxBits := v.Prefix.Bits(), v.Prefix.Addr().BitLen(); int(v.MaxLength) < bits || int(v.MaxLength) > maxBits {
		return fmt.Errorf("max length %d out of range for %s (must be %d to %d)", v.MaxLength, v.Prefix, bits, maxBits)
	}
	return nil
}

// State is the outcome of route origin validation (RFC 6811 §2).
type State uint8

const (
	// NotFound: no VRP covers the route's prefix.
	NotFound State = iota
	// Valid: a covering VRP authorizes the route's origin AS at the
	// route's prefix length.
	Valid
	// Invalid: VRPs cover the route's prefix but none authorizes it.
	Invalid
)

// String returns "not-found", "valid" or "invalid".
func (s State) String() string {
	switch s {
	case NotFound:
		return "not-found"
	case Valid:
		return "valid"
	case Invalid:
		return "invalid"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// RIPEstat returns the state as RIPEstat's rpki-validation data call
// names it: "valid", "invalid" or "unknown" (for NotFound).
func (s State) RIPEstat() string {
	if s == NotFound {
		return "unknown"
	}
	return s.String()
}

// MarshalText encodes s as its String form.
func (s State) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

// Reason says why a route is Invalid.
type Reason string

const (
	// ReasonNone is the Reason of Valid and NotFound results.
	ReasonNone Reason = ""
	// ReasonAS: no covering VRP is for the route's origin AS (or the
	// route has no single origin AS, or all covering VRPs are for AS 0).
	ReasonAS Reason = "as"
	// ReasonLength: a covering VRP is for the route's origin AS, but the
	// route is more specific than the VRP's MaxLength allows.
	ReasonLength Reason = "length"
)

// Validation is the result of validating a route against a Set.
type Validation struct {
	// Prefix and Origin are the route validated (Prefix masked). Origin
	// 0 means the route has no single origin AS (its path ends in an
	// AS_SET).
	Prefix netip.Prefix
	Origin uint32
	// State is the validation outcome.
	State State
	// Reason is why an Invalid route is invalid; ReasonNone otherwise.
	Reason Reason
	// Matched lists the VRPs covering Prefix (whatever their AS and
	// MaxLength), least specific prefix first; nil when State is
	// NotFound. It is the caller's to keep or modify.
	Matched []VRP
}

// Authorizing returns the most specific of the Matched VRPs that make
// the route Valid, and whether there is one.
func (v Validation) Authorizing() (VRP, bool) {
	for i := len(v.Matched) - 1; i >= 0; i-- {
		if r := v.Matched[i]; authorizes(r, v.Prefix, v.Origin) {
			return r, true
		}
	}
	return VRP{}, false
}

// authorizes reports whether VRP r makes the route (p, origin) valid,
// given that r covers p.
func authorizes(r VRP, p netip.Prefix, origin uint32) bool {
	return origin != 0 && r.ASN == origin && p.Bits() <= int(r.MaxLength)
}

// maxListed is how many VRPs Detail names before summarising the rest.
const maxListed = 4

// Detail explains the result in a sentence for people, e.g. "AS64500 is
// not authorized to originate 1.1.1.0/24: the covering ROAs are
// 1.1.1.0/24-24 AS13335 (apnic)".
func (v Validation) Detail() string {
	route := v.Prefix.String()
	origin := "AS" + strconv.FormatUint(uint64(v.Origin), 10)
	switch v.State {
	case NotFound:
		return "no ROA covers " + route
	case Valid:
		if r, ok := v.Authorizing(); ok {
			return "ROA " + r.String() + " authorizes " + origin + " to originate " + route
		}
		return origin + " is authorized to originate " + route
	case Invalid:
		if v.Origin == 0 {
			return route + " has no single origin AS (AS_SET), so no ROA can authorize it; covering ROAs: " + listVRPs(v.Matched)
		}
		if v.Reason == ReasonLength {
			var own []VRP
			for _, r := range v.Matched {
				if r.ASN == v.Origin {
					own = append(own, r)
				}
			}
			return route + " is more specific than the ROAs for " + origin + " allow (prefix length " +
				strconv.Itoa(v.Prefix.Bits()) + " exceeds max length): " + listVRPs(own)
		}
		var nonZero bool
		for _, r := range v.Matched {
			if r.ASN != 0 {
				nonZero = true
				break
			}
		}
		if !nonZero {
			return route + " is covered only by AS0 ROAs, which forbid any origin: " + listVRPs(v.Matched)
		}
		return origin + " is not authorized to originate " + route + "; covering ROAs: " + listVRPs(v.Matched)
	}
	return v.State.String()
}

// listVRPs names up to maxListed VRPs, most specific first, and counts
// the rest.
func listVRPs(vrps []VRP) string {
	var b strings.Builder
	n := 0
	for i := len(vrps) - 1; i >= 0 && n < maxListed; i-- {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(vrps[i].String())
		n++
	}
	if rest := len(vrps) - n; rest > 0 {
		fmt.Fprintf(&b, " and %d more", rest)
	}
	return b.String()
}
