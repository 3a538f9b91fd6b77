package ingest

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Kind tells a RIB dump from an updates file.
type Kind uint8

// The kinds of MRT files, by name.
const (
	// Updates is an updates file (BGP4MP), or a file of unknown kind.
	Updates Kind = iota
	// RIB is a RIB dump (bview, rib, ribs).
	RIB
)

func (k Kind) String() string {
	if k == RIB {
		return "rib"
	}
	return "updates"
}

// Source is one MRT input: a local file or an http(s) URL.
type Source struct {
	// Name is the file's absolute path or the URL: the key of its
	// checkpoint.
	Name string
	// Collector is the collector the file comes from, from its path
	// (RIS and RouteViews layouts, BGPStream names) or the default.
	Collector string
	Kind      Kind
	// Time is the start time in the file's name; zero when the name has
	// none (such files go first, in the order given).
	Time time.Time
	// Size is the compressed size in bytes when known (for progress), else
	// -1.
	Size int64
}

// IsURL tells whether the source is fetched over HTTP.
func (s Source) IsURL() bool {
	return strings.HasPrefix(s.Name, "http://") || strings.HasPrefix(s.Name, "https://")
}

// Finder turns command-line arguments into sources.
type Finder struct {
	// Collector names the collector of files whose path does not say
	// (default "rrc00", the collector's default name).
	Collector string
	// Client fetches URLs and directory listings (default
	// http.DefaultClient).
	Client *http.Client
}

// Find expands files, directories (walked recursively) and http(s) URLs
// (a file, or an HTML directory listing as RIS and RouteViews serve:
// every MRT file it links to) into sources, sorted per collector by the
// time in their names, RIB dumps before updates files of the same time.
// Files in directories and listings are taken when their names look like
// MRT files (bview., rib., ribs., updates., with any compression suffix);
// files named on the command line are always taken.
func (f *Finder) Find(ctx context.Context, args []string) ([]Source, error) {
	var out []Source
	seen := map[string]bool{}
	add := func(s Source) {
		if !seen[s.Name] {
			seen[s.Name] = true
			out = append(out, s)
		}
	}
	for _, a := range args {
		if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
			srcs, err := f.findURL(ctx, a)
			if err != nil {
				return nil, err
			}
			for _, s := range srcs {
				add(s)
			}
			continue
		}
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(f.source(abs, st.Size()))
			continue
		}
		err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !looksLikeMRT(d.Name()) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			add(f.source(p, info.Size()))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", a, err)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no MRT files in %s", strings.Join(args, " "))
	}
	Sort(out)
	return out, nil
}

// Sort orders sources for ingest: by collector, then by the time in their
// names (RIB dumps first at equal times), keeping the given order
// otherwise. Events are applied in this order, so per collector they are
// in timestamp order as long as the files do not overlap in time.
func Sort(srcs []Source) {
	slices.SortStableFunc(srcs, func(a, b Source) int {
		return cmp.Or(
			strings.Compare(a.Collector, b.Collector),
			a.Time.Compare(b.Time),
			-cmp.Compare(a.Kind, b.Kind),
		)
	})
}

// source describes the file or URL at p (a slash- or OS-separated path).
func (f *Finder) source(name string, size int64) Source {
	p := filepath.ToSlash(name)
	if u, err := url.Parse(name); err == nil && u.Scheme != "" {
		p = u.Path
	}
	kind, t := parseName(path.Base(p))
	coll := collectorFromPath(p)
	if coll == "" {
		coll = f.Collector
		if coll == "" {
			coll = "rrc00"
		}
	}
	return Source{Name: name, Collector: coll, Kind: kind, Time: t, Size: size}
}

// mrtName matches the names RIS, RouteViews, BGPStream's test dumps and
// routestat's own archive give MRT files.
var mrtName = regexp.MustCompile(`(^|\.)(bview|rib|ribs|updates)\.\d`)

// looksLikeMRT tells whether a file name in a directory or listing names
// an MRT file (and not, say, a bgpdump reference output next to it).
func looksLikeMRT(name string) bool {
	if !mrtName.MatchString(name) {
		return false
	}
	for _, bad := range []string{".txt", ".md", ".html", ".json", ".tmp", ".part"} {
		if strings.Contains(name, bad) {
			return false
		}
	}
	return true
}

var (
	// updates.20080224.1824.bz2, bview.20020722.2337.gz, rib.20260101.0000.bz2
	risTime = regexp.MustCompile(`(?:^|\.)(bview|rib|ribs|updates)\.(\d{8})\.(\d{4})`)
	// ris.rrc06.updates.1401488100.gz, routeviews.route-views.jinx.ribs.1401487200.bz2
	unixTime = regexp.MustCompile(`(?:^|\.)(bview|rib|ribs|updates)\.(\d{9,10})(?:\.|$)`)
)

// parseName returns the kind and start time a file's base name gives.
func parseName(base string) (Kind, time.Time) {
	kindOf := func(s string) Kind {
		if s == "updates" {
			return Updates
		}
		return RIB
	}
	if m := risTime.FindStringSubmatch(base); m != nil {
		t, err := time.Parse("200601021504", m[2]+m[3])
		if err == nil {
			return kindOf(m[1]), t
		}
		return kindOf(m[1]), time.Time{}
	}
	if m := unixTime.FindStringSubmatch(base); m != nil {
		n, _ := strconv.ParseInt(m[2], 10, 64) // 9-10 digits always parse
		return kindOf(m[1]), time.Unix(n, 0).UTC()
	}
	if strings.Contains(base, "rib") || strings.Contains(base, "bview") {
		return RIB, time.Time{}
	}
	return Updates, time.Time{}
}

var (
	// .../rrc00/2026.01/updates... (RIS and routestat's archive)
	risDir = regexp.MustCompile(`(?:^|/)([A-Za-z0-9][A-Za-z0-9._-]*)/\d{4}\.\d{2}/[^/]+$`)
	// .../route-views.jinx/bgpdata/2026.01/UPDATES/updates... (RouteViews)
	rvDir = regexp.MustCompile(`(?:^|/)([A-Za-z0-9][A-Za-z0-9._-]*)/bgpdata/\d{4}\.\d{2}/(?:UPDATES|RIBS)/[^/]+$`)
	// ris.rrc06.updates..., routeviews.route-views.jinx.ribs... (BGPStream)
	streamName = regexp.MustCompile(`^(?:ris|routeviews)\.(.+?)\.(?:bview|rib|ribs|updates)\.\d`)
)

// collectorFromPath returns the collector a file's path names, or "".
func collectorFromPath(p string) string {
	if m := rvDir.FindStringSubmatch(p); m != nil {
		return m[1]
	}
	if m := streamName.FindStringSubmatch(path.Base(p)); m != nil {
		return m[1]
	}
	if m := risDir.FindStringSubmatch(p); m != nil {
		return m[1]
	}
	return ""
}

// maxListing bounds the size of a directory listing read.
const maxListing = 16 << 20

// findURL returns the source at a URL: the file itself, or the MRT files
// an HTML directory listing links to.
func (f *Finder) findURL(ctx context.Context, raw string) ([]Source, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	if base := path.Base(u.Path); !strings.HasSuffix(u.Path, "/") && looksLikeMRT(base) {
		size := int64(-1)
		return []Source{f.source(raw, size)}, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", raw, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list %s: HTTP %s", raw, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		// Not a listing: take the URL as an MRT file.
		return []Source{f.source(raw, resp.ContentLength)}, nil
	}
	links, err := htmlLinks(io.LimitReader(resp.Body, maxListing))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", raw, err)
	}
	var out []Source
	for _, l := range links {
		ref, err := url.Parse(l)
		if err != nil {
			continue
		}
		abs := resp.Request.URL.ResolveReference(ref)
		if abs.Scheme != "http" && abs.Scheme != "https" || strings.HasSuffix(abs.Path, "/") || !looksLikeMRT(path.Base(abs.Path)) {
			continue
		}
		out = append(out, f.source(abs.String(), -1))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list %s: no MRT files linked", raw)
	}
	return out, nil
}

func (f *Finder) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

// htmlLinks returns the href of every <a> in an HTML page.
func htmlLinks(r io.Reader) ([]string, error) {
	z := html.NewTokenizer(r)
	var links []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return links, nil
			}
			return links, z.Err()
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "a" {
				continue
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "href" {
					links = append(links, string(v))
				}
			}
		}
	}
}
