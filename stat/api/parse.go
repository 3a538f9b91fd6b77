package api

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxQueryBytes bounds the raw query string; longer ones are refused with
// 414 before anything is parsed.
const maxQueryBytes = 16 << 10

// splitQuery splits a raw query string at "&" and ";" (RIPEstat dropped
// ";" in 2021 and broke scripts; accepting both is harmless) and
// unescapes names and values. When a parameter is repeated the last value
// wins, as Django's QueryDict.get does. Pairs without a name are ignored.
func splitQuery(raw string) (map[string]string, error) {
	out := map[string]string{}
	for pair := range strings.FieldsFuncSeq(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, &httpError{code: 400, msg: fmt.Sprintf("The query string is malformed near %s.", quote(pair))}
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, &ParamError{Param: name, Value: v, Reason: "bad %-escape"}
		}
		if name != "" {
			out[name] = value
		}
	}
	return out, nil
}

// callbackRE is what a JSON-P callback may be: JavaScript identifiers
// joined by dots (jQuery sends jQuery3600_1700000000000).
var callbackRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$`)

// checkCallback validates a JSON-P callback name.
func checkCallback(s string) error {
	if len(s) > 128 || !callbackRE.MatchString(s) {
		return &ParamError{Param: "callback", Value: s, Reason: "a callback is JavaScript identifiers joined by dots, at most 128 bytes"}
	}
	return nil
}

// checkText accepts valid UTF-8 without control characters, at most max
// bytes.
func checkText(s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("longer than %d bytes", max)
	}
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errors.New("contains control characters")
		}
	}
	return nil
}

// maxValueBytes bounds the value of any resource, time, int, bool or
// enum parameter before it is parsed.
const maxValueBytes = 2048

// parseValue parses raw for p. The error is the reason only; the caller
// names the parameter. Host names are not resolved here.
func parseValue(p *Param, raw string) (any, error) {
	if p.Kind != KindString && len(raw) > maxValueBytes {
		return nil, fmt.Errorf("longer than %d bytes", maxValueBytes)
	}
	switch p.Kind {
	case KindString:
		if err := checkText(raw, p.maxLen()); err != nil {
			return nil, err
		}
		return raw, nil
	case KindResource, KindASN, KindPrefix:
		if p.List {
			return ParseResources(raw, p.accept())
		}
		return ParseResource(raw, p.accept())
	case KindTime:
		return ParseTime(raw)
	case KindInt:
		if !p.List {
			return parseInt(p, raw)
		}
		parts := strings.Split(raw, ",")
		if len(parts) > maxListItems {
			return nil, fmt.Errorf("%d numbers in the list, at most %d are accepted", len(parts), maxListItems)
		}
		out := make([]int64, 0, len(parts))
		for _, s := range parts {
			n, err := parseInt(p, s)
			if err != nil {
				return nil, fmt.Errorf("item %s: %w", quote(s), err)
			}
			out = append(out, n)
		}
		return out, nil
	case KindBool:
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
		return nil, errors.New("want true or false")
	case KindEnum:
		i := slices.IndexFunc(p.Values, func(v string) bool { return strings.EqualFold(v, strings.TrimSpace(raw)) })
		if i < 0 {
			return nil, fmt.Errorf("want one of %s", strings.Join(p.Values, ", "))
		}
		return p.Values[i], nil
	}
	return nil, fmt.Errorf("parameter kind %v cannot be parsed", p.Kind)
}

// parseInt parses a decimal integer within p's bounds.
func parseInt(p *Param, raw string) (int64, error) {
	s := strings.TrimSpace(raw)
	lo, hi := p.bounds()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("want a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// parseParams fills q from the raw values for q's call: parses given
// parameters, reports missing required ones, applies defaults (time
// defaults after the times they refer to), snaps times for SnapRIB calls
// and checks starttime <= endtime and MaxWindow. Parameters the call does
// not declare are ignored.
func parseParams(q *Query, raw map[string]string) error {
	c := q.call
	var pending []*Param // time parameters with a default, resolved below
	for i := range c.Params {
		p := &c.Params[i]
		v, ok := raw[p.Name]
		if ok && strings.TrimSpace(v) == "" {
			ok = false // "starttime=" means the default, as an absent parameter does
		}
		switch {
		case ok:
			val, err := parseValue(p, v)
			if err != nil {
				return &ParamError{Param: p.Name, Value: v, Err: err}
			}
			q.values[p.Name] = val
			q.given[p.Name] = true
			noteMasked(q, p.Name, val)
		case p.Required:
			return &ParamError{Param: p.Name}
		case p.Default == "":
		case p.Kind == KindTime:
			pending = append(pending, p)
		default:
			val, err := parseValue(p, p.Default)
			if err != nil {
				return fmt.Errorf("call %s: default of %s: %w", c.Name, p.Name, err) // validated at Register
			}
			q.values[p.Name] = val
		}
	}
	// Resolve time defaults; each round settles at least one, as
	// Register rejected loops.
	for len(pending) > 0 {
		rest := pending[:0]
		for _, p := range pending {
			d, err := parseTimeDefault(p.Default)
			if err != nil {
				return fmt.Errorf("call %s: default of %s: %w", c.Name, p.Name, err)
			}
			base := q.now
			if d.ref != "" {
				t, ok := q.values[d.ref].(time.Time)
				if !ok {
					rest = append(rest, p)
					continue
				}
				base = t
			}
			q.values[p.Name] = base.Add(d.offset).UTC()
		}
		if len(rest) == len(pending) {
			return fmt.Errorf("call %s: time defaults cannot be resolved", c.Name)
		}
		pending = rest
	}
	if c.SnapRIB {
		snapTimes(q)
	}
	return checkWindow(q)
}

// snapTimes moves every time parameter to the RIB dump at or before it,
// telling the client when a time it gave was moved and, for defaults,
// which dump "latest" stands for.
func snapTimes(q *Query) {
	for i := range q.call.Params {
		p := &q.call.Params[i]
		t, ok := q.values[p.Name].(time.Time)
		if p.Kind != KindTime || !ok {
			continue
		}
		s := SnapRIB(t)
		q.values[p.Name] = s
		switch {
		case s.Equal(t):
		case q.given[p.Name]:
			q.Info(fmt.Sprintf("The %s %s has been moved to the RIB dump time at or before it (%s UTC).", p.Name, FormatTime(t), s.Format("2006-01-02 15:04")))
		case p.Default == "now":
			q.Info(fmt.Sprintf("Query time has been set to the latest time (%s UTC) data is available for.", s.Format("2006-01-02 15:04")))
		}
	}
}

// checkWindow refuses a starttime after the endtime and a window wider
// than the call's MaxWindow.
func checkWindow(q *Query) error {
	start, sok := q.values["starttime"].(time.Time)
	end, eok := q.values["endtime"].(time.Time)
	if !sok || !eok {
		return nil
	}
	if start.After(end) {
		return &ParamError{Param: "starttime", Value: FormatTime(start), Reason: "starttime is after endtime " + FormatTime(end)}
	}
	if w := q.call.MaxWindow; w > 0 && end.Sub(start) > w {
		return &ParamError{Param: "starttime", Value: FormatTime(start), Reason: fmt.Sprintf("the window to endtime %s is longer than the %v this call allows", FormatTime(end), w)}
	}
	return nil
}

// noteMasked tells the client which prefixes of a resource parameter had
// host bits set and were masked (spec §1.6 leaves reject-or-mask open;
// masking keeps scripts that send an address with a length working).
func noteMasked(q *Query, name string, val any) {
	var rs []Resource
	switch v := val.(type) {
	case Resource:
		rs = []Resource{v}
	case []Resource:
		rs = v
	}
	for _, r := range rs {
		if r.HostBitsCleared {
			q.Info(fmt.Sprintf("The %s had host bits set; %s is used.", name, r.Prefix))
		}
	}
}
