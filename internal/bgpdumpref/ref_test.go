package bgpdumpref

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	in := `TABLE_DUMP2|1401487200|B|196.223.14.55|30844|41.76.224.0/24|30844 327693 {11845,36994}|INCOMPLETE|196.223.14.55|0|0||NAG|327693 41.76.224.224|
BGP4MP|1203878877|A|129.250.0.11|2914|208.65.153.0/24|2914 3491 17557|IGP|129.250.0.11|0|46|2914:420 2914:2000|NAG||
TABLE_DUMP2_AP|1452168107|B|10.0.15.1|65015|10.0.10.0/24|36|65015 65014|IGP|10.0.15.1|100|0||AG||
BGP|936348099|A|193.0.0.56|3333|62.0.0.0/16|3333 1103 1680|IGP|193.0.0.56|0|0|AG|1680 199.203.0.141|
BGP4MP_ET|1445565711.010749|W|206.220.231.55|3856|84.205.78.0/24
BGP4MP|1027377532|STATE|193.203.0.15|6829|6|1
`
	lines, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 6 {
		t.Fatalf("%d lines", len(lines))
	}
	tests := []struct {
		got, want any
	}{
		{lines[0].ASPath, "30844 327693 {11845,36994}"},
		{lines[0].Aggregator, "327693 41.76.224.224"},
		{lines[0].Origin, "INCOMPLETE"},
		{lines[1].MED, uint32(46)},
		{lines[1].Community, "2914:420 2914:2000"},
		{lines[1].Prefix, netip.MustParsePrefix("208.65.153.0/24")},
		{lines[2].PathID, uint32(36)},
		{lines[2].LocalPref, uint32(100)},
		{lines[2].AtomicAggregate, true},
		{lines[3].Community, ""},
		{lines[3].AtomicAggregate, true},
		{lines[3].Aggregator, "1680 199.203.0.141"},
		{lines[4].Time, time.Unix(1445565711, 10749000).UTC()},
		{lines[4].Kind, "W"},
		{lines[5].NewState, 1},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("case %d: got %v, want %v", i, tc.got, tc.want)
		}
	}
	if as, ok := lines[1].OriginAS(); !ok || as != 17557 {
		t.Errorf("origin %d %v", as, ok)
	}
	if _, ok := lines[0].OriginAS(); ok {
		t.Errorf("AS_SET origin reported")
	}
	m := NewModel()
	m.Apply(lines[1])
	m.Apply(Line{Kind: "A", Peer: lines[5].Peer, Prefix: lines[1].Prefix})
	if got := len(m.Of(lines[1].Prefix)); got != 2 {
		t.Fatalf("%d routes", got)
	}
	m.Apply(lines[5]) // 193.203.0.15 leaves Established
	if got := m.Of(lines[1].Prefix); len(got) != 1 || got[0].Peer != lines[1].Peer {
		t.Errorf("after session down: %v", got)
	}
}

func TestReadErrors(t *testing.T) {
	for _, in := range []string{"BGP4MP|x|A|1.2.3.4|1|1.0.0.0/8", "BGP4MP|1|W|nope|1|1.0.0.0/8", "BGP4MP|1|A|1.2.3.4|1|1.0.0.0/8|1|IGP"} {
		if _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
