package asrel

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"
	"strings"
)

// Rel is how one AS relates to another: Rel(a, b) describes a as seen
// from b.
type Rel int8

const (
	// Unknown: the data has no link between the two ASes.
	Unknown Rel = iota
	// Provider: a is a provider (upstream, transit) of b.
	Provider
	// Customer: a is a customer of b (b is a's provider).
	Customer
	// Peer: a and b exchange their customers' routes settlement-free.
	Peer
)

// String returns "provider", "customer", "peer" or "unknown".
func (r Rel) String() string {
	switch r {
	case Unknown:
		return "unknown"
	case Provider:
		return "provider"
	case Customer:
		return "customer"
	case Peer:
		return "peer"
	}
	return "Rel(" + strconv.Itoa(int(r)) + ")"
}

// Inverse returns the relationship seen from the other side: Provider
// and Customer swap, Peer and Unknown stay.
func (r Rel) Inverse() Rel {
	switch r {
	case Provider:
		return Customer
	case Customer:
		return Provider
	}
	return r
}

// Link is one AS relationship: A relates to B as Rel.
type Link struct {
	A, B uint32
	Rel  Rel
}

// Relationships is an immutable set of AS relationships, safe for
// concurrent use. A nil *Relationships knows no links.
type Relationships struct {
	// rels maps a pair of ASes, lower AS in the upper 32 bits, to how
	// the lower AS relates to the higher one. About 20 bytes per link.
	rels map[uint64]Rel
}

// pair returns the map key of the link between a and b and whether a is
// the lower AS.
func pair(a, b uint32) (uint64, bool) {
	if a < b {
		return uint64(a)<<32 | uint64(b), true
	}
	return uint64(b)<<32 | uint64(a), false
}

// Rel returns how a relates to b: Provider if a is b's provider,
// Customer if a is b's customer, Peer, or Unknown if the data has no
// link between them (or a == b).
func (r *Relationships) Rel(a, b uint32) Rel {
	if r == nil || a == b {
		return Unknown
	}
	k, aLow := pair(a, b)
	rel := r.rels[k]
	if !aLow {
		rel = rel.Inverse()
	}
	return rel
}

// Len returns the number of links.
func (r *Relationships) Len() int {
	if r == nil {
		return 0
	}
	return len(r.rels)
}

// All iterates over the links, once each with A lower than B, in no
// particular order.
func (r *Relationships) All() iter.Seq[Link] {
	return func(yield func(Link) bool) {
		if r == nil {
			return
		}
		for k, rel := range r.rels {
			if !yield(Link{A: uint32(k >> 32), B: uint32(k), Rel: rel}) {
				return
			}
		}
	}
}

// maxLine bounds the length of a line.
const maxLine = 64 << 10

// Load reads an AS relationships file (see Parse).
func Load(path string) (*Relationships, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("asrel: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads AS relationships in CAIDA's as-rel format from r, named
// name in errors. The input may be gzip or bzip2 compressed (recognised
// by its first bytes). Each line is "<as1>|<as2>|-1" (as1 is a provider
// of as2) or "<as1>|<as2>|0" (as1 and as2 are peers), with plain decimal
// AS numbers; serial-2 files add a fourth column, the inference source,
// which is ignored. Lines starting with "#" and blank lines are skipped;
// CRLF line ends and white space around fields are accepted.
//
// A link listed twice with the same relationship is kept once; listed
// with a different one, or an AS linked to itself, is an error. The
// first error ends the parse; it names the file and line.
func Parse(r io.Reader, name string) (*Relationships, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	in, err := decompress(br)
	if err != nil {
		return nil, fmt.Errorf("asrel: %s: %w", name, err)
	}
	rels := &Relationships{rels: map[uint64]Rel{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	line := 0
	for sc.Scan() {
		line++
		s := bytes.TrimSpace(sc.Bytes())
		if len(s) == 0 || s[0] == '#' {
			continue
		}
		if err := rels.add(s); err != nil {
			return nil, fmt.Errorf("asrel: %s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("asrel: %s:%d: line longer than %d bytes", name, line+1, maxLine)
		}
		return nil, fmt.Errorf("asrel: %s: after line %d: %w", name, line, err)
	}
	return rels, nil
}

// decompress returns a reader of br's content, decompressed if it starts
// with the magic bytes of gzip or bzip2.
func decompress(br *bufio.Reader) (io.Reader, error) {
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return named{zr, "gzip"}, nil
	case len(magic) >= 4 && string(magic[:3]) == "BZh" && magic[3] >= '1' && magic[3] <= '9':
		return named{bzip2.NewReader(br), "bzip2"}, nil
	}
	return br, nil
}

// named prefixes the errors of a decompressing reader with its format.
type named struct {
	r      io.Reader
	format string
}

// Read implements io.Reader.
func (n named) Read(b []byte) (int, error) {
	c, err := n.r.Read(b)
	if err != nil && err != io.EOF && !strings.HasPrefix(err.Error(), n.format) {
		err = fmt.Errorf("%s: %w", n.format, err)
	}
	return c, err
}

// add parses one line (trimmed, not a comment) and adds its link.
func (r *Relationships) add(s []byte) error {
	var fields [4][]byte
	n := 0
	for n < len(fields) {
		i := bytes.IndexByte(s, '|')
		if i < 0 {
			fields[n] = s
			n++
			s = nil
			break
		}
		fields[n] = s[:i]
		s = s[i+1:]
		n++
	}
	if s != nil {
		return errors.New("more than 4 '|'-separated fields, want as1|as2|rel or as1|as2|rel|source")
	}
	if n < 3 {
		return fmt.Errorf("%d '|'-separated field(s), want as1|as2|rel or as1|as2|rel|source", n)
	}
	a, err := parseAS(fields[0])
	if err != nil {
		return fmt.Errorf("field 1 (as1): %w", err)
	}
	b, err := parseAS(fields[1])
	if err != nil {
		return fmt.Errorf("field 2 (as2): %w", err)
	}
	var rel Rel // how a relates to b
	switch v := string(bytes.TrimSpace(fields[2])); v {
	case "-1":
		rel = Provider
	case "0":
		rel = Peer
	default:
		return fmt.Errorf("field 3 (relationship): %q is not -1 (provider-customer) or 0 (peer-peer)", v)
	}
	if a == b {
		return fmt.Errorf("AS%d is linked to itself", a)
	}
	k, aLow := pair(a, b)
	if !aLow {
		rel = rel.Inverse()
	}
	if old, ok := r.rels[k]; ok {
		if old != rel {
			lo, hi := uint32(k>>32), uint32(k)
			return fmt.Errorf("AS%d is already listed as the %s of AS%d, now as its %s", lo, old, hi, rel)
		}
		return nil
	}
	r.rels[k] = rel
	return nil
}

// parseAS parses a plain decimal AS number, allowing white space
// around it.
func parseAS(b []byte) (uint32, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 10 {
		return 0, fmt.Errorf("invalid AS number %q", b)
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid AS number %q", b)
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<32-1 {
		return 0, fmt.Errorf("invalid AS number %q (more than 32 bits)", b)
	}
	return uint32(n), nil
}
