package notify

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons a notification is suppressed, the "reason" label of
// suppressed_total.
const (
	reasonRate     = "rate"
	reasonDedup    = "dedup"
	reasonInterval = "interval"
)

// metrics are the Dispatcher's Prometheus metrics, labelled by channel.
type metrics struct {
	sent       *prometheus.CounterVec
	failed     *prometheus.CounterVec
	dropped    *prometheus.CounterVec
	suppressed *prometheus.CounterVec
	delivery   *prometheus.HistogramVec
}

// newMetrics makes the metrics and registers them with reg unless it is
// nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "routestat", Subsystem: "hijack_notify", Name: name, Help: help}
	}
	m := &metrics{
		sent: prometheus.NewCounterVec(opts("sent_total",
			"Notifications delivered, by channel (operator tests included)."), []string{"channel"}),
		failed: prometheus.NewCounterVec(opts("failed_total",
			"Notifications a channel failed to deliver after its retries, by channel (operator tests included)."), []string{"channel"}),
		dropped: prometheus.NewCounterVec(opts("dropped_total",
			"Notifications dropped because the channel's queue was full or the dispatcher was closing, by channel."), []string{"channel"}),
		suppressed: prometheus.NewCounterVec(opts("suppressed_total",
			"Notifications deliberately not sent, by channel and reason: rate (an update over the channel's rate), dedup (sent within the hour), interval (an update within the update interval)."),
			[]string{"channel", "reason"}),
		delivery: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "routestat", Subsystem: "hijack_notify", Name: "delivery_seconds",
			Help:    "Time from the detector emitting a notification to its delivery, by channel.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900},
		}, []string{"channel"}),
	}
	if reg == nil {
		return m, nil
	}
	cs := []prometheus.Collector{m.sent, m.failed, m.dropped, m.suppressed, m.delivery}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, r := range cs[:i] {
				reg.Unregister(r)
			}
			return nil, fmt.Errorf("registering metrics: %w", err)
		}
	}
	return m, nil
}
