package api

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the data API's Prometheus metrics. The "call" label is a
// registered call's name, "docs" for the documentation pages or "unknown"
// for anything else, so hostile paths cannot grow the label set.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	cacheHit *prometheus.CounterVec
	inFlight prometheus.Gauge
}

// newMetrics makes the metrics and registers them with reg unless it is
// nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_api_requests_total",
			Help: "Data API requests answered, by call and HTTP status code.",
		}, []string{"call", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "routestat_api_request_duration_seconds",
			Help:    "Time to answer data API requests, by call.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"call"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_api_errors_total",
			Help: "Data API requests that failed, by call and reason (bad_request, not_found, method, too_long, too_many, timeout, unavailable, internal, panic).",
		}, []string{"call", "reason"}),
		cacheHit: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_api_cache_hits_total",
			Help: "Data API answers served from the response cache, by call.",
		}, []string{"call"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "routestat_api_in_flight_requests",
			Help: "Data API requests being answered.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.errors, m.cacheHit, m.inFlight} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("data API metrics already registered (one Server per Registerer): %w", err)
			}
			return nil, fmt.Errorf("register data API metrics: %w", err)
		}
	}
	return m, nil
}
