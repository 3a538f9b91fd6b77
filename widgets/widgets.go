package widgets

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// LoaderPaths are the paths widget_api.js is served at.
var LoaderPaths = []string{"/widgets/widget_api.js", "/widget-api/widget_api.js", "/widget-api/v1.2/widget_api.js"}

// Options configure Handler.
type Options struct {
	// Dir, when set, serves the built widgets from this directory (a
	// widgets/dist on disk) instead of the embedded copy.
	Dir string
}

// Assets returns the built widgets: the embedded widgets/dist, or dir.
func Assets(dir string) (fs.FS, error) {
	if dir != "" {
		if _, err := os.Stat(path.Join(dir, "widget_api.js")); err != nil {
			return nil, fmt.Errorf("widget assets %s: %w", dir, err)
		}
		return os.DirFS(dir), nil
	}
	return fs.Sub(dist, "dist")
}

var widgetName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)

// page is the single-widget page: the loader mounts the widget named in
// data-page into #widget from the URL fragment.
var page = template.Must(template.New("widget").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.}} · routestat</title>
<link rel="icon" href="data:,">
<style>html,body{margin:0;padding:0}body{padding:12px;background:Canvas;color:CanvasText;font-family:system-ui,sans-serif}@media (prefers-color-scheme:dark){html{color-scheme:dark}}</style>
</head>
<body>
<div id="widget"></div>
<script src="/widgets/widget_api.js" data-page="{{.}}"></script>
</body>
</html>
`))

// Handler serves the loader at LoaderPaths, other built files under
// /widgets/, and the single-widget pages under /widget/. Mount it at
// "/widgets/", "/widget-api/" and "/widget/".
func Handler(opts Options) (http.Handler, error) {
	assets, err := Assets(opts.Dir)
	if err != nil {
		return nil, err
	}
	loader, err := fs.ReadFile(assets, "widget_api.js")
	if err != nil {
		return nil, fmt.Errorf("widget assets: %w", err)
	}
	// From a directory (front-end work), each request reads the current
	// build.
	current := func() []byte { return loader }
	if opts.Dir != "" {
		current = func() []byte {
			if b, err := fs.ReadFile(assets, "widget_api.js"); err == nil {
				return b
			}
			return loader
		}
	}
	files := http.StripPrefix("/widgets/", http.FileServerFS(assets))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		p := r.URL.Path
		for _, lp := range LoaderPaths {
			if p == lp {
				loader := current()
				// Embedded in other sites' pages: readable from anywhere,
				// cached briefly (the name carries no version).
				w.Header().Set("Access-Control-Allow-Origin", "*")
				w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
				w.Header().Set("Cache-Control", "public, max-age=300")
				w.Header().Set("Content-Length", strconv.Itoa(len(loader)))
				if r.Method == http.MethodGet {
					_, _ = w.Write(loader)
				}
				return
			}
		}
		if name, ok := strings.CutPrefix(p, "/widget/"); ok {
			if !widgetName.MatchString(name) {
				http.Error(w, fmt.Sprintf("widget name %q: expected lower-case letters, digits and dashes", name), http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'")
			var b bytes.Buffer
			if err := page.Execute(&b, name); err != nil {
				http.Error(w, "widget page: "+err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = w.Write(b.Bytes())
			return
		}
		if strings.HasPrefix(p, "/widgets/") && !strings.HasSuffix(p, "/") {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Cache-Control", "public, max-age=300")
			files.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}), nil
}

// Prefixes are the mux patterns Handler answers.
var Prefixes = []string{"/widgets/", "/widget-api/", "/widget/"}
