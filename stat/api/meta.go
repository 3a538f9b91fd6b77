package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Timeline is one time range for which a call has data.
type Timeline struct {
	Start, End time.Time
	// Description names a data island, when there is one.
	Description string
}

// MarshalJSON writes {"starttime": ..., "endtime": ...[, "description": ...]}.
func (t Timeline) MarshalJSON() ([]byte, error) {
	type wire struct {
		Start       string `json:"starttime"`
		End         string `json:"endtime"`
		Description string `json:"description,omitempty"`
	}
	return json.Marshal(wire{FormatTime(t.Start), FormatTime(t.End), t.Description})
}

// FamilyAvailability is the availability of one resource family ("v4",
// "v6", ...).
type FamilyAvailability struct {
	// ID names the family; empty when the call has a single one.
	ID        string
	Timelines []Timeline
}

// Availability is what /data/<call>/meta/availability reports (spec
// §1.8): one unnamed family, or several named ones.
type Availability []FamilyAvailability

// MarshalJSON writes {"available_timelines": [...]} for a single unnamed
// family (or none), and a list of {"id": ..., "available_timelines":
// [...]} otherwise.
func (a Availability) MarshalJSON() ([]byte, error) {
	type family struct {
		ID        string     `json:"id"`
		Timelines []Timeline `json:"available_timelines"`
	}
	if len(a) == 0 || len(a) == 1 && a[0].ID == "" {
		var tl []Timeline
		if len(a) == 1 {
			tl = a[0].Timelines
		}
		if tl == nil {
			tl = []Timeline{}
		}
		return json.Marshal(struct {
			Timelines []Timeline `json:"available_timelines"`
		}{tl})
	}
	out := make([]family, len(a))
	for i, f := range a {
		out[i] = family{ID: f.ID, Timelines: f.Timelines}
		if out[i].Timelines == nil {
			out[i].Timelines = []Timeline{}
		}
	}
	return json.Marshal(out)
}

// metaSubCalls are the meta sub-calls every call has.
var metaSubCalls = []string{"availability", "methodology", "versions"}

// serveMeta answers /data/<call>/meta and /data/<call>/meta/<sub>.
func (s *Server) serveMeta(c echo.Context) error {
	x := s.begin(c)
	_, release, err := s.prepare(c, x)
	if err != nil {
		return s.fail(c, x, err)
	}
	defer release()
	var data any
	var messages [][2]string
	switch sub := c.Param("sub"); sub {
	case "":
		data = map[string]any{"meta": metaSubCalls}
	case "availability":
		a, msg, err := s.availability(c.Request().Context(), x.call.Name)
		if err != nil {
			return s.fail(c, x, err)
		}
		if msg != "" {
			messages = append(messages, [2]string{"info", msg})
		}
		data = map[string]any{"availability": a}
	case "methodology":
		data = map[string]any{"methodology": x.call.Methodology}
	case "versions":
		type version struct {
			Version string `json:"version"`
			Status  string `json:"status"`
		}
		var vs []version
		for _, v := range s.versions(x.call.Name) {
			vs = append(vs, version{v.Version, v.Status})
		}
		data = map[string]any{"versions": vs}
	default:
		return s.fail(c, x, &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("There is no meta sub-call %s; there are %v.", quote(sub), metaSubCalls)})
	}
	b, err := marshalData(data)
	if err != nil {
		return s.fail(c, x, err)
	}
	c.Response().Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opt.MaxAgeCurrent.Seconds())))
	return s.respond(c, x, &envelope{Messages: messages, Data: b, Status: "ok", StatusCode: http.StatusOK}, s.opt.Now())
}

// availability asks Options.Availability, within the call timeout. msg is
// an info message for the client when availability is unknown.
func (s *Server) availability(ctx context.Context, call string) (a Availability, msg string, err error) {
	if s.opt.Availability == nil {
		return nil, "Data availability is not known for this call.", nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	a, err = s.opt.Availability(ctx, call)
	if err != nil {
		return nil, "", fmt.Errorf("availability of %s: %w", call, err)
	}
	return a, "", nil
}

// embedAvailability adds "availability" to a call's data (meta=availability),
// unless the data has that key already.
func (s *Server) embedAvailability(ctx context.Context, q *Query, data json.RawMessage) (json.RawMessage, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("read data of %s: %w", q.call.Name, err)
	}
	if _, ok := keys["availability"]; ok {
		return data, nil
	}
	a, msg, err := s.availability(ctx, q.call.Name)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		q.Info(msg)
	}
	return withKey(data, "availability", a)
}
