package incidentapi

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/hijack"
)

// Incidents is what the package reads and changes of the detector's
// incidents; *hijack.Manager implements it.
type Incidents interface {
	// List returns the incidents that match f, newest first.
	List(f hijack.Filter) []hijack.Incident
	// Get returns one incident; an unknown id is an error wrapping
	// hijack.ErrNotFound.
	Get(id string) (hijack.Incident, error)
	// Annotate records that a person acknowledged the incident or found
	// it a false positive; an unknown id is an error wrapping
	// hijack.ErrNotFound.
	Annotate(id, by, comment string, falsePositive bool) (hijack.Incident, error)
	// Subscribe returns a buffered channel of changes and a function
	// that ends the subscription. Changes that do not fit the buffer are
	// dropped by the publisher.
	Subscribe(buffer int) (<-chan hijack.Change, func())
}

// incidentTypes are the incident types, the values the type parameter
// takes.
var incidentTypes = hijack.Monitors()

// statuses are the values the status parameter takes.
var statuses = []string{hijack.StatusOpen, hijack.StatusResolved}

// maxGroupLen bounds the group parameter in bytes.
const maxGroupLen = 256

// setResource narrows f to the incidents touching r: an AS number selects
// those involving the AS, a prefix or an address those overlapping it. It
// returns the reason r cannot be used (AS0, which would select
// everything).
func setResource(f *hijack.Filter, r api.Resource) error {
	switch r.Kind {
	case api.ResASN:
		if r.ASN == 0 {
			return fmt.Errorf("AS0 is reserved and is never a monitored, legitimate or offending AS")
		}
		f.AS = r.ASN
	case api.ResPrefix:
		f.Prefix = r.Prefix
	case api.ResAddr:
		a := r.Addr.Unmap()
		f.Prefix = netip.PrefixFrom(a, a.BitLen())
	default:
		return fmt.Errorf("want %v", api.ResNetwork)
	}
	return nil
}

// oneOf returns the value of values equal to s without regard to case
// and surrounding spaces.
func oneOf(values []string, s string) (string, bool) {
	s = strings.TrimSpace(s)
	i := slices.IndexFunc(values, func(v string) bool { return strings.EqualFold(v, s) })
	if i < 0 {
		return "", false
	}
	return values[i], true
}

// checkText accepts valid UTF-8 of at most maxRunes characters without
// control characters, bidirectional overrides or line separators (text
// people write ends up in notifications and consoles).
func checkText(s string, maxRunes int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Errorf("%d characters, at most %d are accepted", n, maxRunes)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' {
			return fmt.Errorf("contains control character %U", r)
		}
	}
	return nil
}

// maxQuoted bounds how much of a refused value an error message repeats.
const maxQuoted = 80

// quote returns s Go-quoted (control characters and invalid UTF-8
// escaped), cut to maxQuoted bytes on a rune boundary.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", s[:cut])
}
