package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// envelope is the response object of spec §1.2: exactly these keys, in
// this order, whatever the outcome. No other top-level key may ever be
// added (prsw refuses unknown keys).
type envelope struct {
	Messages       [][2]string     `json:"messages"`
	SeeAlso        []any           `json:"see_also"`
	Version        string          `json:"version"`
	DataCallName   string          `json:"data_call_name"`
	DataCallStatus string          `json:"data_call_status"`
	Cached         bool            `json:"cached"`
	Data           json.RawMessage `json:"data"`
	QueryID        string          `json:"query_id"`
	ProcessTime    int64           `json:"process_time"`
	ServerID       string          `json:"server_id"`
	BuildVersion   string          `json:"build_version"`
	Status         string          `json:"status"`
	StatusCode     int             `json:"status_code"`
	Time           string          `json:"time"`
}

// emptyData is the data of an error response.
var emptyData = json.RawMessage("{}")

// newQueryID returns RIPEstat's query id: the arrival time as
// YYYYMMDDhhmmss, a hyphen and a random UUID (version 4).
func newQueryID(t time.Time) string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24+)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var h [32]byte
	hex.Encode(h[:], u[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s-%s", t.UTC().Format("20060102150405"), h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// encode writes the envelope as JSON, wrapped in a call of callback when
// it is not empty (JSON-P; the callback was validated). encoding/json
// escapes <, >, &, U+2028 and U+2029, so the result is also safe to run
// as a script.
func (e *envelope) encode(callback string) ([]byte, error) {
	if e.Messages == nil {
		e.Messages = [][2]string{}
	}
	if e.SeeAlso == nil {
		e.SeeAlso = []any{}
	}
	if e.Data == nil {
		e.Data = emptyData
	}
	var b bytes.Buffer
	if callback != "" {
		b.WriteString(callback)
		b.WriteByte('(')
	}
	enc := json.NewEncoder(&b)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("encode envelope of %s: %w", e.DataCallName, err)
	}
	if callback != "" {
		b.Truncate(b.Len() - 1) // the Encoder's newline
		b.WriteString(");\n")
	}
	return b.Bytes(), nil
}

// marshalData marshals a handler's data, which must be a JSON object; a
// nil data becomes {}.
func marshalData(data any) (json.RawMessage, error) {
	if data == nil {
		return emptyData, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("marshal data: %w", err)
	}
	if string(b) == "null" {
		return emptyData, nil
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("data is a %T, not a JSON object", data)
	}
	return b, nil
}

// withKey returns the JSON object obj with "key": value added at the end
// (used for meta=availability). obj comes from marshalData.
func withKey(obj json.RawMessage, key string, value any) (json.RawMessage, error) {
	v, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", key, err)
	}
	k, _ := json.Marshal(key)
	body := bytes.TrimSpace(obj)
	out := make([]byte, 0, len(body)+len(k)+len(v)+2)
	out = append(out, body[:len(body)-1]...)
	if len(bytes.TrimSpace(body[1:len(body)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, k...)
	out = append(out, ':')
	out = append(out, v...)
	return append(out, '}'), nil
}
