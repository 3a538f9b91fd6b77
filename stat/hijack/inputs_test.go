package hijack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInputsFromFiles runs the engine with RPKI VRPs (rpki-client JSON)
// and CAIDA relationships loaded from files by OpenInputs: the owner's
// announcement of a more specific than its ROA allows is RPKI-invalid,
// a hijacker is checked against the ROA (and the owner's more specific
// is reported as such), and a customer passing a
// provider's route to another provider is a route leak.
func TestInputsFromFiles(t *testing.T) {
	dir := t.TempDir()
	vrps := filepath.Join(dir, "vrps.json")
	rels := filepath.Join(dir, "as-rel.txt")
	if err := os.WriteFile(vrps, []byte(`{"metadata":{"buildtime":"2026-01-01T00:00:00Z"},"roas":[
		{"asn": 4725, "prefix": "202.33.0.0/16", "maxLength": 16, "ta": "apnic", "expires": 1800000000}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// 64500 and 64501 are providers of 64510; 64510 is 4725's provider.
	if err := os.WriteFile(rels, []byte("# source: test\n64500|64510|-1\n64501|64510|-1\n64510|4725|-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := OpenInputs(vrps, rels, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	cfg := mustConfig(t, "prefixes:\n  202.33.0.0/16: {asn: 4725}\n")
	eng := NewEngine(cfg, in.Options(rec))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	peers := []struct {
		ip string
		as uint32
	}{{"192.0.2.1", 64601}, {"192.0.2.2", 64602}, {"192.0.2.3", 64603}}
	for i, p := range peers {
		// The owner's /24: more specific than the ROA's maxLength.
		ev := ann(t0.Add(time.Duration(i)*time.Second), "rrc00", p.ip, p.as, "202.33.1.0/24", p.as, 64510, 4725)
		eng.Process(&ev)
		// 64500 -> 64510 -> 64501: a customer passing a provider's route
		// to another provider.
		ev = ann(t0.Add(time.Duration(10+i)*time.Second), "rrc00", p.ip, p.as, "202.33.0.0/16", p.as, 64501, 64510, 64500, 64510, 4725)
		eng.Process(&ev)
		// A hijacker, invalid by the ROA.
		ev = ann(t0.Add(time.Duration(20+i)*time.Second), "rrc00", p.ip, p.as, "202.33.9.0/24", p.as, 64666)
		eng.Process(&ev)
	}
	byType := make(map[string]Incident)
	for _, inc := range rec.final() {
		byType[inc.Type] = inc
	}
	if inc, ok := byType[MonitorRPKI]; !ok || inc.OffendingOrigin != 4725 || inc.RPKI != "invalid" || !strings.Contains(inc.Why, "RPKI marks invalid") || !strings.Contains(inc.RPKIDetail, "202.33.0.0/16") {
		t.Errorf("rpki-invalid incident %+v", inc)
	}
	if inc, ok := byType[MonitorLeak]; !ok || inc.OffendingAS != 64510 || !strings.Contains(inc.Why, "AS64510 passed a route learned from its provider AS64500 to its provider AS64501") {
		t.Errorf("route-leak incident %+v", inc)
	}
	if inc, ok := byType[MonitorSubPrefix]; !ok || inc.RPKI != "invalid" || inc.Severity != SeverityCritical || !strings.Contains(inc.Why, "RPKI: invalid") {
		t.Errorf("hijack incident %+v", inc)
	}
	if inc, ok := byType[MonitorMoreSpecific]; !ok || inc.Hijack || inc.Severity != SeverityInfo {
		t.Errorf("more-specific incident %+v", inc)
	}
	if len(byType) != 4 {
		t.Errorf("incident types %v", byType)
	}
	if _, err := OpenInputs(filepath.Join(dir, "missing.json"), "", nil); err == nil {
		t.Error("missing VRP file accepted")
	}
	if err := os.WriteFile(rels, []byte("64500|64510|7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenInputs("", rels, nil); err == nil || !strings.Contains(err.Error(), "as-rel.txt:1") {
		t.Errorf("bad relationships file: %v", err)
	}
}
