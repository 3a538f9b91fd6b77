package demo

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/routestat/routestat/mrtdump"
)

// The MRT files say they were recorded by this collector.
var (
	collectorAddr = netip.AddrFrom4([4]byte{192, 0, 2, 254})
	// collectorAS is routestat's default collector AS.
	collectorAS uint32 = 4200000000
)

// updatesInterval is how much time one updates file covers, as RIS.
const updatesInterval = 5 * time.Minute

// Files are the scenario's files, as Write wrote them.
type Files struct {
	// RIB is the TABLE_DUMP_V2 dump at Start (bview.20190923.0800.gz);
	// Updates the BGP4MP updates files, one per 5 minutes as RIS
	// (updates.20190923.HHMM.gz), in time order.
	RIB     string
	Updates []string
	// RIBRoutes is how many routes the RIB dump holds.
	RIBRoutes int
	// Monitored is the hijack detector's monitored-resources file and
	// ASNames the AS-names file.
	Monitored string
	ASNames   string
}

// MRT returns the MRT files in the order to play them: the RIB dump,
// then the updates.
func (f Files) MRT() []string { return append([]string{f.RIB}, f.Updates...) }

// Write writes the scenario's files into dir (created if needed),
// replacing files of the same names: the MRT files, the
// monitored-resources file (monitored.yaml) and the AS names
// (asnames.txt).
func (s *Scenario) Write(dir string) (Files, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Files{}, fmt.Errorf("demo scenario directory: %w", err)
	}
	var f Files
	rib, err := s.ribDump()
	if err != nil {
		return Files{}, err
	}
	f.RIB, f.RIBRoutes = filepath.Join(dir, "bview."+Start.Format("20060102.1504")+".gz"), len(s.RIB)
	if err := writeGzip(f.RIB, rib); err != nil {
		return Files{}, err
	}
	files, err := s.updateFiles()
	if err != nil {
		return Files{}, err
	}
	for _, uf := range files {
		name := filepath.Join(dir, "updates."+uf.start.Format("20060102.1504")+".gz")
		if err := writeGzip(name, uf.data); err != nil {
			return Files{}, err
		}
		f.Updates = append(f.Updates, name)
	}
	mon, err := s.Monitored()
	if err != nil {
		return Files{}, err
	}
	f.Monitored = filepath.Join(dir, "monitored.yaml")
	if err := os.WriteFile(f.Monitored, mon, 0o644); err != nil {
		return Files{}, fmt.Errorf("demo monitored resources: %w", err)
	}
	f.ASNames = filepath.Join(dir, "asnames.txt")
	if err := os.WriteFile(f.ASNames, s.ASNames(), 0o644); err != nil {
		return Files{}, fmt.Errorf("demo AS names: %w", err)
	}
	return f, nil
}

// writeGzip writes data gzip-compressed (no name or time in the header,
// so that the file's bytes depend on data alone).
func writeGzip(name string, data []byte) error {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("demo file %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("demo file %s: %w", name, err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("demo file: %w", err)
	}
	return nil
}

// ribDump encodes the RIB at Start: a PEER_INDEX_TABLE, then one RIB
// record per prefix with every peer's route.
func (s *Scenario) ribDump() ([]byte, error) {
	var b bytes.Buffer
	w := mrtdump.NewWriter(&b)
	t := uint32(Start.Unix())
	pit := &mrtdump.PeerIndexTable{CollectorID: collectorAddr.As4(), ViewName: "routestat-demo"}
	for _, p := range s.Peers {
		var a [16]byte
		copy(a[:], p.Addr.AsSlice())
		pit.Peers = append(pit.Peers, mrtdump.Peer{BGPID: p.Addr.As4(), Addr: a, AS: p.AS})
	}
	if err := w.WritePeerIndexTable(t, pit); err != nil {
		return nil, fmt.Errorf("demo RIB dump: %w", err)
	}
	var rib mrtdump.RIB
	var cur netip.Prefix
	flush := func() error {
		if len(rib.Entries) == 0 {
			return nil
		}
		if err := w.WriteRIB(t, &rib); err != nil {
			return fmt.Errorf("demo RIB dump: %s: %w", cur, err)
		}
		rib.Sequence++
		rib.Entries = rib.Entries[:0]
		return nil
	}
	for _, rt := range s.RIB {
		if rt.Prefix != cur {
			if err := flush(); err != nil {
				return nil, err
			}
			cur = rt.Prefix
			rib.Prefix, rib.SAFI = mrtPrefix(rt.Prefix), 1
		}
		rib.Entries = append(rib.Entries, mrtdump.RIBEntry{
			PeerIndex: uint16(rt.Peer), OriginatedTime: uint32(rt.Originated.Unix()),
			Attrs: s.attrs(rt, true),
		})
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("demo RIB dump: %w", err)
	}
	return b.Bytes(), nil
}

// updatesFile is one updates file's interval and contents.
type updatesFile struct {
	start time.Time
	data  []byte
}

// updateFiles encodes the updates as BGP4MP MESSAGE_AS4 records, one file
// per updates interval that has updates.
func (s *Scenario) updateFiles() ([]updatesFile, error) {
	var out []updatesFile
	var b bytes.Buffer
	w := mrtdump.NewWriter(&b)
	var cur time.Time
	done := func() error {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("demo updates: %w", err)
		}
		if b.Len() > 0 {
			out = append(out, updatesFile{start: cur, data: bytes.Clone(b.Bytes())})
			b.Reset()
		}
		return nil
	}
	for _, u := range s.Updates {
		if start := u.Time.Truncate(updatesInterval); !start.Equal(cur) {
			if err := done(); err != nil {
				return nil, err
			}
			cur = start
		}
		p := s.Peers[u.Peer]
		h := mrtdump.BGP4MPInfo{Time: uint32(u.Time.Unix()), PeerAS: p.AS, LocalAS: collectorAS,
			PeerAddr: p.Addr, LocalAddr: collectorAddr, AS4: true}
		if err := w.WriteMessage(&h, s.update(u)); err != nil {
			return nil, fmt.Errorf("demo updates: %s %s: %w", u.Time.Format(time.TimeOnly), u.Prefix, err)
		}
	}
	if err := done(); err != nil {
		return nil, err
	}
	return out, nil
}

// BGP path attribute flags (RFC 4271 §4.3).
const (
	flagOptional   = 0x80
	flagTransitive = 0x40
)

// attrs encodes a route's path attributes: ORIGIN IGP, AS_PATH with
// 4-byte AS numbers, NEXT_HOP (IPv4) and COMMUNITIES; for IPv6 an
// MP_REACH_NLRI, abbreviated to the next hop in RIB entries (RFC 6396
// section 4.3.4).
func (s *Scenario) attrs(rt Route, rib bool) []byte {
	p := s.Peers[rt.Peer]
	b := mrtdump.AppendAttr(nil, flagTransitive, mrtdump.AttrOrigin, []byte{0})
	seg := []byte{mrtdump.SegSequence, byte(len(rt.Path))}
	for _, as := range rt.Path {
		seg = binary.BigEndian.AppendUint32(seg, as)
	}
	b = mrtdump.AppendAttr(b, flagTransitive, mrtdump.AttrASPath, seg)
	if rt.Prefix.Addr().Is4() {
		b = mrtdump.AppendAttr(b, flagTransitive, mrtdump.AttrNextHop, p.Addr.AsSlice())
	}
	b = mrtdump.AppendAttr(b, flagOptional|flagTransitive, mrtdump.AttrCommunities, binary.BigEndian.AppendUint32(nil, rt.Community))
	if rt.Prefix.Addr().Is6() {
		nh := p.NextHop6.AsSlice()
		if rib {
			b = mrtdump.AppendAttr(b, flagOptional, mrtdump.AttrMPReach, append([]byte{byte(len(nh))}, nh...))
		} else {
			v := append([]byte{0, 2, 1, byte(len(nh))}, nh...)
			v = append(v, 0) // no SNPA
			b = mrtdump.AppendAttr(b, flagOptional, mrtdump.AttrMPReach, appendNLRI(v, rt.Prefix))
		}
	}
	return b
}

// update encodes an UPDATE message announcing or withdrawing u's prefix.
func (s *Scenario) update(u Update) []byte {
	var withdrawn, attrs, nlri []byte
	v4 := u.Prefix.Addr().Is4()
	switch {
	case u.Withdrawal() && v4:
		withdrawn = appendNLRI(nil, u.Prefix)
	case u.Withdrawal():
		attrs = mrtdump.AppendAttr(nil, flagOptional, mrtdump.AttrMPUnreach, appendNLRI([]byte{0, 2, 1}, u.Prefix))
	default:
		attrs = s.attrs(u.Route, false)
		if v4 {
			nlri = appendNLRI(nil, u.Prefix)
		}
	}
	m := bytes.Repeat([]byte{0xff}, 16)
	m = append(m, 0, 0, 2) // length, set below; type UPDATE
	m = binary.BigEndian.AppendUint16(m, uint16(len(withdrawn)))
	m = append(m, withdrawn...)
	m = binary.BigEndian.AppendUint16(m, uint16(len(attrs)))
	m = append(m, attrs...)
	m = append(m, nlri...)
	binary.BigEndian.PutUint16(m[16:], uint16(len(m)))
	return m
}

// appendNLRI appends a prefix as NLRI: its length, then its significant
// bytes.
func appendNLRI(b []byte, p netip.Prefix) []byte {
	a := p.Addr().AsSlice()
	return append(append(b, byte(p.Bits())), a[:(p.Bits()+7)/8]...)
}

// mrtPrefix converts a prefix to mrtdump's form.
func mrtPrefix(p netip.Prefix) mrtdump.Prefix {
	var a [16]byte
	copy(a[:], p.Addr().AsSlice())
	return mrtdump.Prefix{Addr: a, Bits: uint8(p.Bits()), IPv6: p.Addr().Is6()}
}
