package rislive

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the stream's Prometheus metrics, labelled with the endpoint
// ("ws" or "stream").
type metrics struct {
	subscribers *prometheus.GaugeVec
	sent        *prometheus.CounterVec
	drops       *prometheus.CounterVec
}

// newMetrics makes the metrics and registers them with reg unless it is
// nil. Metrics that reg already holds (from another Handler) are reused.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		subscribers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "routestat_stream_subscribers",
			Help: "Clients connected to the RIS Live stream, by endpoint.",
		}, []string{"endpoint"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_stream_messages_sent_total",
			Help: "ris_message objects sent to RIS Live clients, by endpoint.",
		}, []string{"endpoint"}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_stream_drops_total",
			Help: "Bus events dropped for RIS Live clients that fell behind, by endpoint.",
		}, []string{"endpoint"}),
	}
	if reg == nil {
		return m
	}
	m.subscribers = register(reg, m.subscribers)
	m.sent = register(reg, m.sent)
	m.drops = register(reg, m.drops)
	return m
}

// register registers c with reg, or returns the equal collector reg
// already holds.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("rislive: register metrics: " + err.Error())
	}
	return c
}
