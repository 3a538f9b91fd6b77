package rpki

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// maxLine bounds the length of a CSV line.
const maxLine = 1 << 20

// Load reads a VRP file (see Parse).
func Load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rpki: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads VRPs from r, named name in errors. The format is detected
// from the content: JSON if the first character that is not white space
// (after an optional UTF-8 byte order mark) is "{", CSV otherwise.
//
// JSON is an object whose "roas" member is an array of objects with
// "asn" (a number, or a string with or without an "AS" prefix),
// "prefix", "maxLength" (the prefix length if absent or null), "ta" and
// "expires" (Unix seconds, optional), as rpki-client and Routinator
// write it. Other members, at the top level ("metadata", "aspas",
// "bgpsec_keys", ...) or in a roa ("source", ...), are ignored. A
// missing "roas" member is an error, an empty one is not.
//
// CSV has one VRP per line: ASN ("AS13335" or "13335"), IP prefix, max
// length (the prefix length if empty), and optionally the trust anchor
// and the expiry time (Unix seconds, RFC 3339, or "2006-01-02 15:04:05"
// UTC). Fields may be enclosed in double quotes. A first line naming
// the columns ("ASN,IP Prefix,Max Length,Trust Anchor[,Expires]") is
// recognised by its "ASN" column and maps the columns by name, so
// Routinator's csvext ("URI,ASN,IP Prefix,Max Length,Not Before,Not
// After") reads too. Blank lines and lines starting with "#" are
// skipped; CRLF line ends are accepted.
//
// Every VRP is checked: the prefix must be masked (1.1.1.1/24 is an
// error) and the max length between the prefix length and 32 or 128.
// The first error ends the parse; it names the file and the place (CSV:
// line and column; JSON: the index of the roa and the field, or the byte
// offset of a syntax error). Input with no content at all is an error,
// so that a file truncated to nothing is not taken for an empty set.
// Duplicate VRPs are kept once (see NewSet).
func Parse(r io.Reader, name string) (*Set, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	skipped, lines, first, err := peekStart(br)
	if err != nil {
		return nil, fmt.Errorf("rpki: %s: %w", name, err)
	}
	p := parser{name: name}
	switch first {
	case 0:
		return nil, fmt.Errorf("rpki: %s: no content", name)
	case '{':
		err = p.parseJSON(br, skipped)
	default:
		err = p.parseCSV(br, lines)
	}
	if err != nil {
		return nil, err
	}
	return p.b.set(), nil
}

// peekStart consumes a UTF-8 byte order mark and white space from br;
// it returns how many bytes and newlines it consumed and the first byte
// that is not white space (without consuming it), or 0 if there is none.
func peekStart(br *bufio.Reader) (skipped int64, lines int, first byte, err error) {
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
		skipped = 3
	}
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			return skipped, lines, 0, nil
		}
		if err != nil {
			return skipped, lines, 0, err
		}
		switch c {
		case '\n':
			lines++
			fallthrough
		case ' ', '\t', '\r':
			skipped++
			continue
		}
		br.UnreadByte()
		return skipped, lines, c, nil
	}
}

// parser accumulates the VRPs of one input.
type parser struct {
	name string
	b    builder
}

// parseASN parses "13335", "AS13335" or "as13335".
func parseASN(s string) (uint32, error) {
	d := s
	if len(d) > 2 && (d[0] == 'A' || d[0] == 'a') && (d[1] == 'S' || d[1] == 's') {
		d = d[2:]
	}
	if d == "" || d[0] < '0' || d[0] > '9' {
		return 0, fmt.Errorf("invalid AS number %q", s)
	}
	n, err := strconv.ParseUint(d, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid AS number %q", s)
	}
	return uint32(n), nil
}

// parsePrefix parses a masked prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid prefix %q", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("prefix %s has host bits set (did you mean %s?)", p, m)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("prefix %s is an IPv4-mapped IPv6 prefix", p)
	}
	return p, nil
}

// checkMaxLength checks a max length against its prefix.
func checkMaxLength(p netip.Prefix, m uint64) error {
	if bits, maxBits := p.Bits(), p.Addr().BitLen(); m < uint64(bits) || m > uint64(maxBits) {
		return fmt.Errorf("max length %d out of range for %s (must be %d to %d)", m, p, bits, maxBits)
	}
	return nil
}

// ---- JSON ----

// jsonROA is one element of the "roas" array. Its field types parse
// themselves so that errors name the field.
type jsonROA struct {
	ASN       jsonASN       `json:"asn"`
	Prefix    jsonPrefix    `json:"prefix"`
	MaxLength jsonMaxLength `json:"maxLength"`
	TA        jsonTA        `json:"ta"`
	Expires   jsonExpires   `json:"expires"`
}

// jsonASN is an AS number given as a number or a string ("AS13335").
type jsonASN struct {
	v   uint32
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *jsonASN) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fieldError{"asn", err}
		}
	}
	v, err := parseASN(s)
	if err != nil {
		return fieldError{"asn", err}
	}
	a.v, a.set = v, true
	return nil
}

// jsonString is a string member; null is the same as absent.
type jsonString struct {
	v   string
	set bool
}

// decode parses member field's value b.
func (s *jsonString) decode(field string, b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if b[0] != '"' {
		return fieldError{field, fmt.Errorf("not a string: %.40s", b)}
	}
	if plainASCII(b[1 : len(b)-1]) {
		s.v, s.set = string(b[1:len(b)-1]), true
		return nil
	}
	if err := json.Unmarshal(b, &s.v); err != nil {
		return fieldError{field, err}
	}
	s.set = true
	return nil
}

// plainASCII reports whether b is printable ASCII without backslashes:
// the content of a JSON string that needs no unescaping.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// jsonPrefix is the "prefix" member.
type jsonPrefix struct{ jsonString }

// UnmarshalJSON implements json.Unmarshaler.
func (s *jsonPrefix) UnmarshalJSON(b []byte) error { return s.decode("prefix", b) }

// jsonTA is the "ta" member.
type jsonTA struct{ jsonString }

// UnmarshalJSON implements json.Unmarshaler.
func (s *jsonTA) UnmarshalJSON(b []byte) error { return s.decode("ta", b) }

// jsonUint is an unsigned integer member; null is the same as absent.
type jsonUint struct {
	v   uint64
	set bool
}

// decode parses member field's value b.
func (u *jsonUint) decode(field string, b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fieldError{field, fmt.Errorf("not an unsigned integer: %.40s", b)}
	}
	u.v, u.set = v, true
	return nil
}

// jsonMaxLength is the "maxLength" member.
type jsonMaxLength struct{ jsonUint }

// UnmarshalJSON implements json.Unmarshaler.
func (u *jsonMaxLength) UnmarshalJSON(b []byte) error { return u.decode("maxLength", b) }

// jsonExpires is the "expires" member.
type jsonExpires struct{ jsonUint }

// UnmarshalJSON implements json.Unmarshaler.
func (u *jsonExpires) UnmarshalJSON(b []byte) error { return u.decode("expires", b) }

// fieldError is an error in the named member of a roa.
type fieldError struct {
	field string
	err   error
}

// Error implements error.
func (e fieldError) Error() string { return e.field + ": " + e.err.Error() }

// jsonReader walks a JSON document with a json.Decoder, keeping the
// bytes read since the start of the current value so that the exact
// offset of a syntax error can be found: the streaming decoder's own
// SyntaxError offsets do not count the bytes consumed by Token.
type jsonReader struct {
	p    *parser
	dec  *json.Decoder
	src  io.Reader
	skip int64  // bytes consumed before the decoder's input (a BOM)
	buf  []byte // input bytes from offset bufAt on
	at   int64  // decoder offset of buf[0]
	read int64  // decoder input bytes read so far
}

// Read implements io.Reader for the decoder, recording what it reads.
func (j *jsonReader) Read(b []byte) (int, error) {
	n, err := j.src.Read(b)
	j.buf = append(j.buf, b[:n]...)
	j.read += int64(n)
	return n, err
}

// mark returns the decoder's position, where the next value (or its
// separator) starts; the recorded bytes before it may be forgotten. (They
// are, once they make up most of the buffer, so that copying stays in
// proportion to the input.)
func (j *jsonReader) mark() int64 {
	off := j.dec.InputOffset()
	if drop := off - j.at; drop >= 4096 && drop >= int64(len(j.buf))/2 && drop <= int64(len(j.buf)) {
		j.buf = j.buf[:copy(j.buf, j.buf[drop:])]
		j.at = off
	}
	return off
}

// fail turns a decoder error for the input from offset from on into an
// error naming the file and, for syntax errors, the exact offset in the
// input; ctx is JSON text that puts a parser in the state the decoder
// was in at offset from (see locate). what says which value failed
// ("roas[3]"), or is empty.
func (j *jsonReader) fail(err error, what string, from int64, ctx string) error {
	where := j.p.name + ": "
	if what != "" {
		where += what + ": "
	}
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("rpki: %sJSON ends unexpectedly at byte offset %d", where, j.skip+j.read)
	case errors.As(err, &se):
		if off, ue := j.locate(from, ctx); ue != nil {
			return fmt.Errorf("rpki: %sJSON syntax error at byte offset %d: %s", where, j.skip+off, ue)
		}
		return fmt.Errorf("rpki: %sJSON syntax error after byte offset %d: %s", where, j.skip+from, se)
	}
	at, _ := j.start(from)
	return fmt.Errorf("rpki: %sat byte offset %d: %w", where, j.skip+at, err)
}

// locate finds a syntax error in the input recorded from offset from on
// by parsing it with json.Unmarshal after ctx, a JSON prefix that leads
// to the state the decoder was in at that offset (for example `{"":[0`
// before a later element of an array in an object). It returns the
// error's offset as json.Unmarshal of the whole input would report it
// (the number of bytes up to and including the offending one), and
// Unmarshal's error, or nil if it cannot tell.
func (j *jsonReader) locate(from int64, ctx string) (int64, *json.SyntaxError) {
	if from < j.at || from-j.at > int64(len(j.buf)) {
		return 0, nil
	}
	doc := append([]byte(ctx), j.buf[from-j.at:]...)
	var v any
	var se *json.SyntaxError
	if err := json.Unmarshal(doc, &v); !errors.As(err, &se) || se.Offset <= int64(len(ctx)) {
		return 0, nil
	}
	return from + se.Offset - int64(len(ctx)), se
}

// start returns the offset where the value recorded from offset from on
// begins, after white space and a separator (",", ":").
func (j *jsonReader) start(from int64) (int64, []byte) {
	if from < j.at || from-j.at > int64(len(j.buf)) {
		return from, nil
	}
	b := j.buf[from-j.at:]
	i := 0
	skipSpace := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
			i++
		}
	}
	skipSpace()
	if i < len(b) && (b[i] == ',' || b[i] == ':') {
		i++
		skipSpace()
	}
	return from + int64(i), b[i:]
}

// JSON prefixes for jsonReader.locate: the decoder states of parseJSON.
const (
	ctxStart       = ""       // before the document
	ctxFirstMember = "{"      // before the first member of the top-level object
	ctxNextMember  = `{"":0`  // after a member of the top-level object
	ctxValue       = `{""`    // after a member name, before ":"
	ctxFirstROA    = `{"":[`  // before the first element of "roas"
	ctxNextROA     = `{"":[0` // after an element of "roas"
	ctxEnd         = "{}"     // after the document
)

// parseJSON reads the JSON format; skip is the number of bytes already
// consumed from the input (a byte order mark), for offsets in errors.
func (p *parser) parseJSON(r io.Reader, skip int64) error {
	j := &jsonReader{p: p, src: r, skip: skip}
	dec := json.NewDecoder(j)
	j.dec = dec
	from := j.mark()
	if tok, err := dec.Token(); err != nil {
		return j.fail(err, "", from, ctxStart)
	} else if tok != json.Delim('{') {
		return fmt.Errorf("rpki: %s: expected a JSON object, found %v", p.name, tok)
	}
	found := false
	ctx := ctxFirstMember
	for dec.More() {
		from := j.mark()
		tok, err := dec.Token()
		if err != nil {
			return j.fail(err, "", from, ctx)
		}
		ctx = ctxNextMember
		key, _ := tok.(string)
		if key != "roas" {
			from := j.mark()
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return j.fail(err, strconv.Quote(key), from, ctxValue)
			}
			continue
		}
		if found {
			at, _ := j.start(from)
			return fmt.Errorf(`rpki: %s: at byte offset %d: "roas" given twice`, p.name, skip+at)
		}
		found = true
		if err := p.parseROAs(j); err != nil {
			return err
		}
	}
	from = j.mark()
	if _, err := dec.Token(); err != nil { // the closing '}'
		return j.fail(err, "", from, ctx)
	}
	from = j.mark()
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return j.fail(err, "", from, ctxEnd)
		}
		at, _ := j.start(from)
		return fmt.Errorf("rpki: %s: at byte offset %d: unexpected data after the JSON object", p.name, skip+at)
	}
	if !found {
		return fmt.Errorf(`rpki: %s: JSON object has no "roas" array`, p.name)
	}
	return nil
}

// parseROAs reads the value of the "roas" member.
func (p *parser) parseROAs(j *jsonReader) error {
	dec := j.dec
	from := j.mark()
	tok, err := dec.Token()
	if err != nil {
		return j.fail(err, `"roas"`, from, ctxValue)
	}
	if tok != json.Delim('[') {
		at, _ := j.start(from)
		return fmt.Errorf(`rpki: %s: at byte offset %d: "roas" is not an array (found %v)`, p.name, j.skip+at, tok)
	}
	ctx := ctxFirstROA
	for i := 0; dec.More(); i++ {
		from := j.mark()
		var e jsonROA
		if err := dec.Decode(&e); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return j.fail(err, fmt.Sprintf("roas[%d]", i), from, ctx)
			}
			at, _ := j.start(from)
			return fmt.Errorf("rpki: %s: roas[%d] (byte offset %d): %s", p.name, i, j.skip+at, describeJSONError(err))
		}
		ctx = ctxNextROA
		v, err := e.vrp()
		if err != nil {
			at, _ := j.start(from)
			return fmt.Errorf("rpki: %s: roas[%d] (byte offset %d): %w", p.name, i, j.skip+at, err)
		}
		if err := p.b.add(v); err != nil {
			at, _ := j.start(from)
			return fmt.Errorf("rpki: %s: roas[%d] (byte offset %d): %w", p.name, i, j.skip+at, err)
		}
	}
	from = j.mark()
	if _, err := dec.Token(); err != nil { // the closing ']'
		return j.fail(err, `"roas"`, from, ctx)
	}
	return nil
}

// describeJSONError words a decoding error of one roa.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "not an object (found " + te.Value + ")"
		}
		return te.Field + ": " + te.Value + " is not valid here"
	}
	var fe fieldError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return err.Error()
}

// vrp converts and checks a decoded roa.
func (e *jsonROA) vrp() (VRP, error) {
	if !e.ASN.set {
		return VRP{}, errors.New("asn: missing")
	}
	if !e.Prefix.set {
		return VRP{}, errors.New("prefix: missing")
	}
	pfx, err := parsePrefix(e.Prefix.v)
	if err != nil {
		return VRP{}, fieldError{"prefix", err}
	}
	v := VRP{Prefix: pfx, ASN: e.ASN.v, MaxLength: uint8(pfx.Bits()), TA: e.TA.v}
	if e.MaxLength.set {
		if err := checkMaxLength(pfx, e.MaxLength.v); err != nil {
			return VRP{}, fieldError{"maxLength", err}
		}
		v.MaxLength = uint8(e.MaxLength.v)
	}
	if e.Expires.set {
		if e.Expires.v > 1<<40 {
			return VRP{}, fieldError{"expires", fmt.Errorf("%d is not a plausible Unix time", e.Expires.v)}
		}
		v.Expires = time.Unix(int64(e.Expires.v), 0).UTC()
	}
	return v, nil
}

// ---- CSV ----

// CSV columns.
const (
	colASN = iota
	colPrefix
	colMaxLength
	colTA
	colExpires
	numCols
)

// colNames are the column names used in errors; a header line may spell
// them differently (see columnOf).
var colNames = [numCols]string{"ASN", "IP Prefix", "Max Length", "Trust Anchor", "Expires"}

// columnOf maps a header cell to a column, or -1 for a column to ignore.
func columnOf(cell string) int {
	k := strings.ToLower(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(cell))
	switch k {
	case "asn", "as", "originas":
		return colASN
	case "ipprefix", "prefix":
		return colPrefix
	case "maxlength", "maxlen":
		return colMaxLength
	case "trustanchor", "ta":
		return colTA
	case "expires", "notafter":
		return colExpires
	}
	return -1
}

// parseCSV reads the CSV format, after the given number of lines
// already consumed.
func (p *parser) parseCSV(r io.Reader, line int) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	// pos[c] is the index of column c in a record, -1 if absent; width
	// is the number of fields a record must have (0: 3 to 5, positional).
	var pos [numCols]int
	width := 0
	first := true
	var fields []string
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		var err error
		fields, err = splitCSV(s, fields[:0])
		if err != nil {
			return fmt.Errorf("rpki: %s:%d: %w", p.name, line, err)
		}
		if first {
			first = false
			if isHeader(fields) {
				width = len(fields)
				for c := range pos {
					pos[c] = -1
				}
				for i, f := range fields {
					if c := columnOf(f); c >= 0 {
						if pos[c] >= 0 {
							return fmt.Errorf("rpki: %s:%d: column %q given twice", p.name, line, colNames[c])
						}
						pos[c] = i
					}
				}
				for _, c := range []int{colASN, colPrefix} {
					if pos[c] < 0 {
						return fmt.Errorf("rpki: %s:%d: header has no %q column", p.name, line, colNames[c])
					}
				}
				continue
			}
			for c := range pos {
				pos[c] = c
			}
		}
		if width > 0 && len(fields) != width {
			return fmt.Errorf("rpki: %s:%d: %d field(s), the header has %d", p.name, line, len(fields), width)
		}
		if width == 0 && (len(fields) < 3 || len(fields) > numCols) {
			return fmt.Errorf("rpki: %s:%d: %d field(s), want 3 to 5 (ASN, IP Prefix, Max Length[, Trust Anchor[, Expires]])", p.name, line, len(fields))
		}
		v, c, err := csvVRP(fields, &pos)
		if err != nil {
			return fmt.Errorf("rpki: %s:%d: column %q: %w", p.name, line, colNames[c], err)
		}
		if err := p.b.add(v); err != nil {
			return fmt.Errorf("rpki: %s:%d: %w", p.name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("rpki: %s:%d: line longer than %d bytes", p.name, line+1, maxLine)
		}
		return fmt.Errorf("rpki: %s: after line %d: %w", p.name, line, err)
	}
	return nil
}

// isHeader reports whether a first record names the columns: one of
// its cells is "ASN" and none parses as an AS number.
func isHeader(fields []string) bool {
	named := false
	for _, f := range fields {
		if _, err := parseASN(f); err == nil {
			return false
		}
		if columnOf(f) == colASN {
			named = true
		}
	}
	return named
}

// csvVRP converts one record, whose columns are at pos (-1: absent); on
// error it returns the column at fault.
func csvVRP(fields []string, pos *[numCols]int) (VRP, int, error) {
	get := func(c int) string {
		if i := pos[c]; i >= 0 && i < len(fields) {
			return fields[i]
		}
		return ""
	}
	asn, err := parseASN(get(colASN))
	if err != nil {
		return VRP{}, colASN, err
	}
	pfx, err := parsePrefix(get(colPrefix))
	if err != nil {
		return VRP{}, colPrefix, err
	}
	v := VRP{Prefix: pfx, ASN: asn, MaxLength: uint8(pfx.Bits()), TA: get(colTA)}
	if s := get(colMaxLength); s != "" {
		m, err := strconv.ParseUint(s, 10, 8)
		if err != nil {
			return VRP{}, colMaxLength, fmt.Errorf("invalid max length %q", s)
		}
		if err := checkMaxLength(pfx, m); err != nil {
			return VRP{}, colMaxLength, err
		}
		v.MaxLength = uint8(m)
	}
	if s := get(colExpires); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return VRP{}, colExpires, err
		}
		v.Expires = t
	}
	return v, 0, nil
}

// parseTime parses an expiry time: Unix seconds, RFC 3339, or
// "2006-01-02 15:04:05" in UTC.
func parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil && n <= 1<<40 {
		return time.Unix(int64(n), 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateTime} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q (want Unix seconds, RFC 3339 or %q)", s, time.DateTime)
}

// splitCSV splits a line into comma-separated fields, trimming white
// space around each and removing enclosing double quotes (a doubled quote
// inside is one quote). It appends to fields.
func splitCSV(s string, fields []string) ([]string, error) {
	for {
		s = strings.TrimLeft(s, " \t")
		var f string
		if strings.HasPrefix(s, `"`) {
			// Find the closing quote, skipping doubled quotes; only a
			// field with doubled quotes needs a copy.
			i, doubled := 1, false
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return fields, fmt.Errorf("field %d: unterminated quoted field", len(fields)+1)
				}
				i += j + 1
				if i < len(s) && s[i] == '"' {
					doubled = true
					i++
					continue
				}
				break
			}
			f = s[1 : i-1]
			if doubled {
				f = strings.ReplaceAll(f, `""`, `"`)
			}
			s = strings.TrimLeft(s[i:], " \t")
			if s != "" && s[0] != ',' {
				return fields, fmt.Errorf("field %d: text after closing quote", len(fields)+1)
			}
		} else {
			j := strings.IndexByte(s, ',')
			if j < 0 {
				j = len(s)
			}
			f = strings.TrimRight(s[:j], " \t")
			if strings.Contains(f, `"`) {
				return fields, fmt.Errorf("field %d: stray quote in unquoted field", len(fields)+1)
			}
			s = s[j:]
		}
		fields = append(fields, f)
		if s == "" {
			return fields, nil
		}
		s = s[1:] // the comma
	}
}
