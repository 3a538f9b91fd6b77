package collector

import "github.com/prometheus/client_golang/prometheus"

// metrics are the collector's Prometheus metrics, labelled with the
// collector's name.
type metrics struct {
	sessionsUp    prometheus.Gauge
	updates       *prometheus.CounterVec
	prefixes      *prometheus.CounterVec
	notifications *prometheus.CounterVec
	refused       prometheus.Counter
}

// newMetrics makes the metrics and registers them with reg unless it is
// nil.
func newMetrics(collector string, reg prometheus.Registerer) *metrics {
	labels := prometheus.Labels{"collector": collector}
	m := &metrics{
		sessionsUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "routestat_bgp_sessions_up", ConstLabels: labels,
			Help: "BGP sessions currently Established.",
		}),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_bgp_updates_received_total", ConstLabels: labels,
			Help: "BGP UPDATE messages received, by peer address.",
		}, []string{"peer"}),
		prefixes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_bgp_prefixes_received_total", ConstLabels: labels,
			Help: "Prefixes announced in received UPDATEs (NLRI and MP_REACH_NLRI), by peer address.",
		}, []string{"peer"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_bgp_notifications_total", ConstLabels: labels,
			Help: "BGP NOTIFICATIONs that ended a session, by peer address and direction (sent or received).",
		}, []string{"peer", "direction"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_bgp_refused_connections_total", ConstLabels: labels,
			Help: "TCP connections refused because no neighbour or dynamic range matched the source address.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.sessionsUp, m.updates, m.prefixes, m.notifications, m.refused)
	}
	return m
}
