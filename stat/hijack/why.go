package hijack

import (
	"fmt"
	"strings"
	"time"
)

// why writes the incident's one-paragraph explanation.
func (e *Engine) why(f *finding, inc *Incident) string {
	var b strings.Builder
	mp := inc.MonitoredPrefix
	owner := asList(inc.LegitOrigins)
	subject := strings.Join(inc.Prefixes, ", ")
	if len(inc.Prefixes) > 3 {
		subject = fmt.Sprintf("%s and %d more prefixes", strings.Join(inc.Prefixes[:3], ", "), len(inc.Prefixes)-3)
	}
	desc := ""
	if inc.Description != "" {
		desc = fmt.Sprintf(" (%s)", inc.Description)
	}
	off := fmt.Sprintf("AS%d", inc.OffendingAS)
	switch f.key.typ {
	case MonitorExact:
		fmt.Fprintf(&b, "%s began originating %s%s, which is registered to %s", off, subject, desc, owner)
	case MonitorSubPrefix:
		fmt.Fprintf(&b, "%s began originating %s, a more specific of %s%s registered to %s", off, subject, mp, desc, owner)
	case MonitorSquat:
		fmt.Fprintf(&b, "%s began originating %s inside %s%s, space that should not be announced at all", off, subject, mp, desc)
	case MonitorFirstHop:
		fmt.Fprintf(&b, "%s is announced with its legitimate origin AS%d but through %s, which is not an expected upstream (%s): the origin may be forged (Type-1 hijack)", subject, inc.OffendingOrigin, off, f.detail)
	case MonitorLeak:
		fmt.Fprintf(&b, "%s (inside %s%s) is propagated against the AS relationships: %s", subject, mp, desc, f.detail)
	case MonitorRPKI:
		fmt.Fprintf(&b, "AS%d announces %s%s, which RPKI marks invalid (%s); networks that drop invalid routes cannot reach it", inc.OffendingOrigin, subject, desc, f.rpkiText)
	case MonitorVisibility:
		if inc.Resolved != nil {
			fmt.Fprintf(&b, "%s%s, originated by %s, lost visibility and was restored: it is visible again at %d of the %d peers that carried it (%d still without it)",
				mp, desc, owner, f.carrying, f.base, f.lost)
			break
		}
		fmt.Fprintf(&b, "%s%s, originated by %s, was lost by %d of the %d peers that carried it (%d%%); it is now visible at %d",
			mp, desc, owner, f.lost, f.base, percent(f.lost, f.base), f.carrying)
	case MonitorMoreSpecific:
		fmt.Fprintf(&b, "AS%d, a legitimate origin of %s%s, began announcing the more specific %s. This is not a hijack: it is the owner de-aggregating (for example to pull traffic back from a hijacker); add it to the monitored prefixes if it is meant to stay", inc.OffendingOrigin, mp, desc, subject)
	case MonitorDelegated:
		fmt.Fprintf(&b, "AS%d began originating %s, a more specific of %s%s registered to %s, announced through %s itself: most likely space delegated to a customer, so not treated as a hijack. A forged path would look the same: check that it is expected, and add it as a carve-out (ignore: true) if it is", inc.OffendingAS, subject, mp, desc, owner, f.detail)
	case MonitorNewPrefix:
		fmt.Fprintf(&b, "AS%d began originating %s, which is not among its monitored prefixes; a misconfiguration, or a new prefix to add to the list", inc.MonitoredAS, subject)
	case MonitorNeighbour:
		fmt.Fprintf(&b, "AS%d has a new %s neighbour %s in the paths of %s, not among the expected ones", inc.MonitoredAS, f.detail, off, subject)
	case MonitorPath:
		fmt.Fprintf(&b, "%s (inside %s%s) is announced with an AS path matching a path rule: %s", subject, mp, desc, f.detail)
	}
	if f.key.typ == MonitorVisibility {
		if inc.Resolved == nil {
			fmt.Fprintf(&b, "; lost at %d peer ASes on %d collector%s, for at least %s", len(inc.PeerASes), len(inc.Collectors), plural(len(inc.Collectors)), time.Duration(f.th.VisibilityHold))
		}
	} else {
		fmt.Fprintf(&b, "; seen by %d of %d peer ASes on %d collector%s", inc.PeakPeerASes, inc.TotalPeerASes, len(inc.Collectors), plural(len(inc.Collectors)))
		if d := inc.Opened.Sub(inc.FirstSeen); d > 0 {
			fmt.Fprintf(&b, " within %s", d.Round(time.Second))
		} else {
			b.WriteString(" at once")
		}
	}
	if inc.Hijack {
		fmt.Fprintf(&b, "; RPKI: %s", inc.RPKI)
		if inc.RPKIDetail != "" {
			fmt.Fprintf(&b, " (%s)", inc.RPKIDetail)
		}
		if inc.RPKI == "valid" && inc.Hijack {
			b.WriteString(". The offending origin holds a valid ROA, so it may be authorised: the incident is demoted to a warning, not suppressed")
		}
	}
	if inc.Resolved != nil {
		fmt.Fprintf(&b, ". Resolved at %s, %s after it opened", inc.Resolved.Format("2006-01-02 15:04:05 UTC"), inc.Resolved.Sub(inc.Opened).Round(time.Second))
	}
	b.WriteString(".")
	return b.String()
}

func percent(a, b int) int {
	if b == 0 {
		return 0
	}
	return a * 100 / b
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
