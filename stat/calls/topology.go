package calls

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// topologyCalls returns the AS topology calls: asn-neighbours (layouts
// 3.2, the default, and 4.1), asn-neighbours-history, as-path-length and
// related-prefixes.
func topologyCalls(d *Deps) []api.Call {
	return []api.Call{
		asnNeighboursCall(d, "3.2"),
		asnNeighboursCall(d, "4.1"),
		asnNeighboursHistoryCall(d),
		asPathLengthCall(d),
		relatedPrefixesCall(d),
	}
}

// topoLatest returns the time of the newest data, whole seconds, or now
// for an empty index.
func (d *Deps) topoLatest(now time.Time) time.Time {
	if t := d.Index.Latest(); !t.IsZero() {
		return t.Truncate(time.Second)
	}
	return now.UTC().Truncate(time.Second)
}

// topoTime returns the first of the time parameters names that the
// client gave, else the time of the newest data with RIPEstat's info
// message.
func (d *Deps) topoTime(q *api.Query, names ...string) time.Time {
	for _, n := range names {
		if q.Given(n) {
			return q.Time(n)
		}
	}
	t := d.topoLatest(q.Now())
	q.Info(fmt.Sprintf("Query time has been set to the latest available time (%s UTC)", t.Format("2006-01-02 15:04")))
	return t
}

// topoEarliest is the index's earliest data as the calls write it ("" for
// an empty index).
func (d *Deps) topoEarliest() string {
	if t := d.Index.Earliest(); !t.IsZero() {
		return api.FormatTime(t)
	}
	return ""
}

// topoPathString writes an AS path as bgpdump and RIPEstat do:
// space-separated, AS_SETs in braces with commas ("3333 {1,2}").
func topoPathString(segs []index.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Set {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteByte('{')
			for i, as := range s.ASNs {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatUint(uint64(as), 10))
			}
			b.WriteByte('}')
			continue
		}
		for _, as := range s.ASNs {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatUint(uint64(as), 10))
		}
	}
	return b.String()
}
