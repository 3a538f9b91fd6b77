package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/routestat/routestat/internal/sharedtest"
)

func runCLI(t *testing.T, stdin io.Reader, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	status = run(args, stdin, &out, &errb)
	return status, out.String(), errb.String()
}

func TestVersionAndHelp(t *testing.T) {
	st, out, _ := runCLI(t, nil, "version")
	if st != 0 || !strings.HasPrefix(out, "routestat ") {
		t.Errorf("version: status %d, %q", st, out)
	}
	st, out, _ = runCLI(t, nil, "help")
	if st != 0 || !strings.Contains(out, "mrtdump") {
		t.Errorf("help: status %d, %q", st, out)
	}
	st, _, errOut := runCLI(t, nil, "frobnicate")
	if st != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: status %d, %q", st, errOut)
	}
}

// TestMRTDumpMatchesBgpdump runs the command end to end on a real file and
// compares with bgpdump's stored output.
func TestMRTDumpMatchesBgpdump(t *testing.T) {
	path := sharedtest.MRT(t, "incident-youtube-2008/updates.20080224.2056.bz2")
	st, out, errOut := runCLI(t, nil, "mrtdump", "-m", path)
	if st != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", st, errOut)
	}
	f, err := os.Open(path + ".bgpdump-m.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Fatalf("output differs from bgpdump -m (%d vs %d bytes)", len(out), len(want))
	}
	// The hijack's end, as RIPE NCC's case study tells it: AS13237
	// withdraws the /24 at 21:01:21 UTC.
	if !strings.Contains(out, "BGP4MP|1203886881|W|81.209.156.1|13237|208.65.153.0/24\n") {
		t.Error("withdrawal of 208.65.153.0/24 at 21:01:21 missing")
	}
}

func TestMRTDumpStdinAndOutputFile(t *testing.T) {
	path := sharedtest.MRT(t, "ripe-bgpdump-testdata/updates.nlri_mask_trailing_bits.gz")
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	outFile := filepath.Join(t.TempDir(), "out.txt")
	st, _, errOut := runCLI(t, in, "mrtdump", "--fix", "-O", outFile, "-")
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	got, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(path + ".bgpdump-upstream-expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("--fix from stdin = %q, want %q", got, want)
	}
}

// TestMRTDumpBadInput checks that bad input gives a clear message naming
// the file and offset, never a crash, and the exit statuses.
func TestMRTDumpBadInput(t *testing.T) {
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.mrt")
	// A BGP4MP_MESSAGE_AS4 header declaring 100 bytes, followed by 10.
	rec := []byte{0, 0, 0, 1, 0, 16, 0, 4, 0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if err := os.WriteFile(truncated, rec, 0o644); err != nil {
		t.Fatal(err)
	}
	st, out, errOut := runCLI(t, nil, "mrtdump", truncated)
	if st != 0 || out != "" {
		t.Errorf("truncated: status %d (want 0, as bgpdump), output %q", st, out)
	}
	if !strings.Contains(errOut, truncated) || !strings.Contains(errOut, "byte offset 0") || !strings.Contains(errOut, "truncated") {
		t.Errorf("truncated: message %q lacks file, offset or cause", errOut)
	}
	if st, _, _ := runCLI(t, nil, "mrtdump", "--strict", truncated); st != 1 {
		t.Errorf("--strict on damaged input: status %d, want 1", st)
	}
	missing := filepath.Join(dir, "missing.mrt")
	st, _, errOut = runCLI(t, nil, "mrtdump", missing)
	if st != 1 || !strings.Contains(errOut, missing) {
		t.Errorf("missing file: status %d, %q", st, errOut)
	}
	if st, _, _ := runCLI(t, nil, "mrtdump", "-t", "sometimes", truncated); st != 2 {
		t.Errorf("bad -t: status %d, want 2", st)
	}
	if st, _, _ := runCLI(t, nil, "mrtdump"); st != 2 {
		t.Errorf("no file: status %d, want 2", st)
	}
}

func TestMRTDumpSummary(t *testing.T) {
	path := sharedtest.MRT(t, "ripe-bgpdump-testdata/updates.20020722.2238.gz")
	st, out, errOut := runCLI(t, nil, "mrtdump", "--summary", path)
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	// PROVENANCE: 1,121 records; 825 A, 2,419 W and 93 STATE lines.
	for _, want := range []string{"records 1121\n", "routes 825\n", "withdrawals 2419\n", "state_changes 93\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", strings.TrimSpace(want), out)
		}
	}
}

// TestMRTDumpJSON checks --json (one object per route or event) and
// --json-messages (one per BGP message) on the sample archive against the
// -m output of the same file.
func TestMRTDumpJSON(t *testing.T) {
	sample := filepath.Join("..", "..", "mrtdump", "testdata", "sample", "updates.sample.gz")
	st, lines, errOut := runCLI(t, nil, "mrtdump", "-m", sample)
	if st != 0 {
		t.Fatalf("-m: status %d: %s", st, errOut)
	}
	st, perRoute, errOut := runCLI(t, nil, "mrtdump", "--json", "--host", "rrc00", sample)
	if st != 0 {
		t.Fatalf("--json: status %d: %s", st, errOut)
	}
	st, perMsg, errOut := runCLI(t, nil, "mrtdump", "--json-messages", "--raw", sample)
	if st != 0 {
		t.Fatalf("--json-messages: status %d: %s", st, errOut)
	}
	type obj struct {
		Type          string `json:"type"`
		Host          string `json:"host"`
		Raw           string `json:"raw"`
		Announcements []struct {
			Prefixes []string `json:"prefixes"`
		} `json:"announcements"`
		Withdrawals []string `json:"withdrawals"`
	}
	parse := func(out string) []obj {
		var objs []obj
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			var o obj
			if err := json.Unmarshal([]byte(l), &o); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			objs = append(objs, o)
		}
		return objs
	}
	routes := parse(perRoute)
	if n := strings.Count(lines, "\n"); len(routes) != n {
		t.Fatalf("--json printed %d objects, -m %d lines", len(routes), n)
	}
	for i, l := range strings.Split(strings.TrimSuffix(lines, "\n"), "\n") {
		f := strings.Split(l, "|")
		o := routes[i]
		switch f[2] {
		case "A":
			if o.Type != "UPDATE" || len(o.Announcements) == 0 || o.Announcements[0].Prefixes[0] != f[5] {
				t.Errorf("line %d: %s\nJSON %+v", i, l, o)
			}
		case "W":
			if o.Type != "UPDATE" || len(o.Withdrawals) != 1 || o.Withdrawals[0] != f[5] {
				t.Errorf("line %d: %s\nJSON %+v", i, l, o)
			}
		case "STATE":
			if o.Type != "RIS_PEER_STATE" {
				t.Errorf("line %d: %s\nJSON %+v", i, l, o)
			}
		}
		if o.Host != "rrc00" {
			t.Errorf("host %q", o.Host)
		}
	}
	msgs := parse(perMsg)
	if len(msgs) >= len(routes) || msgs[len(msgs)-2].Raw == "" {
		t.Errorf("--json-messages printed %d objects (per route: %d), raw %q", len(msgs), len(routes), msgs[len(msgs)-2].Raw)
	}
}
