package archive

import "github.com/prometheus/client_golang/prometheus"

// metrics are the archive's Prometheus metrics, labelled with the
// collector's name.
type metrics struct {
	bytes   *prometheus.CounterVec
	records prometheus.Counter
	files   *prometheus.CounterVec
	errors  prometheus.Counter
	lost    prometheus.Counter
}

func newMetrics(collector string, reg prometheus.Registerer) *metrics {
	l := prometheus.Labels{"collector": collector}
	m := &metrics{
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_mrt_bytes_written_total", Help: "Compressed MRT bytes written to the archive, by file kind (updates, bview).", ConstLabels: l,
		}, []string{"kind"}),
		records: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_mrt_records_written_total", Help: "MRT records written to updates files.", ConstLabels: l,
		}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_archive_files_total", Help: "Archive files completed, by kind (updates, bview, recovered).", ConstLabels: l,
		}, []string{"kind"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_archive_errors_total", Help: "Errors writing the archive (unwritable directory, full disk, unencodable event).", ConstLabels: l,
		}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_archive_events_lost_total", Help: "Events the archive could not keep up with and lost.", ConstLabels: l,
		}),
	}
	if reg != nil {
		reg.MustRegister(m.bytes, m.records, m.files, m.errors, m.lost)
	}
	return m
}
