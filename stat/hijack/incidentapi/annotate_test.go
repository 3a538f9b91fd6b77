package incidentapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/routestat/routestat/stat/hijack"
)

const testKey = "s3cret-key"

func TestAnnotateAuth(t *testing.T) {
	body := `{"by": "alice", "comment": "customer announcement, known"}`
	tests := []struct {
		name     string
		keys     []string
		action   string // acknowledge or false-positive
		id       string
		header   map[string]string
		code     int
		param    string
		wantAuth bool // WWW-Authenticate expected
	}{
		{name: "no key configured", keys: nil, action: "acknowledge", header: map[string]string{"X-API-Key": testKey}, code: http.StatusForbidden},
		{name: "only empty keys configured", keys: []string{""}, action: "acknowledge", header: map[string]string{"X-API-Key": ""}, code: http.StatusForbidden},
		{name: "missing key", keys: []string{testKey}, action: "acknowledge", code: http.StatusUnauthorized, wantAuth: true},
		{name: "wrong X-API-Key", keys: []string{testKey}, action: "acknowledge", header: map[string]string{"X-API-Key": "s3cret-kez"}, code: http.StatusUnauthorized, wantAuth: true},
		{name: "key prefix", keys: []string{testKey}, action: "acknowledge", header: map[string]string{"X-API-Key": "s3cret"}, code: http.StatusUnauthorized, wantAuth: true},
		{name: "wrong bearer", keys: []string{testKey}, action: "false-positive", header: map[string]string{"Authorization": "Bearer nope"}, code: http.StatusUnauthorized, wantAuth: true},
		{name: "basic auth is not a key", keys: []string{testKey}, action: "acknowledge", header: map[string]string{"Authorization": "Basic " + testKey}, code: http.StatusUnauthorized, wantAuth: true},
		{name: "key in the query is not read", keys: []string{testKey}, action: "acknowledge?api_key=" + testKey, code: http.StatusUnauthorized, wantAuth: true},
		{name: "unknown id", keys: []string{testKey}, action: "acknowledge", id: "20260105T100000Z-ffffffff", header: map[string]string{"X-API-Key": testKey}, code: http.StatusNotFound, param: "id"},
		{name: "bad id", keys: []string{testKey}, action: "acknowledge", id: "a%20b", header: map[string]string{"X-API-Key": testKey}, code: http.StatusBadRequest, param: "id"},
		{name: "unknown id needs the key first", keys: []string{testKey}, action: "acknowledge", id: "20260105T100000Z-ffffffff", code: http.StatusUnauthorized, wantAuth: true},
		{name: "acknowledge with X-API-Key", keys: []string{"other", testKey}, action: "acknowledge", header: map[string]string{"X-API-Key": testKey}, code: http.StatusOK},
		{name: "false positive with bearer", keys: []string{testKey}, action: "false-positive", header: map[string]string{"Authorization": "bearer " + testKey}, code: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t)
			base := serve(t, m, Options{APIKeys: tt.keys})
			id := tt.id
			if id == "" {
				id = idExact
			}
			r := do(t, http.MethodPost, base+"/api/v1/hijack/incidents/"+id+"/"+tt.action, tt.header, body)
			if got := r.header.Get("WWW-Authenticate"); (got != "") != tt.wantAuth || tt.wantAuth && !strings.HasPrefix(got, "Bearer ") {
				t.Errorf("WWW-Authenticate %q", got)
			}
			stored, err := m.Get(idExact)
			if err != nil {
				t.Fatal(err)
			}
			if tt.code != http.StatusOK {
				checkError(t, r, tt.code, tt.param)
				if stored.Acknowledged || stored.FalsePositive {
					t.Errorf("refused request changed the incident: %+v", stored)
				}
				if tt.code == http.StatusForbidden && !strings.Contains(string(r.body), "API key is configured") {
					t.Errorf("403 does not explain: %s", r.body)
				}
				return
			}
			if r.code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", r.code, r.body)
			}
			got := decode[hijack.Incident](t, r.body)
			fp := tt.action == "false-positive"
			for _, inc := range []hijack.Incident{got, stored} {
				if inc.ID != idExact || !inc.Acknowledged || inc.FalsePositive != fp || inc.AckBy != "alice" || inc.AckComment != "customer announcement, known" {
					t.Errorf("incident after %s: %+v", tt.action, inc)
				}
			}
		})
	}
}

// TestAnnotateBody checks the validation of the body.
func TestAnnotateBody(t *testing.T) {
	base := serve(t, newManager(t), Options{APIKeys: []string{testKey}})
	tests := []struct {
		name  string
		ctype string
		body  string
		code  int
		param string
	}{
		{"valid", "application/json", `{"by": "alice", "comment": "ok"}`, 200, ""},
		{"valid without comment or content type", "", `{"by": "bob"}`, 200, ""},
		{"content type with charset", "application/json; charset=utf-8", `{"by": "bob", "comment": null}`, 200, ""},
		{"by at the limit", "", `{"by": "` + strings.Repeat("é", MaxByLen) + `"}`, 200, ""},
		{"comment at the limit", "", `{"by": "a", "comment": "` + strings.Repeat("é", MaxCommentLen) + `"}`, 200, ""},
		{"empty body", "", ``, 400, "body"},
		{"blank body", "", "  \n", 400, "body"},
		{"truncated", "", `{"by": "a"`, 400, "body"},
		{"not JSON", "", `by=alice`, 400, "body"},
		{"array", "", `[]`, 400, "body"},
		{"string", "", `"alice"`, 400, "body"},
		{"two objects", "", `{"by": "a"} {"by": "b"}`, 400, "body"},
		{"trailing garbage", "", `{"by": "a"}}`, 400, "body"},
		{"missing by", "", `{}`, 400, "by"},
		{"null by", "", `{"by": null}`, 400, "by"},
		{"empty by", "", `{"by": ""}`, 400, "by"},
		{"blank by", "", `{"by": "   "}`, 400, "by"},
		{"number by", "", `{"by": 5}`, 400, "by"},
		{"object by", "", `{"by": {"name": "a"}}`, 400, "by"},
		{"by too long", "", `{"by": "` + strings.Repeat("a", MaxByLen+1) + `"}`, 400, "by"},
		{"control character in by", "", `{"by": "alice\u0007"}`, 400, "by"},
		{"escape sequence in by", "", `{"by": "\u001b[31malice"}`, 400, "by"},
		{"number comment", "", `{"by": "a", "comment": 7}`, 400, "comment"},
		{"comment too long", "", `{"by": "a", "comment": "` + strings.Repeat("c", MaxCommentLen+1) + `"}`, 400, "comment"},
		{"newline in comment", "", `{"by": "a", "comment": "line\nbreak"}`, 400, "comment"},
		{"bidi override in comment", "", `{"by": "a", "comment": "\u202egnp.exe"}`, 400, "comment"},
		{"C1 control in comment", "", `{"by": "a", "comment": "a\u0085b"}`, 400, "comment"},
		{"unknown field", "", `{"by": "a", "falsepositive": true}`, 400, "falsepositive"},
		{"unknown hostile field", "", `{"by": "a", "` + strings.Repeat("x", 100) + `": 1}`, 400, "body"},
		{"wrong content type", "text/plain", `{"by": "a"}`, 415, "body"},
		{"form content type", "application/x-www-form-urlencoded", `{"by": "a"}`, 415, "body"},
		{"huge body", "", `{"by": "a", "comment": "` + strings.Repeat("c", 20<<10) + `"}`, 413, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"X-API-Key": testKey}
			if tt.ctype != "" {
				h["Content-Type"] = tt.ctype
			}
			r := do(t, http.MethodPost, base+"/api/v1/hijack/incidents/"+idMoreSpec+"/acknowledge", h, tt.body)
			if tt.code == http.StatusOK {
				if r.code != http.StatusOK {
					t.Fatalf("HTTP %d: %s", r.code, r.body)
				}
				if inc := decode[hijack.Incident](t, r.body); !inc.Acknowledged || inc.AckBy == "" {
					t.Errorf("not acknowledged: %+v", inc)
				}
				return
			}
			checkError(t, r, tt.code, tt.param)
		})
	}
}
