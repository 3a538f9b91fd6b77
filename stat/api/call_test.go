package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func nopHandle(context.Context, *Query) (any, error) { return nil, nil }

func TestRegisterValidation(t *testing.T) {
	ok := Call{Name: "x", Version: "1.0", Handle: nopHandle}
	with := func(f func(*Call)) Call {
		c := ok
		c.Params = nil
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		call   Call
		errHas string
	}{
		{"ok", ok, ""},
		{"bad name", with(func(c *Call) { c.Name = "X/Y" }), "call name"},
		{"empty name", with(func(c *Call) { c.Name = "" }), "call name"},
		{"bad version", with(func(c *Call) { c.Version = "1" }), "version"},
		{"bad status", with(func(c *Call) { c.Status = "beta" }), "status"},
		{"status with text", with(func(c *Call) { c.Status = "supported - based on 2.1" }), ""},
		{"no handler", with(func(c *Call) { c.Handle = nil }), "no Handle"},
		{"bad param name", with(func(c *Call) { c.Params = []Param{{Name: "Resource", Kind: KindString}} }), "parameter name"},
		{"duplicate param", with(func(c *Call) {
			c.Params = []Param{{Name: "a", Kind: KindString}, {Name: "a", Kind: KindInt}}
		}), "declared twice"},
		{"common param", with(func(c *Call) { c.Params = []Param{{Name: "callback", Kind: KindString}} }), "common parameter"},
		{"no kind", with(func(c *Call) { c.Params = []Param{{Name: "a"}} }), "unknown kind"},
		{"enum without values", with(func(c *Call) { c.Params = []Param{{Name: "a", Kind: KindEnum}} }), "enum without Values"},
		{"list bool", with(func(c *Call) { c.Params = []Param{{Name: "a", Kind: KindBool, List: true}} }), "List is for"},
		{"min above max", with(func(c *Call) { c.Params = []Param{{Name: "a", Kind: KindInt, Min: 5, Max: 1}} }), "Min 5 above Max 1"},
		{"required with default", with(func(c *Call) { c.Params = []Param{{Name: "a", Kind: KindInt, Required: true, Default: "1"}} }), "required and with a default"},
		{"bad int default", with(func(c *Call) { c.Params = []Param{{Name: "a", Kind: KindInt, Default: "x"}} }), `default "x"`},
		{"bad enum default", with(func(c *Call) { c.Params = []Param{{Name: "a", Kind: KindEnum, Values: []string{"b"}, Default: "c"}} }), `default "c"`},
		{"bad time default", with(func(c *Call) { c.Params = []Param{{Name: "a", Kind: KindTime, Default: "then"}} }), "not a time parameter"},
		{"time default refers to non-time", with(func(c *Call) {
			c.Params = []Param{{Name: "a", Kind: KindTime, Default: "b-1h"}, {Name: "b", Kind: KindInt}}
		}), "not a time parameter"},
		{"time default loop", with(func(c *Call) {
			c.Params = []Param{{Name: "a", Kind: KindTime, Default: "b-1h"}, {Name: "b", Kind: KindTime, Default: "a+1h"}}
		}), "loop"},
		{"time default chain", with(func(c *Call) {
			c.Params = []Param{{Name: "a", Kind: KindTime, Default: "b-1h"}, {Name: "b", Kind: KindTime, Default: "c-1h"}, {Name: "c", Kind: KindTime, Default: "now"}}
		}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Options{})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Register(tt.call)
			if tt.errHas == "" {
				if err != nil {
					t.Fatalf("Register: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("Register: %v, want error with %q", err, tt.errHas)
			}
		})
	}
}

func TestRegisterTwice(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := Call{Name: "x", Version: "1.0", Handle: nopHandle}
	if err := s.Register(c); err != nil {
		t.Fatal(err)
	}
	if err := s.Register(c); err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Fatalf("second Register: %v", err)
	}
	c.Version = "1.1"
	if err := s.Register(c); err != nil {
		t.Fatalf("another version: %v", err)
	}
}

func TestPickVersion(t *testing.T) {
	v := func(version, status string, def bool) *Call {
		return &Call{Name: "x", Version: version, Status: status, Default: def}
	}
	dep, v31, v32, v41 := v("2.2", "deprecated", false), v("3.1", "supported", false), v("3.2", "supported", true), v("4.1", "development", false)
	all := []*Call{dep, v31, v32, v41}
	tests := []struct {
		vs        []*Call
		preferred string
		want      *Call
		bad       bool
	}{
		{all, "", v32, false},
		{[]*Call{dep, v31}, "", v31, false}, // first supported
		{[]*Call{dep}, "", dep, false},      // only one
		{all, "3.1", v31, false},
		{all, "3.9", v32, false}, // newest minor of major 3
		{all, "4.0", v41, false},
		{all, "2.0", dep, false},
		{all, "7.0", v32, false}, // no such major: default
		{all, "upcoming", v41, false},
		{all, "deprecated", dep, false},
		{all, "supported", v31, false},
		{[]*Call{v31}, "upcoming", v31, false},
		{all, " 4.1 ", v41, false},
		{all, "4", nil, true},
		{all, "latest", nil, true},
		{all, "4.1.1", nil, true},
	}
	for _, tt := range tests {
		got, err := pickVersion(tt.vs, tt.preferred)
		if tt.bad {
			if err == nil {
				t.Errorf("pickVersion(%q) = %v, want error", tt.preferred, got.Version)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("pickVersion(%q) = %v, %v; want %s", tt.preferred, got, err, tt.want.Version)
		}
	}
}

// queryFor parses raw for a call with params, at testNow.
func queryFor(t *testing.T, c Call, raw map[string]string) (*Query, error) {
	t.Helper()
	if c.Handle == nil {
		c.Handle = nopHandle
	}
	if c.Name == "" {
		c.Name, c.Version = "x", "1.0"
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	q := &Query{call: &c, values: map[string]any{}, given: map[string]bool{}, now: testNow}
	return q, parseParams(q, raw)
}

func TestParseParamKinds(t *testing.T) {
	c := Call{Params: []Param{
		{Name: "s", Kind: KindString, MaxLen: 5},
		{Name: "r", Kind: KindResource, Accept: ResASN | ResCountry},
		{Name: "a", Kind: KindASN},
		{Name: "p", Kind: KindPrefix},
		{Name: "rl", Kind: KindResource, List: true},
		{Name: "t", Kind: KindTime},
		{Name: "i", Kind: KindInt, Min: -5, Max: 5},
		{Name: "il", Kind: KindInt, List: true, Max: 99},
		{Name: "b", Kind: KindBool},
		{Name: "e", Kind: KindEnum, Values: []string{"number", "count"}},
	}}
	tests := []struct {
		param, value string
		want         any // echoed value
		bad          bool
	}{
		{"s", "h\xc3", nil, true}, // cut inside a rune: invalid UTF-8
		{"s", "abc", "abc", false},
		{"s", "abcdef", nil, true},
		{"s", "a\tb", nil, true},
		{"r", "nl", "nl", false},
		{"r", "AS1", "1", false},
		{"r", "1.2.3.4", nil, true},
		{"a", "AS3333", "3333", false},
		{"a", "193/23", nil, true},
		{"p", "193/23", "193.0.0.0/23", false},
		{"p", "193.0.6.1", "193.0.6.1", false},
		{"p", "AS3333", nil, true},
		{"rl", "AS1,10/8", []string{"1", "10.0.0.0/8"}, false},
		{"t", "1767225600", "2026-01-01T00:00:00", false},
		{"t", "soon", nil, true},
		{"i", "-5", int64(-5), false},
		{"i", " 5 ", int64(5), false},
		{"i", "6", nil, true},
		{"i", "1.5", nil, true},
		{"i", "0x10", nil, true},
		{"il", "0,4,12", []int64{0, 4, 12}, false},
		{"il", "0,,1", nil, true},
		{"il", "100", nil, true},
		{"b", "TRUE", true, false},
		{"b", "False", false, false},
		{"b", "1", true, false},
		{"b", "no", false, false},
		{"b", "t", nil, true},
		{"e", "COUNT", "count", false},
		{"e", "counts", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.param+"="+tt.value, func(t *testing.T) {
			q, err := queryFor(t, c, map[string]string{tt.param: tt.value})
			if tt.bad {
				pe, ok := err.(*ParamError)
				if !ok || pe.Param != tt.param || !strings.Contains(pe.Error(), "'"+tt.param+"'") {
					t.Fatalf("error %v, want a ParamError naming %s", err, tt.param)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := q.Parameters()[tt.param]
			if !equalJSONish(got, tt.want) {
				t.Errorf("echo %#v, want %#v", got, tt.want)
			}
			if !q.Given(tt.param) {
				t.Error("not marked given")
			}
		})
	}
}

// equalJSONish compares echoed parameter values.
func equalJSONish(a, b any) bool {
	switch a := a.(type) {
	case []string:
		b, ok := b.([]string)
		return ok && strings.Join(a, ",") == strings.Join(b, ",")
	case []int64:
		b, ok := b.([]int64)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestParseParamsDefaults(t *testing.T) {
	c := Call{Params: []Param{
		{Name: "resource", Kind: KindResource, Required: true},
		{Name: "starttime", Kind: KindTime, Default: "endtime-48h"},
		{Name: "endtime", Kind: KindTime, Default: "now"},
		{Name: "n", Kind: KindInt, Default: "10"},
		{Name: "opt", Kind: KindString},
	}}
	q, err := queryFor(t, c, map[string]string{"resource": "3333", "endtime": "2026-01-05T12:00:00", "starttime": "", "other": "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	p := q.Parameters()
	want := map[string]any{"resource": "3333", "starttime": "2026-01-03T12:00:00", "endtime": "2026-01-05T12:00:00", "n": int64(10), "opt": nil, "cache": nil}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %#v, want %#v", k, p[k], v)
		}
	}
	if len(p) != len(want) {
		t.Errorf("parameters %v: unexpected keys", p)
	}
	if q.Given("starttime") || q.Given("n") || !q.Given("endtime") {
		t.Error("Given wrong")
	}
	if q.Int("n") != 10 || q.String("opt") != "" || !q.Time("endtime").Equal(time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)) {
		t.Error("accessors wrong")
	}
	if _, err := queryFor(t, c, map[string]string{"resource": " "}); err == nil || err.Error() != "The parameter 'resource' is required." {
		t.Errorf("blank resource: %v", err)
	}
}

func TestParseParamsSnap(t *testing.T) {
	c := Call{SnapRIB: true, Params: []Param{
		{Name: "starttime", Kind: KindTime, Default: "endtime-1d"},
		{Name: "endtime", Kind: KindTime, Default: "now"},
	}}
	q, err := queryFor(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatTime(q.Time("endtime")); got != "2026-01-10T08:00:00" {
		t.Errorf("endtime %s", got)
	}
	if got := FormatTime(q.Time("starttime")); got != "2026-01-09T08:00:00" {
		t.Errorf("starttime %s", got) // the default is computed before snapping, then snapped
	}
	if len(q.messages) != 1 || !strings.Contains(q.messages[0][1], "latest time (2026-01-10 08:00 UTC)") {
		t.Errorf("messages %v", q.messages)
	}
	q, err = queryFor(t, c, map[string]string{"starttime": "2026-01-01T08:00:00", "endtime": "2026-01-02T09:00:00"})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.messages) != 1 || !strings.Contains(q.messages[0][1], "endtime 2026-01-02T09:00:00 has been moved") {
		t.Errorf("messages %v", q.messages)
	}
	// Snapping may make a short window reversed-looking; it may not make
	// a valid one invalid.
	if _, err := queryFor(t, c, map[string]string{"starttime": "2026-01-01T09:00:00", "endtime": "2026-01-01T10:00:00"}); err != nil {
		t.Errorf("window inside one RIB interval: %v", err)
	}
}

func TestQueryAccessorMisuse(t *testing.T) {
	q, err := queryFor(t, Call{Params: []Param{{Name: "n", Kind: KindInt}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"undeclared": func() { q.Int("m") },
		"wrong kind": func() { q.Time("n") },
		"list":       func() { q.Ints("n") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestParseParamsHostBits(t *testing.T) {
	c := Call{Params: []Param{{Name: "resource", Kind: KindPrefix}, {Name: "list", Kind: KindResource, List: true}}}
	q, err := queryFor(t, c, map[string]string{"resource": "193.0.6.139/21", "list": "10.1.0.0/8,10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{
		{"info", "The resource had host bits set; 193.0.0.0/21 is used."},
		{"info", "The list had host bits set; 10.0.0.0/8 is used."},
	}
	if fmt.Sprint(q.messages) != fmt.Sprint(want) {
		t.Errorf("messages %v, want %v", q.messages, want)
	}
	if got := q.Parameters()["resource"]; got != "193.0.0.0/21" {
		t.Errorf("echo %v", got)
	}
}
