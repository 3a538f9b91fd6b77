package incidentapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/routestat/routestat/stat/hijack"
)

// maxMonitoredBytes bounds a monitored-resources file sent with PUT.
const maxMonitoredBytes = 4 << 20

// Monitored is the monitored-resources file of the running detector:
// Monitored reads it; SetMonitored stores a new one (already validated
// by the handler) and has detection use it.
type Monitored interface {
	Monitored() ([]byte, error)
	SetMonitored(ctx context.Context, yaml []byte) error
}

// serveMonitored answers GET /monitored with the file (YAML) and PUT
// /monitored, with an API key, by validating the body as a
// monitored-resources file (routestat's or BGPalerter's format) and
// handing it to Options.Monitored. A file that does not parse is a 400
// whose error names the line.
func (h *handler) serveMonitored(w http.ResponseWriter, r *http.Request) {
	m := h.opt.Monitored
	if m == nil {
		writeError(w, &apiError{status: http.StatusNotFound, msg: "this server does not expose its monitored resources"})
		return
	}
	if r.Method == http.MethodPut {
		if err := h.authorize(r); err != nil {
			if err.status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="routestat hijack API"`)
			}
			writeError(w, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMonitoredBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("a monitored-resources file is at most %d bytes", maxMonitoredBytes)})
				return
			}
			writeError(w, &apiError{status: http.StatusBadRequest, msg: "read the body: " + err.Error()})
			return
		}
		cfg, err := hijack.ParseConfig(body)
		if err != nil {
			writeError(w, &apiError{status: http.StatusBadRequest, msg: "monitored resources: " + err.Error()})
			return
		}
		if err := m.SetMonitored(r.Context(), body); err != nil {
			h.log.Error("hijack api: monitored resources not applied", "err", err, "remote", r.RemoteAddr)
			writeError(w, &apiError{status: http.StatusInternalServerError, msg: "the monitored resources were valid but could not be applied: " + err.Error()})
			return
		}
		h.log.Info("hijack api: monitored resources replaced", "prefixes", len(cfg.Prefixes), "asns", len(cfg.ASNs), "bytes", len(body), "remote", r.RemoteAddr)
	}
	b, err := m.Monitored()
	if err != nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, msg: "read the monitored resources: " + err.Error()})
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/yaml; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
