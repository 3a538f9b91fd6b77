package index

import (
	"errors"
	"strings"
	"testing"
)

// TestDocs stores, lists, replaces and deletes documents, checks bad
// namespaces, and copies documents to another store.
func TestDocs(t *testing.T) {
	ix := openTest(t, Options{})
	for _, d := range []struct{ ns, key, val string }{
		{"hijack.incident", "b", "2"}, {"hijack.incident", "a", "1"}, {"other", "a", "x"},
	} {
		if err := ix.PutDoc(d.ns, d.key, []byte(d.val)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.PutDoc("hijack.incident", "a", []byte("1bis")); err != nil {
		t.Fatal(err)
	}
	list := func(ix *Index, ns string) string {
		var out []string
		if err := ix.Docs(ns, func(k string, v []byte) error {
			out = append(out, k+"="+string(v))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, ",")
	}
	if got := list(ix, "hijack.incident"); got != "a=1bis,b=2" {
		t.Errorf("documents %q", got)
	}
	if err := ix.DeleteDoc("hijack.incident", "b"); err != nil {
		t.Fatal(err)
	}
	if got := list(ix, "hijack.incident"); got != "a=1bis" {
		t.Errorf("after delete %q", got)
	}
	stop := errors.New("stop")
	if err := ix.Docs("other", func(string, []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
	for _, ns := range []string{"", "a\x00b"} {
		if err := ix.PutDoc(ns, "k", nil); err == nil {
			t.Errorf("namespace %q accepted", ns)
		}
	}
	if err := ix.PutDoc("ns", "", nil); err == nil {
		t.Error("empty key accepted")
	}
	dst := openTest(t, Options{})
	if err := CopyDocs(dst, ix); err != nil {
		t.Fatal(err)
	}
	if got := list(dst, "hijack.incident") + ";" + list(dst, "other"); got != "a=1bis;a=x" {
		t.Errorf("copied documents %q", got)
	}
}
