package api

import (
	"fmt"
	"time"
)

// Query is one request's parsed parameters, given to a HandlerFunc. Its
// accessors return the effective value of a declared parameter (given, or
// its default) and the zero value for an optional parameter that is
// unset; asking for a parameter the call does not declare, or with the
// wrong accessor, is a bug and panics (the server turns the panic into a
// logged 500).
type Query struct {
	call     *Call
	values   map[string]any
	given    map[string]bool
	messages [][2]string
	now      time.Time
	// guard is true when the data overload guard applies: a browser
	// request (Referer present) without data_overload_limit=ignore.
	guard      bool
	overloaded bool
}

// Call returns the call's name.
func (q *Query) Call() string { return q.call.Name }

// Version returns the layout version being served (preferred_version may
// have chosen it).
func (q *Query) Version() string { return q.call.Version }

// Now returns the time the request arrived; defaults relative to "now"
// were computed from it.
func (q *Query) Now() time.Time { return q.now }

// Given reports whether the client sent the parameter (rather than the
// default being used).
func (q *Query) Given(name string) bool { return q.given[name] }

// Resource returns a single-resource parameter.
func (q *Query) Resource(name string) Resource {
	v, _ := q.value(name, KindResource, false).(Resource)
	return v
}

// Resources returns a list resource parameter (Param.List).
func (q *Query) Resources(name string) []Resource {
	v, _ := q.value(name, KindResource, true).([]Resource)
	return v
}

// Time returns a time parameter, in UTC.
func (q *Query) Time(name string) time.Time {
	v, _ := q.value(name, KindTime, false).(time.Time)
	return v
}

// Int returns an int parameter.
func (q *Query) Int(name string) int64 {
	v, _ := q.value(name, KindInt, false).(int64)
	return v
}

// Ints returns a list int parameter (Param.List).
func (q *Query) Ints(name string) []int64 {
	v, _ := q.value(name, KindInt, true).([]int64)
	return v
}

// Bool returns a bool parameter.
func (q *Query) Bool(name string) bool {
	v, _ := q.value(name, KindBool, false).(bool)
	return v
}

// String returns a string or enum parameter (an enum in its declared
// spelling).
func (q *Query) String(name string) string {
	v, _ := q.value(name, KindString, false).(string)
	return v
}

// value returns the value of name after checking that the call declares
// it with a kind the accessor reads.
func (q *Query) value(name string, kind Kind, list bool) any {
	p := q.param(name)
	ok := false
	switch kind {
	case KindResource:
		ok = p != nil && p.isResource()
	case KindString:
		ok = p != nil && (p.Kind == KindString || p.Kind == KindEnum)
	default:
		ok = p != nil && p.Kind == kind
	}
	if !ok || p.List != list {
		panic(fmt.Sprintf("api: call %s %s has no %v parameter %q (list %v)", q.call.Name, q.call.Version, kind, name, list))
	}
	return q.values[name]
}

// param returns the call's declaration of name, or nil.
func (q *Query) param(name string) *Param {
	for i := range q.call.Params {
		if q.call.Params[i].Name == name {
			return &q.call.Params[i]
		}
	}
	return nil
}

// Info adds an "info" message to the response.
func (q *Query) Info(text string) { q.addMessage("info", text) }

// Warning adds a "warning" message to the response.
func (q *Query) Warning(text string) { q.addMessage("warning", text) }

func (q *Query) addMessage(level, text string) {
	q.messages = append(q.messages, [2]string{level, text})
}

// Overloaded is the data overload guard of spec §1.7. A handler about to
// return n items where limit is the most a browser should get calls it;
// when it returns true the handler keeps its scalar and summary fields,
// empties its lists and still succeeds: the client has been told (a
// warning message) to add data_overload_limit=ignore for the full result.
// The guard applies only to browser requests (a Referer header) without
// data_overload_limit=ignore or soft_limit=ignore, as RIPEstat documents.
func (q *Query) Overloaded(n, limit int) bool {
	if n <= limit || !q.guard {
		return false
	}
	if !q.overloaded {
		q.overloaded = true
		q.Warning(fmt.Sprintf("The result is too large to show here (%d items, %d allowed): lists were left out; add data_overload_limit=ignore to get the full result.", n, limit))
	}
	return true
}

// Parameters returns the effective query as the "parameters" object many
// calls echo in their data (spec §1.2): every declared parameter with its
// value as the API writes it (times in TimeLayout, resources normalised,
// null when unset) and "cache": null.
func (q *Query) Parameters() map[string]any {
	out := make(map[string]any, len(q.call.Params)+1)
	for i := range q.call.Params {
		p := &q.call.Params[i]
		out[p.Name] = echoValue(q.values[p.Name])
	}
	out["cache"] = nil
	return out
}

// echoValue converts a parsed value into what the API echoes.
func echoValue(v any) any {
	switch v := v.(type) {
	case Resource:
		return v.String()
	case []Resource:
		s := make([]string, len(v))
		for i, r := range v {
			s[i] = r.String()
		}
		return s
	case time.Time:
		return FormatTime(v)
	}
	return v
}
