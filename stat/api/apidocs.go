package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// docCall is a call as the documentation shows it.
type docCall struct {
	Name, Version, Status, Doc string
	Params                     []docParam
	SnapRIB                    bool
	Versions                   []string // every registered version
}

// docParam is a parameter as the documentation shows it.
type docParam struct {
	Name, Kind, Default, Doc string
	Required                 bool
	Accepts                  string // resource kinds, enum values, int bounds
}

// describe returns how the documentation shows p.
func describe(p *Param) docParam {
	d := docParam{Name: p.Name, Kind: p.Kind.String(), Default: p.Default, Doc: p.Doc, Required: p.Required}
	switch {
	case p.isResource():
		d.Accepts = p.accept().String()
	case p.Kind == KindEnum:
		d.Accepts = "one of " + strings.Join(p.Values, ", ")
	case p.Kind == KindInt:
		lo, hi := p.bounds()
		d.Accepts = fmt.Sprintf("%d to %d", lo, hi)
	case p.Kind == KindTime:
		d.Accepts = "Unix seconds or ISO 8601 (UTC unless a zone is given)"
	case p.Kind == KindBool:
		d.Accepts = "true or false"
	case p.Kind == KindString:
		d.Accepts = fmt.Sprintf("text, at most %d bytes", p.maxLen())
	}
	if p.List {
		d.Accepts = "comma-separated list of " + d.Accepts
	}
	return d
}

// docCalls returns every call's default version for the documentation.
func (s *Server) docCalls() []docCall {
	var out []docCall
	s.mu.RLock()
	names := slices.Sorted(maps.Keys(s.calls))
	s.mu.RUnlock()
	for _, name := range names {
		vs := s.versions(name)
		c, _ := pickVersion(vs, "")
		d := docCall{Name: c.Name, Version: c.Version, Status: c.Status, Doc: c.Doc, SnapRIB: c.SnapRIB}
		for _, v := range vs {
			d.Versions = append(d.Versions, v.Version)
		}
		for i := range c.Params {
			d.Params = append(d.Params, describe(&c.Params[i]))
		}
		out = append(out, d)
	}
	return out
}

// docsTemplate is the /docs/data_api page. html/template escapes every
// value.
var docsTemplate = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>routestat data API</title>
<style>body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}code{background:#f4f4f4}</style>
</head><body>
<h1>routestat data API</h1>
<p>RIPEstat-compatible: <code>GET /data/&lt;call&gt;/data.json?resource=…</code> (also <code>/plugin/&lt;call&gt;/data.json</code>).
Every answer is the same JSON envelope; see <a href="openapi.json">openapi.json</a>. Build {{.Build}}.</p>
<h2>Parameters of every call</h2>
{{template "params" .Common}}
<h2>Calls</h2>
{{range .Calls}}<h3 id="{{.Name}}">{{.Name}} <small>version {{.Version}}, {{.Status}}</small></h3>
<p>{{.Doc}}</p>
<p><code>/data/{{.Name}}/data.json</code>{{if gt (len .Versions) 1}} — versions {{range $i, $v := .Versions}}{{if $i}}, {{end}}{{$v}}{{end}} (choose with preferred_version){{end}}{{if .SnapRIB}}; times are moved to the RIB dump at or before them (00:00, 08:00, 16:00 UTC){{end}}.
Meta: <a href="../../data/{{.Name}}/meta/availability">availability</a>, <a href="../../data/{{.Name}}/meta/methodology">methodology</a>, <a href="../../data/{{.Name}}/meta/versions">versions</a>.</p>
{{template "params" .Params}}
{{else}}<p>No calls are registered.</p>
{{end}}</body></html>
{{define "params"}}{{if .}}<table><tr><th>parameter</th><th>kind</th><th>required</th><th>default</th><th>accepts</th><th>meaning</th></tr>
{{range .}}<tr><td><code>{{.Name}}</code></td><td>{{.Kind}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Default}}</td><td>{{.Accepts}}</td><td>{{.Doc}}</td></tr>
{{end}}</table>{{else}}<p>No parameters.</p>{{end}}{{end}}`))

// serveDocsHTML answers /docs/data_api with the list of calls.
func (s *Server) serveDocsHTML(c echo.Context) error {
	c.Set(ctxCall, "docs")
	var common []docParam
	for i := range commonParams {
		common = append(common, describe(&commonParams[i]))
	}
	var b bytes.Buffer
	err := docsTemplate.Execute(&b, map[string]any{"Build": s.opt.BuildVersion, "Common": common, "Calls": s.docCalls()})
	if err != nil {
		return fmt.Errorf("render data API docs: %w", err)
	}
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// openAPIType returns the OpenAPI schema of a parameter.
func openAPIType(p *Param) map[string]any {
	switch {
	case p.List:
		return map[string]any{"type": "string", "description": "comma-separated list"}
	case p.Kind == KindInt:
		lo, hi := p.bounds()
		return map[string]any{"type": "integer", "minimum": lo, "maximum": hi}
	case p.Kind == KindBool:
		return map[string]any{"type": "boolean"}
	case p.Kind == KindEnum:
		return map[string]any{"type": "string", "enum": p.Values}
	}
	return map[string]any{"type": "string"}
}

// openAPIParam returns the OpenAPI parameter object of p.
func openAPIParam(p *Param) map[string]any {
	d := describe(p)
	schema := openAPIType(p)
	if p.Default != "" {
		schema["default"] = p.Default
	}
	desc := d.Doc
	if d.Accepts != "" {
		desc = strings.TrimSpace(desc + " Accepts " + d.Accepts + ".")
	}
	return map[string]any{"name": p.Name, "in": "query", "required": p.Required, "description": desc, "schema": schema}
}

// openAPI returns the OpenAPI 3 description of the registered calls.
func (s *Server) openAPI() map[string]any {
	str := map[string]any{"type": "string"}
	envelope := map[string]any{
		"type":     "object",
		"required": []string{"messages", "see_also", "version", "data_call_name", "data_call_status", "cached", "data", "query_id", "process_time", "server_id", "build_version", "status", "status_code", "time"},
		"properties": map[string]any{
			"messages":         map[string]any{"type": "array", "items": map[string]any{"type": "array", "items": str, "minItems": 2, "maxItems": 2}, "description": "[level, text] pairs; level is info, warning or error"},
			"see_also":         map[string]any{"type": "array", "items": map[string]any{}},
			"version":          str,
			"data_call_name":   str,
			"data_call_status": str,
			"cached":           map[string]any{"type": "boolean"},
			"data":             map[string]any{"type": "object"},
			"query_id":         str,
			"process_time":     map[string]any{"type": "integer", "description": "milliseconds"},
			"server_id":        str,
			"build_version":    str,
			"status":           map[string]any{"type": "string", "enum": []string{"ok", "error", "maintenance"}},
			"status_code":      map[string]any{"type": "integer"},
			"time":             map[string]any{"type": "string", "description": "UTC, ISO 8601 without zone, microseconds"},
		},
	}
	answer := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{
			"application/json":       map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Envelope"}},
			"application/javascript": map[string]any{"schema": str},
		}}
	}
	var common []any
	for i := range commonParams {
		common = append(common, openAPIParam(&commonParams[i]))
	}
	paths := map[string]any{}
	for _, dc := range s.docCalls() {
		vs := s.versions(dc.Name)
		c, _ := pickVersion(vs, "")
		params := append([]any(nil), common...)
		for i := range c.Params {
			params = append(params, openAPIParam(&c.Params[i]))
		}
		desc := c.Doc
		if len(dc.Versions) > 1 {
			desc += fmt.Sprintf(" Versions %s (default %s, choose with preferred_version).", strings.Join(dc.Versions, ", "), c.Version)
		}
		paths["/data/"+c.Name+"/data.json"] = map[string]any{"get": map[string]any{
			"operationId": c.Name,
			"summary":     fmt.Sprintf("%s (version %s, %s)", c.Name, c.Version, c.Status),
			"description": desc,
			"parameters":  params,
			"responses": map[string]any{
				"200": answer("the call's data in the envelope"),
				"304": map[string]any{"description": "not modified (If-None-Match on a historical query)"},
				"400": answer("a parameter is missing or invalid; the message names it"),
				"429": answer("too many concurrent requests from this client"),
				"500": answer("internal error"),
				"503": answer("under maintenance or unavailable"),
				"504": answer("the query took too long"),
			},
		}}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "routestat data API",
			"version":     s.opt.BuildVersion,
			"description": "RIPEstat-compatible data API. Every response, errors included, is the same JSON envelope; with callback it is JSON-P.",
		},
		"paths":      paths,
		"components": map[string]any{"schemas": map[string]any{"Envelope": envelope}},
	}
}

// serveOpenAPI answers /docs/data_api/openapi.json.
func (s *Server) serveOpenAPI(c echo.Context) error {
	c.Set(ctxCall, "docs")
	b, err := json.MarshalIndent(s.openAPI(), "", "  ")
	if err != nil {
		return fmt.Errorf("marshal OpenAPI description: %w", err)
	}
	return c.JSONBlob(http.StatusOK, b)
}
