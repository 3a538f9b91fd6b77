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

// newMetrics makes the metrics of collector's archive and registers them
// with reg unless it is nil.
func newMetrics(collector string, reg prometheus.Registerer) (*metrics, error) {
	l := prometheus.Labels{"collector": collector}
	m := &metrics{
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_mrt_bytes_written_total", Help: "Compressed MRT bytes written to archive files, by file kind (updates, bview).", ConstLabels: l,
		}, []string{"file"}),
		records: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_mrt_records_written_total", Help: "MRT records written to updates files.", ConstLabels: l,
		}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "routestat_archive_files_total", Help: "Archive files completed and published, by kind (updates, bview, recovered).", ConstLabels: l,
		}, []string{"kind"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_archive_errors_total", Help: "Errors writing the archive (unwritable directory, full disk, unencodable event, failed recovery or RIB dump).", ConstLabels: l,
		}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "routestat_archive_events_lost_total", Help: "Events lost because the archive fell behind the collector.", ConstLabels: l,
		}),
	}
	if reg == nil {
		return m, nil
	}
	cs := []prometheus.Collector{m.bytes, m.records, m.files, m.errors, m.lost}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, r := range cs[:i] {
				reg.Unregister(r)
			}
			return nil, err
		}
	}
	return m, nil
}
