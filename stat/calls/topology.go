package calls

import (
	"fmt"
	"time"

	"github.com/routestat/routestat/stat/api"
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
