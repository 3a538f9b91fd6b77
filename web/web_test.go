package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRoute(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/", true}, {"/search", true}, {"/incidents", true}, {"/monitored", true},
		{"/incidents/20080224T205225Z-14e49152", true}, {"/incidents/", false}, {"/incidents/a/b", false},
		{"/AS4725", true}, {"/as4725", true}, {"/4725", true}, {"/ASX", false},
		{"/202.33.0.0/16", true}, {"/202.33.14.1", true}, {"/2001:db8::/32", true}, {"/2001:db8::1", true},
		{"/202.33.0.0/33", false}, {"/bgplay/208.65.153.0/24", true}, {"/bgplay/AS36561,208.65.152.0/22", true},
		{"/bgplay/", false}, {"/bgplay/<script>", false}, {"/favicon.ico", false}, {"/etc/passwd", false},
	}
	for _, tt := range tests {
		if got := Route(tt.path); got != tt.want {
			t.Errorf("Route(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestHandler(t *testing.T) {
	h, err := Handler(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	assets, err := Assets("")
	if err != nil {
		t.Fatal(err)
	}
	index, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := fs.Glob(assets, "assets/*.js")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no built script in web/dist/assets (%v): run make web", err)
	}
	tests := []struct {
		method, path string
		code         int
		body         []byte // nil: not checked
		cache        string
	}{
		{"GET", "/", 200, index, "no-cache"},
		{"GET", "/AS4725", 200, index, "no-cache"},
		{"GET", "/202.33.0.0/16", 200, index, "no-cache"},
		{"HEAD", "/incidents", 200, []byte{}, "no-cache"},
		{"GET", "/no/such/page", 404, index, "no-cache"},
		{"GET", "/" + scripts[0], 200, nil, "public, max-age=31536000, immutable"},
		{"GET", "/assets/missing.js", 404, nil, ""},
		{"GET", "/assets/", 404, nil, ""},
		{"POST", "/", 405, nil, ""},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s %s: HTTP %d, want %d", tt.method, tt.path, resp.StatusCode, tt.code)
			continue
		}
		if tt.body != nil && !bytes.Equal(body, tt.body) {
			t.Errorf("%s %s: body %.80q, want %.80q", tt.method, tt.path, body, tt.body)
		}
		if tt.cache != "" && resp.Header.Get("Cache-Control") != tt.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tt.method, tt.path, resp.Header.Get("Cache-Control"), tt.cache)
		}
		if tt.code == 200 && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s %s: Content-Security-Policy %q", tt.method, tt.path, resp.Header.Get("Content-Security-Policy"))
		}
	}
}

// TestAssetsFresh recomputes the hash of the front-end sources exactly as
// web/scripts/stamp.mjs does and compares it with the SOURCE-HASH the
// last build wrote: sources changed without "make web" fail here, so the
// committed assets cannot drift from their sources.
func TestAssetsFresh(t *testing.T) {
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{"web/index.html", "web/package.json", "web/package-lock.json", "web/vite.config.js",
		"web/vite.widgets.config.js", "web/src", "widgets/src"}
	var files []string
	for _, in := range inputs {
		err := filepath.WalkDir(filepath.Join(repo, in), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				rel, err := filepath.Rel(repo, p)
				if err != nil {
					return err
				}
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(files)
	outer := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			t.Fatal(err)
		}
		inner := sha256.Sum256(b)
		fmt.Fprintf(outer, "%s\x00%s\n", f, hex.EncodeToString(inner[:]))
	}
	want := hex.EncodeToString(outer.Sum(nil)) + "\n"
	for _, dir := range []string{"web/dist", "widgets/dist"} {
		got, err := os.ReadFile(filepath.Join(repo, dir, "SOURCE-HASH"))
		if err != nil {
			t.Fatalf("%s: %v (run make web)", dir, err)
		}
		if string(got) != want {
			t.Errorf("%s/SOURCE-HASH is %q, the sources hash to %q: the built assets are stale, run make web and commit them", dir, got, want)
		}
	}
}

// TestBundleSize keeps the UI's scripts and styles under 300 KB
// gzipped (issue 7's budget).
func TestBundleSize(t *testing.T) {
	assets, err := Assets("")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	err = fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") || strings.HasSuffix(p, ".html")) {
			return err
		}
		b, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		t.Logf("%s: %d bytes, %d gzipped", p, len(b), z.Len())
		total += z.Len()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || total > 300<<10 {
		t.Errorf("the UI is %d bytes gzipped; the budget is 300 KB", total)
	}
}
