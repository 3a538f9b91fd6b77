package mrtdump

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// risMessage is a ris_message's data with the types RIS Live clients
// (bgpkit's serde structs among them) insist on.
type risMessage struct {
	Timestamp     float64          `json:"timestamp"`
	Peer          string           `json:"peer"`
	PeerASN       string           `json:"peer_asn"`
	ID            string           `json:"id"`
	Host          string           `json:"host"`
	Type          string           `json:"type"`
	Path          []any            `json:"path"`
	Origin        string           `json:"origin"`
	Community     [][2]uint32      `json:"community"`
	Announcements []risAnnounce    `json:"announcements"`
	Withdrawals   []string         `json:"withdrawals"`
	State         string           `json:"state"`
	MRTType       string           `json:"mrt_type"`
	Raw           string           `json:"raw"`
	Notification  *json.RawMessage `json:"notification"`
}

type risAnnounce struct {
	NextHop  string   `json:"next_hop"`
	Prefixes []string `json:"prefixes"`
}

// checkRISLine decodes one output line strictly and checks the fields every
// ris_message has.
func checkRISLine(t testing.TB, line []byte) risMessage {
	t.Helper()
	var m risMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("line is not a ris_message: %v\n%s", err, line)
	}
	if dec.More() {
		t.Fatalf("more than one value on a line:\n%s", line)
	}
	if m.Timestamp <= 0 || m.ID == "" || m.Type == "" {
		t.Fatalf("timestamp, id or type missing:\n%s", line)
	}
	if _, err := netip.ParseAddr(m.Peer); err != nil {
		t.Fatalf("peer %q: %v", m.Peer, err)
	}
	if m.Type == "UPDATE" {
		if m.Withdrawals == nil || m.Announcements == nil || m.Path == nil || m.Community == nil {
			t.Fatalf("UPDATE without path, community, announcements or withdrawals arrays:\n%s", line)
		}
		for _, a := range m.Announcements {
			for _, p := range a.Prefixes {
				pp, err := netip.ParsePrefix(p)
				if err != nil || pp.Masked() != pp {
					t.Fatalf("announced prefix %q is not a canonical prefix:\n%s", p, line)
				}
			}
		}
		for _, p := range m.Withdrawals {
			if _, err := netip.ParsePrefix(p); err != nil {
				t.Fatalf("withdrawn prefix %q: %v", p, err)
			}
		}
	}
	return m
}

// jsonArchive writes records that exercise every kind of JSON object:
// OPEN with capabilities, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH, a 2-byte
// session with AS4_PATH, ADD-PATH, an IPv6 link-local next hop, an ET
// timestamp, TABLE_DUMP_V2 RIB entries and legacy TABLE_DUMP.
func jsonArchive(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	peer := &BGP4MPInfo{Time: 1767225600, PeerAS: 64500, LocalAS: 64496, PeerAddr: netip.MustParseAddr("192.0.2.1"), LocalAddr: netip.MustParseAddr("192.0.2.254"), AS4: true, ET: true, Microseconds: 420000}
	// OPEN: AS_TRANS with a 4-byte ASN capability, two families, route
	// refresh, ADD-PATH.
	caps := []byte{1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 2, 0, 65, 4, 0x00, 0x03, 0x0d, 0x40, 69, 4, 0, 1, 1, 1}
	open := append([]byte{}, bgpMarker[:]...)
	open = append(open, 0, 0, MsgOpen, 4, ASTrans>>8, ASTrans&0xff, 0, 180, 192, 0, 2, 1, byte(2+len(caps)), 2, byte(len(caps)))
	open = append(open, caps...)
	binary.BigEndian.PutUint16(open[16:], uint16(len(open)))
	must(w.WriteMessage(peer, open))
	peer.Local = true
	must(w.WriteMessage(peer, open))
	peer.Local = false
	keep := append(append([]byte{}, bgpMarker[:]...), 0, 19, MsgKeepalive)
	must(w.WriteMessage(peer, keep))
	rr := append(append([]byte{}, bgpMarker[:]...), 0, 23, MsgRouteRefresh, 0, 1, 0, 1)
	must(w.WriteMessage(peer, rr))

	origin := attr(0x40, AttrOrigin, []byte{2})
	nh := attr(0x40, AttrNextHop, []byte{192, 0, 2, 1})
	// ADD-PATH UPDATE with an AS_SET and a withdrawal.
	ap := &BGP4MPInfo{Time: 1767225601, PeerAS: 64500, LocalAS: 64496, PeerAddr: netip.MustParseAddr("192.0.2.1"), LocalAddr: netip.MustParseAddr("192.0.2.254"), AS4: true, AddPath: true}
	attrs := append(append(append([]byte{}, origin...), attr(0x40, AttrASPath, asPath([]uint32{64500, 64510}, []uint32{65010, 65011}))...), nh...)
	var upd []byte
	upd = append(upd, bgpMarker[:]...)
	wd := append(u32s(7), 24, 198, 51, 100)
	nlri := append(u32s(1), 24, 203, 0, 113)
	nlri = append(nlri, append(u32s(2), 24, 203, 0, 113)...)
	upd = append(upd, 0, 0, MsgUpdate)
	upd = binary.BigEndian.AppendUint16(upd, uint16(len(wd)))
	upd = append(upd, wd...)
	upd = binary.BigEndian.AppendUint16(upd, uint16(len(attrs)))
	upd = append(upd, attrs...)
	upd = append(upd, nlri...)
	binary.BigEndian.PutUint16(upd[16:], uint16(len(upd)))
	must(w.WriteMessage(ap, upd))

	// A 2-byte session: AS_TRANS in AS_PATH, the real ASN in AS4_PATH;
	// host bits in the NLRI are cleared in the output.
	two := &BGP4MPInfo{Time: 1767225602, PeerAS: 64501, LocalAS: 64496, PeerAddr: netip.MustParseAddr("192.0.2.2"), LocalAddr: netip.MustParseAddr("192.0.2.254")}
	p2 := []byte{SegSequence, 2, 0xfb, 0xf5, ASTrans >> 8, ASTrans & 0xff}
	p4 := append([]byte{SegSequence, 1}, u32s(4200000005)...)
	attrs2 := append(append(append(append([]byte{}, attr(0x40, AttrOrigin, []byte{0})...), attr(0x40, AttrASPath, p2)...), nh...), attr(0xc0, AttrAS4Path, p4)...)
	attrs2 = append(attrs2, attr(0x80, AttrMED, u32s(10))...)
	attrs2 = append(attrs2, attr(0x40, AttrLocalPref, u32s(200))...)
	up2 := bgpUpdate(nil, attrs2, nil)
	up2 = append(up2, 25, 198, 51, 100, 0xff)
	binary.BigEndian.PutUint16(up2[16:], uint16(len(up2)))
	must(w.WriteMessage(two, up2))

	// IPv6 with a global and a link-local next hop, and an MP withdrawal.
	v6 := &BGP4MPInfo{Time: 1767225603, PeerAS: 64502, LocalAS: 64496, PeerAddr: netip.MustParseAddr("2001:db8::2"), LocalAddr: netip.MustParseAddr("2001:db8::fe"), AS4: true}
	mp := []byte{0, 2, 1, 32}
	mp = append(mp, netip.MustParseAddr("2001:db8::2").AsSlice()...)
	mp = append(mp, netip.MustParseAddr("fe80::2").AsSlice()...)
	mp = append(mp, 0)
	mp = appendNLRI(mp, netip.MustParsePrefix("2001:db8:2000::/36"))
	unreach := appendNLRI([]byte{0, 2, 1}, netip.MustParsePrefix("2001:db8:3000::/36"))
	attrs6 := append(append(append([]byte{}, origin...), attr(0x40, AttrASPath, asPath([]uint32{64502}))...), attr(0x80, AttrMPReach, mp)...)
	attrs6 = append(attrs6, attr(0x80, AttrMPUnreach, unreach)...)
	must(w.WriteMessage(v6, bgpUpdate(nil, attrs6, nil)))

	notif := append(append([]byte{}, bgpMarker[:]...), 0, 0, MsgNotification, 6, 2, 0xab)
	binary.BigEndian.PutUint16(notif[16:], uint16(len(notif)))
	must(w.WriteMessage(peer, notif))
	peer.Microseconds = 5
	must(w.WriteStateChange(peer, 6, 1))

	// A RIB dump: one IPv4 entry and an ADD-PATH IPv6 entry.
	pit := &PeerIndexTable{CollectorID: [4]byte{192, 0, 2, 254}, ViewName: "", Peers: []Peer{
		{BGPID: [4]byte{192, 0, 2, 1}, Addr: [16]byte{192, 0, 2, 1}, AS: 64500},
		{BGPID: [4]byte{192, 0, 2, 2}, Addr: netip.MustParseAddr("2001:db8::2").As16(), IPv6: true, AS: 64502},
	}}
	must(w.WritePeerIndexTable(1767225900, pit))
	ribAttrs := append(append(append([]byte{}, attr(0x40, AttrOrigin, []byte{0})...), attr(0x40, AttrASPath, asPath([]uint32{64500, 65001}))...), nh...)
	ribAttrs = append(ribAttrs, attr(0xc0, AttrCommunities, u32s(64500<<16|1))...)
	must(w.WriteRIB(1767225900, &RIB{Prefix: Prefix{Addr: [16]byte{203, 0, 113}, Bits: 24}, SAFI: 1, Entries: []RIBEntry{{PeerIndex: 0, OriginatedTime: 1767000000, Attrs: ribAttrs}}}))
	mp6 := append([]byte{16}, netip.MustParseAddr("2001:db8::2").AsSlice()...)
	rib6 := append(append(append([]byte{}, attr(0x40, AttrOrigin, []byte{0})...), attr(0x40, AttrASPath, asPath([]uint32{64502}))...), attr(0x80, AttrMPReach, mp6)...)
	must(w.WriteRIB(1767225900, &RIB{Prefix: Prefix{Addr: netip.MustParseAddr("2001:db8:2000::").As16(), Bits: 36, IPv6: true}, SAFI: 1, AddPath: true, Entries: []RIBEntry{{PeerIndex: 1, OriginatedTime: 1767000001, PathID: 9, Attrs: rib6}}}))
	must(w.Flush())

	// A legacy TABLE_DUMP record (2-byte ASNs), written by hand.
	td := []byte{0, 0, 0, 1, 192, 0, 2, 0, 24, 1}
	td = binary.BigEndian.AppendUint32(td, 960000000)
	td = append(td, 192, 0, 2, 9, 0xfb, 0xf6)
	tdAttrs := append(append(append([]byte{}, attr(0x40, AttrOrigin, []byte{0})...), attr(0x40, AttrASPath, []byte{SegSequence, 1, 0xfb, 0xf6})...), attr(0x40, AttrNextHop, []byte{192, 0, 2, 9})...)
	td = binary.BigEndian.AppendUint16(td, uint16(len(tdAttrs)))
	td = append(td, tdAttrs...)
	hdr := binary.BigEndian.AppendUint32(nil, 960000000)
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(TypeTableDump))
	hdr = binary.BigEndian.AppendUint16(hdr, SubTableDumpIPv4)
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(len(td)))
	buf.Write(hdr)
	buf.Write(td)
	return buf.Bytes()
}

// encodeJSON encodes every record of an MRT stream.
func encodeJSON(t testing.TB, r *Reader, opt JSONOptions) []byte {
	t.Helper()
	var out bytes.Buffer
	e := NewJSONEncoder(&out, opt)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if err := e.Record(rec); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestJSONGolden(t *testing.T) {
	sample, err := Open(samplePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sample.Close()
	cases := []struct {
		name string
		r    *Reader
		opt  JSONOptions
	}{
		{"sample", sample.Reader, JSONOptions{Host: "rrc00"}},
		{"crafted", NewReader(bytes.NewReader(jsonArchive(t))), JSONOptions{Host: `rs"1</script>`, IncludeRaw: true}},
		{"crafted-split", NewReader(bytes.NewReader(jsonArchive(t))), JSONOptions{Host: "rrc00", SplitRoutes: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := encodeJSON(t, c.r, c.opt)
			for line := range bytes.Lines(got) {
				m := checkRISLine(t, line)
				if m.Host != c.opt.Host {
					t.Fatalf("host %q, want %q", m.Host, c.opt.Host)
				}
			}
			golden := filepath.Join("testdata", "json", c.name+".ndjson")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./mrtdump -run TestJSONGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("output differs from %s at %s", golden, firstDiff(want, got))
			}
		})
	}
}

// TestJSONFields checks the crafted archive's objects field by field, so
// that the golden file is not the only judge.
func TestJSONFields(t *testing.T) {
	out := encodeJSON(t, NewReader(bytes.NewReader(jsonArchive(t))), JSONOptions{Host: "rrc99", IncludeRaw: true})
	var ms []risMessage
	var raw []map[string]any
	for line := range bytes.Lines(out) {
		ms = append(ms, checkRISLine(t, line))
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		raw = append(raw, m)
	}
	if len(ms) != 12 {
		t.Fatalf("%d objects, want 12:\n%s", len(ms), out)
	}
	types := make([]string, len(ms))
	for i, m := range ms {
		types[i] = m.Type
	}
	wantTypes := "OPEN OPEN KEEPALIVE ROUTE_REFRESH UPDATE UPDATE UPDATE NOTIFICATION RIS_PEER_STATE UPDATE UPDATE UPDATE"
	if got := strings.Join(types, " "); got != wantTypes {
		t.Fatalf("types %s, want %s", got, wantTypes)
	}
	open := raw[0]
	if open["asn"] != 200000.0 || open["direction"] != "received" || raw[1]["direction"] != "sent" || open["hold_time"] != 180.0 {
		t.Errorf("OPEN: %v", open)
	}
	capsJSON, _ := json.Marshal(open["capabilities"])
	if want := `{"1":{"families":["ipv4/unicast","ipv6/unicast"],"name":"multiprotocol"},"2":{"name":"route-refresh"},"65":{"asn":200000,"name":"asn4"},"69":{"data":"00010101","name":"add-path"}}`; string(capsJSON) != want {
		t.Errorf("capabilities %s, want %s", capsJSON, want)
	}
	if ms[0].Timestamp != 1767225600.42 || !strings.HasPrefix(ms[0].Raw, "FFFFFFFF") {
		t.Errorf("OPEN timestamp %v raw %q", ms[0].Timestamp, ms[0].Raw)
	}
	ap := ms[4]
	pathJSON, _ := json.Marshal(ap.Path)
	if string(pathJSON) != "[64500,64510,[65010,65011]]" || ap.Origin != "incomplete" {
		t.Errorf("ADD-PATH UPDATE path %s origin %q", pathJSON, ap.Origin)
	}
	if len(ap.Announcements) != 1 || strings.Join(ap.Announcements[0].Prefixes, " ") != "203.0.113.0/24 203.0.113.0/24" ||
		strings.Join(ap.Withdrawals, " ") != "198.51.100.0/24" {
		t.Errorf("ADD-PATH UPDATE %+v", ap)
	}
	if ids, _ := json.Marshal(raw[4]["announcements"].([]any)[0].(map[string]any)["path_ids"]); string(ids) != "[1,2]" {
		t.Errorf("path_ids %s", ids)
	}
	two := raw[5]
	if p, _ := json.Marshal(two["path"]); string(p) != "[64501,4200000005]" || two["med"] != 10.0 || two["local_pref"] != 200.0 || two["peer_asn"] != "64501" {
		t.Errorf("2-byte session UPDATE %v", two)
	}
	if ms[5].Announcements[0].Prefixes[0] != "198.51.100.128/25" || ms[5].Announcements[0].NextHop != "192.0.2.1" {
		t.Errorf("host bits not cleared or next hop wrong: %+v", ms[5].Announcements)
	}
	v6 := ms[6]
	if len(v6.Announcements) != 2 || v6.Announcements[0].NextHop != "2001:db8::2" || v6.Announcements[1].NextHop != "fe80::2" ||
		v6.Announcements[1].Prefixes[0] != "2001:db8:2000::/36" || strings.Join(v6.Withdrawals, " ") != "2001:db8:3000::/36" {
		t.Errorf("IPv6 UPDATE %+v", v6)
	}
	n := raw[7]["notification"].(map[string]any)
	if n["code"] != 6.0 || n["subcode"] != 2.0 || n["data"] != "AB" {
		t.Errorf("NOTIFICATION %v", n)
	}
	if ms[8].State != "down" || ms[8].Timestamp != 1767225600.000005 {
		t.Errorf("state change %+v", ms[8])
	}
	rib := raw[9]
	if rib["mrt_type"] != "TABLE_DUMP_V2" || rib["originated"] != 1767000000.0 || ms[9].Timestamp != 1767225900 ||
		ms[9].Announcements[0].NextHop != "192.0.2.1" || ms[9].Community[0] != [2]uint32{64500, 1} {
		t.Errorf("RIB entry %v", rib)
	}
	if ms[10].Peer != "2001:db8::2" || ms[10].Announcements[0].NextHop != "2001:db8::2" || ms[10].Announcements[0].Prefixes[0] != "2001:db8:2000::/36" {
		t.Errorf("IPv6 ADD-PATH RIB entry %+v", ms[10])
	}
	if ms[11].MRTType != "TABLE_DUMP" || ms[11].PeerASN != "64502" || ms[11].Announcements[0].Prefixes[0] != "192.0.2.0/24" {
		t.Errorf("TABLE_DUMP entry %+v", ms[11])
	}
}

// TestJSONSharedCounts encodes every shared MRT file and checks that the
// JSON objects hold exactly the routes, withdrawals and state changes the
// bgpdump-style Dumper (with Fix, which decodes as JSONEncoder does)
// prints, and that every line is a valid ris_message.
func TestJSONSharedCounts(t *testing.T) {
	root, files := testMRTFiles(t)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			r := testOpenMRT(t, filepath.Join(root, rel))
			r.Resync = true
			var dump, js bytes.Buffer
			d := NewDumper(&dump, DumpOptions{Fix: true})
			e := NewJSONEncoder(&js, JSONOptions{Host: "rrc00", IncludeRaw: true})
			var split bytes.Buffer
			es := NewJSONEncoder(&split, JSONOptions{SplitRoutes: true})
			var dumpSkipped, jsonSkipped int
			// JSON holds unicast routes only; the Dumper prints multicast
			// ones from UPDATEs too.
			var mcast [3]int
			var m Message
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					var fe *FramingError
					if errors.As(err, &fe) && fe.Resumed {
						continue
					}
					break
				}
				if err := d.Record(rec); err != nil {
					dumpSkipped++
				}
				if rec.Type == TypeBGP4MP || rec.Type == TypeBGP4MPET {
					if DecodeMessage(rec.Body, rec.Subtype, &m) == nil && m.Type == MsgUpdate {
						for i := range m.Attrs.Reach {
							if r := &m.Attrs.Reach[i]; r.Present && r.SAFI != 1 {
								mcast[0] += len(r.Prefixes)
							}
							if u := &m.Attrs.Unreach[i]; u.Present && u.SAFI != 1 {
								mcast[1] += len(u.Prefixes)
							}
						}
					}
				}
				if err := e.Record(rec); err != nil {
					var de *DecodeError
					if !errors.As(err, &de) {
						t.Fatal(err)
					}
					jsonSkipped++
				}
				if err := es.Record(rec); err != nil {
					var de *DecodeError
					if !errors.As(err, &de) {
						t.Fatal(err)
					}
				}
			}
			if err := d.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := es.Flush(); err != nil {
				t.Fatal(err)
			}
			// With SplitRoutes every object is one route, withdrawal or
			// state change.
			var splitCount [3]int
			for line := range bytes.Lines(split.Bytes()) {
				var m risMessage
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatalf("split line: %v\n%s", err, line)
				}
				switch {
				case m.Type == "RIS_PEER_STATE":
					splitCount[2]++
				case m.Type == "UPDATE" && len(m.Withdrawals) == 1 && len(m.Announcements) == 0:
					splitCount[1]++
				case m.Type == "UPDATE" && len(m.Withdrawals) == 0 && len(m.Announcements) > 0 && len(m.Announcements[0].Prefixes) == 1:
					splitCount[0]++
				case m.Type == "UPDATE":
					t.Fatalf("split UPDATE with other than one route:\n%s", line)
				}
			}
			var want, got [3]int // routes, withdrawals, state changes
			for line := range bytes.Lines(dump.Bytes()) {
				f := bytes.SplitN(line, []byte{'|'}, 4)
				switch string(f[2]) {
				case "A", "B":
					want[0]++
				case "W":
					want[1]++
				case "STATE":
					want[2]++
				}
			}
			lines := 0
			for line := range bytes.Lines(js.Bytes()) {
				lines++
				var m risMessage
				if lines <= 2000 {
					m = checkRISLine(t, line)
				} else if err := json.Unmarshal(line, &m); err != nil {
					t.Fatalf("line %d: %v\n%s", lines, err, line)
				}
				switch m.Type {
				case "RIS_PEER_STATE":
					got[2]++
				case "UPDATE":
					got[1] += len(m.Withdrawals)
					for i, a := range m.Announcements {
						if i > 0 && strings.HasPrefix(a.NextHop, "fe80:") && slices.Equal(a.Prefixes, m.Announcements[i-1].Prefixes) {
							continue // the link-local twin of the global next hop
						}
						got[0] += len(a.Prefixes)
					}
				}
			}
			if splitCount != got {
				t.Errorf("split JSON holds %v routes/withdrawals/state changes, per-message JSON %v", splitCount, got)
			}
			for i := range got {
				got[i] += mcast[i]
			}
			if dumpSkipped == 0 && jsonSkipped == 0 && got != want {
				t.Errorf("JSON holds %v routes/withdrawals/state changes (with %v multicast added), the Dumper printed %v", got, mcast, want)
			}
			if jsonSkipped > dumpSkipped {
				t.Errorf("JSON skipped %d records, the Dumper %d", jsonSkipped, dumpSkipped)
			}
			t.Logf("%d objects; routes/withdrawals/states %v with %v multicast (dumper %v); skipped %d (dumper %d)", lines, got, mcast, want, jsonSkipped, dumpSkipped)
		})
	}
}

// TestJSONWriteError checks that a failing writer's error comes back from
// Record or Flush, not a DecodeError, and sticks.
func TestJSONWriteError(t *testing.T) {
	e := NewJSONEncoder(&failWriter{n: 1000}, JSONOptions{})
	r := NewReader(bytes.NewReader(jsonArchive(t)))
	var err error
	for err == nil {
		var rec *Record
		rec, err = r.Next()
		if err == io.EOF {
			err = e.Flush()
			break
		}
		err = e.Record(rec)
	}
	var de *DecodeError
	if err == nil || errors.As(err, &de) || !errors.Is(err, errDiskFull) {
		t.Fatalf("got %v, want the write error", err)
	}
	if err := e.Flush(); !errors.Is(err, errDiskFull) {
		t.Fatalf("Flush after a write error: %v", err)
	}
}
