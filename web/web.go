package web

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/netip"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Options configure Handler.
type Options struct {
	// Dir, when set, serves the built app from this directory (a
	// web/dist on disk) instead of the embedded copy: for front-end
	// work without rebuilding the binary.
	Dir string
}

// Assets returns the built app: the embedded web/dist, or dir when set.
func Assets(dir string) (fs.FS, error) {
	if dir != "" {
		if _, err := os.Stat(path.Join(dir, "index.html")); err != nil {
			return nil, fmt.Errorf("web assets %s: %w", dir, err)
		}
		return os.DirFS(dir), nil
	}
	return fs.Sub(dist, "dist")
}

// securityHeaders are sent with every page: scripts and connections
// only to this server, nothing framed from elsewhere. Styles may be
// inline because the widgets build their shadow-root stylesheets in
// script.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "same-origin",
}

// Handler serves the app. An unknown path gets index.html with status
// 404, so the app can show its not-found page.
func Handler(opts Options) (http.Handler, error) {
	assets, err := Assets(opts.Dir)
	if err != nil {
		return nil, err
	}
	index, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		return nil, fmt.Errorf("web assets: %w", err)
	}
	// From a directory (front-end work), each page reads the current
	// build, whose index names the new bundle.
	current := func() []byte { return index }
	if opts.Dir != "" {
		current = func() []byte {
			if b, err := fs.ReadFile(assets, "index.html"); err == nil {
				return b
			}
			return index
		}
	}
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		for k, v := range securityHeaders {
			w.Header().Set(k, v)
		}
		p := r.URL.Path
		if strings.HasPrefix(p, "/assets/") && !strings.HasSuffix(p, "/") {
			if _, err := fs.Stat(assets, strings.TrimPrefix(p, "/")); err == nil {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				files.ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
			return
		}
		if p != "/" && !strings.HasSuffix(p, "/") && !strings.HasSuffix(p, ".html") {
			if st, err := fs.Stat(assets, strings.TrimPrefix(p, "/")); err == nil && !st.IsDir() {
				w.Header().Set("Cache-Control", "public, max-age=300")
				files.ServeHTTP(w, r)
				return
			}
		}
		status := http.StatusOK
		if !Route(p) {
			status = http.StatusNotFound
		}
		index := current()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Length", strconv.Itoa(len(index)))
		w.WriteHeader(status)
		if r.Method == http.MethodGet {
			_, _ = w.Write(index)
		}
	}), nil
}

var asPath = regexp.MustCompile(`^(?i:as)?[0-9]{1,10}$`)

// Route reports whether p is one of the app's pages: /, /search,
// /incidents, /incidents/ID, /monitored, /bgplay/RESOURCE and the
// resource pages /AS4725, /202.33.14.1, /202.33.0.0/16, /2001:db8::/32.
func Route(p string) bool {
	switch p {
	case "/", "/search", "/incidents", "/monitored":
		return true
	}
	if id, ok := strings.CutPrefix(p, "/incidents/"); ok {
		return id != "" && !strings.Contains(id, "/")
	}
	if res, ok := strings.CutPrefix(p, "/bgplay/"); ok {
		return resource(res)
	}
	return resource(strings.TrimPrefix(p, "/"))
}

// resource reports whether s is an AS number, an address or a prefix
// (several, comma-separated, for BGPlay).
func resource(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range strings.Split(s, ",") {
		if asPath.MatchString(r) {
			continue
		}
		if _, err := netip.ParsePrefix(r); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(r); err == nil {
			continue
		}
		return false
	}
	return true
}
