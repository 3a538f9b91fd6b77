package api

import (
	"errors"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// stack returns the current goroutine's stack, for logging panics.
func stack() []byte { return debug.Stack() }

// maxLoggedURI bounds the request URI written to the log.
const maxLoggedURI = 1024

// observe wraps every request: it turns a panic or an error a handler
// returned into the JSON envelope (a panic is a 500 whose stack is
// logged), then logs the request and counts it in the metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			if p := recover(); p != nil {
				err = &panicError{value: p, stack: stack()}
			}
			if err != nil {
				s.echoError(err, c)
				err = nil
			}
			s.account(c, time.Since(start))
		}()
		return next(c)
	}
}

// account logs a finished request and records its metrics.
func (s *Server) account(c echo.Context, took time.Duration) {
	call, _ := c.Get(ctxCall).(string)
	if call == "" {
		call = "unknown"
	}
	code := c.Response().Status
	s.metrics.requests.WithLabelValues(call, strconv.Itoa(code)).Inc()
	s.metrics.duration.WithLabelValues(call).Observe(took.Seconds())
	if r, ok := c.Get(ctxReason).(string); ok {
		s.metrics.errors.WithLabelValues(call, r).Inc()
	}
	rq := c.Request()
	uri := rq.URL.RequestURI()
	if len(uri) > maxLoggedURI {
		uri = uri[:maxLoggedURI] + "..."
	}
	qid, _ := c.Get(ctxQueryID).(string)
	attrs := []any{
		"method", rq.Method, "uri", uri, "call", call, "status", code,
		"took", took, "client", s.opt.ClientIP(rq), "query_id", qid,
		"bytes", c.Response().Size,
	}
	if e, ok := c.Get(ctxError).(error); ok {
		attrs = append(attrs, "err", e.Error())
		var pe *panicError
		if errors.As(e, &pe) {
			attrs = append(attrs, "stack", string(pe.stack))
		}
		s.opt.Logger.Error("data api request failed", attrs...)
		return
	}
	s.opt.Logger.Info("data api request", attrs...)
}
