package api

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// HandlerFunc computes a data call's data. It is called with a Query whose
// parameters have been parsed, defaulted and checked, and with a context
// that is cancelled when the request's time is up or the client leaves.
// data is marshalled with encoding/json into the envelope's "data" and
// must marshal to a JSON object (a struct or a map); a nil data is
// written as {}. Errors choose the status (see ErrBadRequest, BadParam,
// ErrMaintenance); any other error is a 500 that is logged and not shown.
type HandlerFunc func(ctx context.Context, q *Query) (data any, err error)

// Kind is the type of a parameter.
type Kind uint8

// The parameter kinds.
const (
	// KindString is free text: valid UTF-8 without control characters,
	// at most Param.MaxLen bytes (default 256).
	KindString Kind = iota + 1
	// KindResource is a resource of the kinds in Param.Accept (default
	// ResNetwork), or with Param.List a comma-separated list of them.
	KindResource
	// KindASN is a KindResource that takes an AS number only.
	KindASN
	// KindPrefix is a KindResource that takes a prefix or an address.
	KindPrefix
	// KindTime is a time (ParseTime); Param.Default may be "now",
	// "now-14d" or relative to another time parameter ("endtime-48h").
	KindTime
	// KindInt is a decimal integer between Param.Min and Param.Max, or
	// with Param.List a comma-separated list of them (rrcs=0,4,12).
	KindInt
	// KindBool is true/false, 1/0 or yes/no in any case (RIPEstat's
	// clients send TRUE and FALSE).
	KindBool
	// KindEnum is one of Param.Values, matched without regard to case
	// and normalised to the declared spelling.
	KindEnum
)

// String returns the kind's name as the documentation shows it.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindResource:
		return "resource"
	case KindASN:
		return "asn"
	case KindPrefix:
		return "prefix"
	case KindTime:
		return "time"
	case KindInt:
		return "int"
	case KindBool:
		return "bool"
	case KindEnum:
		return "enum"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Param declares one query parameter of a call.
type Param struct {
	// Name is the query parameter's name (resource, starttime, ...).
	Name string
	// Kind says how the value is parsed.
	Kind Kind
	// Required makes a missing parameter a 400 ("The parameter
	// 'resource' is required.").
	Required bool
	// Default is used when the parameter is absent, written as in a
	// query ("10", "false", "now-14d"); empty means no default (the
	// parameter is unset and echoed as null).
	Default string
	// Doc describes the parameter in the documentation.
	Doc string
	// Accept is the resource kinds a KindResource takes (default
	// ResNetwork).
	Accept ResourceKind
	// List makes a KindResource or KindInt take a comma-separated list.
	List bool
	// Values are the choices of a KindEnum.
	Values []string
	// Min and Max bound a KindInt (both zero: 0 to math.MaxInt32).
	Min, Max int64
	// MaxLen bounds a KindString in bytes (default 256).
	MaxLen int
}

// accept returns the resource kinds p takes.
func (p *Param) accept() ResourceKind {
	switch {
	case p.Kind == KindASN:
		return ResASN
	case p.Kind == KindPrefix:
		return ResPrefix | ResAddr
	case p.Accept == 0:
		return ResNetwork
	}
	return p.Accept
}

// bounds returns the range of a KindInt.
func (p *Param) bounds() (lo, hi int64) {
	if p.Min == 0 && p.Max == 0 {
		return 0, math.MaxInt32
	}
	return p.Min, p.Max
}

// maxLen returns the length limit of a KindString.
func (p *Param) maxLen() int {
	if p.MaxLen <= 0 {
		return 256
	}
	return p.MaxLen
}

// isResource reports whether p parses into Resources.
func (p *Param) isResource() bool {
	return p.Kind == KindResource || p.Kind == KindASN || p.Kind == KindPrefix
}

// Call declares a data call: its name, layout version, parameters and the
// function that answers it. Register several Calls of one name with
// different versions to serve several layouts (preferred_version picks).
type Call struct {
	// Name is the call's slug in /data/<name>/data.json: lower-case
	// letters, digits and hyphens.
	Name string
	// Version is the layout version of the call's data, "<major>.<minor>".
	Version string
	// Status is "supported" (the default), "deprecated" or "development",
	// optionally followed by free text ("supported - based on 2.1").
	Status string
	// Default makes this version the one served without
	// preferred_version; otherwise the first registered "supported"
	// version is.
	Default bool
	// Doc describes the call in the documentation.
	Doc string
	// Methodology is prose about the data source and processing, served
	// at /data/<name>/meta/methodology.
	Methodology string
	// Params are the call's own parameters. The common ones (callback,
	// sourceapp, preferred_version, data_overload_limit, soft_limit,
	// cache, meta) are handled by the server and must not be declared.
	Params []Param
	// SnapRIB moves every time parameter down to the RIB dump time at or
	// before it (00:00, 08:00, 16:00 UTC), with an info message, as
	// RIPEstat's RIB-based calls do (spec §1.5).
	SnapRIB bool
	// MaxWindow, when set, refuses queries whose endtime minus starttime
	// exceeds it (400 naming starttime).
	MaxWindow time.Duration
	// Mutable marks a call whose answers about the past can still change
	// (people acknowledge incidents): its answers are never cached and
	// get the short max-age of current queries.
	Mutable bool
	// Handle computes the data.
	Handle HandlerFunc
}

// commonParams are the parameters every call takes, handled by the server
// (spec §1.4). They cannot be declared by a call.
var commonParams = []Param{
	{Name: "callback", Kind: KindString, MaxLen: 128, Doc: "JSON-P: wrap the response in a call of this JavaScript function (letters, digits, _, $ and dots)."},
	{Name: "sourceapp", Kind: KindString, MaxLen: 128, Doc: "Free identifier of the calling application; logged only."},
	{Name: "preferred_version", Kind: KindString, MaxLen: 16, Doc: "Layout version wanted, \"<major>.<minor>\" (falls back to the newest of the same major), or supported, upcoming or deprecated."},
	{Name: "data_overload_limit", Kind: KindEnum, Values: []string{"ignore"}, Doc: "ignore disables the size guard that trims very large answers to browser requests."},
	{Name: "soft_limit", Kind: KindEnum, Values: []string{"ignore"}, Doc: "Older alias of data_overload_limit."},
	{Name: "cache", Kind: KindString, MaxLen: 16, Doc: "Accepted and ignored (RIPEstat documents cache=ignore as disabled)."},
	{Name: "meta", Kind: KindEnum, Values: []string{"availability"}, Doc: "availability adds the call's data availability to data."},
}

// isCommon reports whether name is a common parameter.
func isCommon(name string) bool {
	return slices.ContainsFunc(commonParams, func(p Param) bool { return p.Name == name })
}

var (
	callNameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	paramNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	versionRE   = regexp.MustCompile(`^[0-9]{1,4}\.[0-9]{1,4}$`)
)

// statusPrefixes are the values data_call_status starts with.
var statusPrefixes = []string{"supported", "deprecated", "development"}

// validate checks a call declaration and fills Status. Errors name the
// call and the parameter.
func (c *Call) validate() error {
	if !callNameRE.MatchString(c.Name) {
		return fmt.Errorf("call name %q: want lower-case letters, digits and hyphens", c.Name)
	}
	if !versionRE.MatchString(c.Version) {
		return fmt.Errorf("call %s: version %q: want <major>.<minor>", c.Name, c.Version)
	}
	if c.Status == "" {
		c.Status = "supported"
	}
	if !slices.ContainsFunc(statusPrefixes, func(p string) bool { return strings.HasPrefix(c.Status, p) }) {
		return fmt.Errorf("call %s: status %q: want supported, deprecated or development", c.Name, c.Status)
	}
	if c.Handle == nil {
		return fmt.Errorf("call %s: no Handle", c.Name)
	}
	seen := map[string]bool{}
	times := map[string]timeDefault{}
	for i := range c.Params {
		p := &c.Params[i]
		if !paramNameRE.MatchString(p.Name) {
			return fmt.Errorf("call %s: parameter name %q: want lower-case letters, digits and _", c.Name, p.Name)
		}
		if seen[p.Name] || isCommon(p.Name) {
			return fmt.Errorf("call %s: parameter %s declared twice or is a common parameter", c.Name, p.Name)
		}
		seen[p.Name] = true
		if err := p.validate(); err != nil {
			return fmt.Errorf("call %s: parameter %s: %w", c.Name, p.Name, err)
		}
		if p.Kind == KindTime && p.Default != "" {
			d, _ := parseTimeDefault(p.Default) // checked by p.validate
			times[p.Name] = d
		}
	}
	// Relative time defaults must name a time parameter and not loop.
	for name, d := range times {
		hops := 0
		for ref := d.ref; ref != ""; ref = times[ref].ref {
			i := slices.IndexFunc(c.Params, func(p Param) bool { return p.Name == ref })
			if i < 0 || c.Params[i].Kind != KindTime {
				return fmt.Errorf("call %s: parameter %s: default refers to %q, not a time parameter of the call", c.Name, name, ref)
			}
			if hops++; hops > len(times) {
				return fmt.Errorf("call %s: parameter %s: time defaults refer to each other in a loop", c.Name, name)
			}
		}
	}
	return nil
}

// validate checks one parameter declaration, its default included.
func (p *Param) validate() error {
	switch p.Kind {
	case KindString, KindResource, KindASN, KindPrefix, KindTime, KindInt, KindBool:
	case KindEnum:
		if len(p.Values) == 0 {
			return fmt.Errorf("enum without Values")
		}
	default:
		return fmt.Errorf("unknown kind %v", p.Kind)
	}
	if p.List && !p.isResource() && p.Kind != KindInt {
		return fmt.Errorf("List is for resource and int parameters")
	}
	if p.Kind == KindInt {
		if lo, hi := p.bounds(); lo > hi {
			return fmt.Errorf("Min %d above Max %d", lo, hi)
		}
	}
	if p.Default == "" {
		return nil
	}
	if p.Required {
		return fmt.Errorf("required and with a default")
	}
	if p.Kind == KindTime {
		_, err := parseTimeDefault(p.Default)
		return err
	}
	if _, err := parseValue(p, p.Default); err != nil {
		return fmt.Errorf("default %q: %w", p.Default, err)
	}
	return nil
}
