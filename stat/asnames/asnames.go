package asnames

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Entry is one AS with its name.
type Entry struct {
	AS   uint32
	Name string
}

// Names is a loaded set of AS names.
type Names struct {
	byAS map[uint32]string
	// entries sorted by AS; lower holds their names in lower case, for
	// the search.
	entries []Entry
	lower   []string
}

// Load reads an AS-names file (see Parse). An empty path is no file:
// Load returns nil and no error, and a nil *Names knows no names.
func Load(path string) (*Names, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("AS names: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads AS names from r, named name in errors. Each line is an AS
// number (decimal, optionally prefixed with "AS" in any case), white
// space, and the name, which runs to the end of the line; blank lines
// and lines starting with "#" are skipped, CRLF line ends accepted. An AS
// listed twice keeps its last name. A line that does not parse is an
// error naming the file and line number.
func Parse(r io.Reader, name string) (*Names, error) {
	n := &Names{byAS: map[uint32]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		as, rest, err := parseLine(s)
		if err != nil {
			return nil, fmt.Errorf("AS names: %s:%d: %w", name, line, err)
		}
		n.byAS[as] = rest
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("AS names: %s: %w", name, err)
	}
	n.entries = make([]Entry, 0, len(n.byAS))
	for as, nm := range n.byAS {
		n.entries = append(n.entries, Entry{as, nm})
	}
	slices.SortFunc(n.entries, func(a, b Entry) int { return cmp.Compare(a.AS, b.AS) })
	n.lower = make([]string, len(n.entries))
	for i, e := range n.entries {
		n.lower[i] = strings.ToLower(e.Name)
	}
	return n, nil
}

// parseLine splits one non-blank, non-comment line.
func parseLine(s string) (uint32, string, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
	field, rest := s, ""
	if i >= 0 {
		field, rest = s[:i], strings.TrimSpace(s[i:])
	}
	num := field
	if len(num) > 2 && strings.EqualFold(num[:2], "AS") {
		num = num[2:]
	}
	as, err := strconv.ParseUint(num, 10, 32)
	if err != nil {
		return 0, "", fmt.Errorf("%q is not an AS number", field)
	}
	if rest == "" {
		return 0, "", fmt.Errorf("AS%d has no name", as)
	}
	return uint32(as), rest, nil
}

// Name returns the name of as, or "" when unknown (or n is nil).
func (n *Names) Name(as uint32) string {
	if n == nil {
		return ""
	}
	return n.byAS[as]
}

// Len returns how many ASes have a name.
func (n *Names) Len() int {
	if n == nil {
		return 0
	}
	return len(n.entries)
}

// Search returns at most limit ASes whose name contains q (without
// regard to case), those whose name starts with q first, each group in AS
// order. An empty q, a limit below 1 or a nil n finds nothing.
func (n *Names) Search(q string, limit int) []Entry {
	q = strings.ToLower(strings.TrimSpace(q))
	if n == nil || q == "" || limit < 1 {
		return nil
	}
	var prefix, inner []Entry
	for i, l := range n.lower {
		switch {
		case strings.HasPrefix(l, q):
			prefix = append(prefix, n.entries[i])
			if len(prefix) == limit {
				return prefix
			}
		case len(inner) < limit && strings.Contains(l, q):
			inner = append(inner, n.entries[i])
		}
	}
	out := append(prefix, inner...)
	return out[:min(len(out), limit)]
}
