package incidentapi

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Limits of an annotation's body.
const (
	// MaxByLen and MaxCommentLen bound "by" and "comment" in characters.
	MaxByLen      = 100
	MaxCommentLen = 2000
	// maxBodyBytes bounds the request body.
	maxBodyBytes = 16 << 10
)

// annotation is the body of POST /incidents/{id}/acknowledge and
// /false-positive.
type annotation struct {
	By      *string `json:"by"`
	Comment *string `json:"comment"`
}

// serveAnnotate answers POST /incidents/{id}/acknowledge (falsePositive
// false) and /false-positive: checks the API key, the id and the body,
// and records the verdict.
func (h *handler) serveAnnotate(w http.ResponseWriter, r *http.Request, id string, falsePositive bool) {
	if err := h.authorize(r); err != nil {
		if err.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="routestat hijack API"`)
		}
		writeError(w, err)
		return
	}
	if err := checkID(id); err != nil {
		writeError(w, err)
		return
	}
	by, comment, err := readAnnotation(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	inc, ierr := h.inc.Annotate(id, by, comment, falsePositive)
	if ierr != nil {
		writeError(w, h.incidentError(r, id, ierr))
		return
	}
	h.log.Info("hijack api: incident annotated", "id", id, "by", by, "false_positive", falsePositive, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, inc)
}

// authorize checks r's API key: 403 when no key is configured, 401 when
// r has none or a wrong one. Keys are compared as SHA-256 digests in
// constant time, against every configured key.
func (h *handler) authorize(r *http.Request) *apiError {
	if len(h.keys) == 0 {
		return &apiError{status: http.StatusForbidden, msg: "acknowledging incidents and marking false positives are disabled until an API key is configured (hijack.api_keys)"}
	}
	key := r.Header.Get("X-API-Key")
	if key == "" {
		if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			key = strings.TrimSpace(cred)
		}
	}
	if key == "" {
		return &apiError{status: http.StatusUnauthorized, msg: "an API key is required, in the X-API-Key header or as Authorization: Bearer <key>"}
	}
	sum := sha256.Sum256([]byte(key))
	match := 0
	for i := range h.keys {
		match |= subtle.ConstantTimeCompare(sum[:], h.keys[i][:])
	}
	if match != 1 {
		h.log.Warn("hijack api: wrong API key", "path", r.URL.Path, "remote", r.RemoteAddr)
		return &apiError{status: http.StatusUnauthorized, msg: "the API key is not valid"}
	}
	return nil
}

// readAnnotation reads and checks the body: a JSON object with "by"
// (required) and "comment", nothing else.
func readAnnotation(w http.ResponseWriter, r *http.Request) (by, comment string, _ *apiError) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return "", "", &apiError{status: http.StatusUnsupportedMediaType, param: "body", msg: fmt.Sprintf("the body must be JSON (Content-Type: application/json), not %s", quote(ct))}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", "", &apiError{status: http.StatusRequestEntityTooLarge, param: "body", msg: fmt.Sprintf("the body is larger than %d bytes", maxBodyBytes)}
		}
		return "", "", badParam("body", "the body cannot be read: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "", "", badParam("body", `the body is empty; send a JSON object such as {"by": "alice", "comment": "known customer announcement"}`)
	}
	var a annotation
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return "", "", jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", "", badParam("body", "the body has data after the JSON object")
	}
	if a.By == nil || strings.TrimSpace(*a.By) == "" {
		return "", "", badParam("by", `"by" is required: who acknowledges the incident`)
	}
	by = strings.TrimSpace(*a.By)
	if err := checkText(by, MaxByLen); err != nil {
		return "", "", badParam("by", `invalid "by": %v`, err)
	}
	if a.Comment != nil {
		comment = strings.TrimSpace(*a.Comment)
		if err := checkText(comment, MaxCommentLen); err != nil {
			return "", "", badParam("comment", `invalid "comment": %v`, err)
		}
	}
	return by, comment, nil
}

// jsonError names the field a decoding error is about.
func jsonError(err error) *apiError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return badParam(te.Field, "%q must be a JSON %s, not %s", te.Field, "string", te.Value)
	case errors.As(err, &te):
		return badParam("body", `the body must be a JSON object such as {"by": "alice", "comment": "..."}, not %s`, te.Value)
	case errors.As(err, &se):
		return badParam("body", "the body is not valid JSON: %v (at byte %d)", err, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badParam("body", "the body is truncated JSON")
	}
	// Unknown fields have no error type: json: unknown field "x".
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(name, `"`)
		if len(field) > 64 || checkText(field, 64) != nil {
			return badParam("body", `unknown field %s: the body takes "by" and "comment"`, quote(field))
		}
		return badParam(field, `unknown field %s: the body takes "by" and "comment"`, quote(field))
	}
	return badParam("body", "the body cannot be decoded: %v", err)
}
