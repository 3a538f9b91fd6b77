package mrtdump

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// DumpOptions selects what a Dumper prints.
type DumpOptions struct {
	// HumanTime prints times as bgpdump -M does ("MM/DD/YY HH:MM:SS") and
	// announcements without the fields after ORIGIN; otherwise as -m.
	HumanTime bool
	// ChangeTime prints RIB entries with the time the route last changed
	// (bgpdump -t change) instead of the dump time.
	ChangeTime bool
	// LargeCommunities adds a field with RFC 8092 large communities right
	// after the communities field (bgpdump -l).
	LargeCommunities bool
	// Fix prints what the data says where bgpdump 1.6.2 is wrong: NLRI host
	// bits are cleared, type-5 withdrawals show the withdrawn prefix,
	// MP next hops are read at their declared length, and every entry of a
	// batched legacy TABLE_DUMP record is printed.
	Fix bool
}

// DumpStats counts what a Dumper saw.
type DumpStats struct {
	Records int // records framed
	Lines   int // lines printed
	Skipped int // records (or parts of records) that could not be decoded
	// Silent counts valid records that bgpdump -m prints no line for:
	// OPEN, KEEPALIVE, NOTIFICATION and ROUTE-REFRESH messages, peer index
	// tables, multicast and RIB_GENERIC RIB records, BGP4MP_ENTRY.
	Silent int
}

// Dumper prints MRT records one line per route or event, byte for byte as
// bgpdump 1.6.2 -m (or -M) does. It keeps the current PEER_INDEX_TABLE
// between records. Write errors are sticky and returned by Record and Flush.
type Dumper struct {
	w     io.Writer
	opt   DumpOptions
	buf   []byte
	err   error
	peers *PeerIndexTable
	stats DumpStats

	msg Message
	rib RIB
	td  TableDumpV1
	sc  StateChange
	at  Attrs
	// scratch buffers for the parts shared by a message's lines
	ts, head, rest []byte
	// batch makes the Dumper keep all output in buf, for ParallelPrinter.
	batch bool
}

// NewDumper returns a Dumper writing to w. Output is buffered: call Flush.
func NewDumper(w io.Writer, opt DumpOptions) *Dumper {
	return &Dumper{w: w, opt: opt, buf: make([]byte, 0, 256<<10)}
}

// Stats returns the counts so far.
func (d *Dumper) Stats() DumpStats { return d.stats }

// Flush writes buffered output.
func (d *Dumper) Flush() error {
	if d.err == nil && len(d.buf) > 0 {
		_, d.err = d.w.Write(d.buf)
	}
	d.buf = d.buf[:0]
	return d.err
}

func (d *Dumper) line() {
	d.stats.Lines++
	if len(d.buf) >= 224<<10 && !d.batch {
		d.Flush()
	}
}

// DecodeError describes a record that was framed but could not be decoded,
// in whole or in part. Dumping goes on with the next record.
type DecodeError struct {
	Header Header
	Err    error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("record at byte offset %d (%s/%d, length %d): %v", e.Header.Offset, e.Header.Type, e.Header.Subtype, e.Header.Length, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Record prints one record. It returns a *DecodeError when the record, or
// part of it, could not be decoded (the rest is printed), or a write error.
func (d *Dumper) Record(rec *Record) error {
	d.stats.Records++
	var err error
	switch rec.Type {
	case TypeTableDumpV2:
		err = d.tableDumpV2(rec)
	case TypeBGP4MP, TypeBGP4MPET:
		err = d.bgp4mp(rec)
	case TypeTableDump:
		err = d.tableDump(rec)
	case TypeBGP:
		err = d.bgp5(rec)
	default:
		err = fmt.Errorf("%w: MRT type %d", ErrUnsupported, uint16(rec.Type))
	}
	if d.err != nil {
		return d.err
	}
	if errors.Is(err, errSilent) {
		d.stats.Silent++
		return nil
	}
	if err != nil {
		d.stats.Skipped++
		return &DecodeError{Header: rec.Header, Err: err}
	}
	return nil
}

// timeStr formats a timestamp field.
func (d *Dumper) timeStr(dst []byte, sec uint32) []byte {
	if !d.opt.HumanTime {
		return appendUint(dst, uint64(sec))
	}
	return time.Unix(int64(sec), 0).UTC().AppendFormat(dst, "01/02/06 15:04:05")
}

func (d *Dumper) prefix(p Prefix) Prefix {
	if d.opt.Fix {
		return p.Masked()
	}
	return p
}

// ---- TABLE_DUMP_V2

func (d *Dumper) tableDumpV2(rec *Record) error {
	if rec.Subtype == SubPeerIndexTable {
		t, err := DecodePeerIndexTable(rec.Body)
		if err != nil {
			return err
		}
		d.peers = t
		return errSilent
	}
	_, safi, addPath, ok := ribFamily(rec.Subtype)
	if !ok {
		if rec.Subtype == SubRIBGeneric || rec.Subtype == SubRIBGenericAddPath {
			return errSilent
		}
		return fmt.Errorf("%w: TABLE_DUMP_V2 subtype %d", ErrUnsupported, rec.Subtype)
	}
	if safi != 1 {
		return errSilent
	}
	if d.peers == nil {
		return fmt.Errorf("%w: RIB record without a preceding PEER_INDEX_TABLE", ErrMalformed)
	}
	derr := DecodeRIB(rec.Body, rec.Subtype, &d.rib)
	pfx := d.prefix(d.rib.Prefix)
	kind := "TABLE_DUMP2|"
	if addPath {
		kind = "TABLE_DUMP2_AP|"
	}
	var bad int
	for i := range d.rib.Entries {
		e := &d.rib.Entries[i]
		if int(e.PeerIndex) >= len(d.peers.Peers) {
			bad++
			continue
		}
		peer := &d.peers.Peers[e.PeerIndex]
		d.at.parse(e.Attrs, 4, addPath, d.opt.Fix)
		b := append(d.buf, kind...)
		t := rec.Time
		if d.opt.ChangeTime {
			t = e.OriginatedTime
		}
		b = d.timeStr(b, t)
		b = append(b, "|B|"...)
		if peer.IPv6 {
			b = appendIPv6(b, &peer.Addr)
		} else {
			b = appendIPv4(b, peer.Addr[:4])
		}
		b = append(b, '|')
		b = appendUint(b, uint64(peer.AS))
		b = append(b, '|')
		b = appendPrefix(b, pfx)
		b = append(b, '|')
		if addPath {
			b = appendUint(b, uint64(e.PathID))
			b = append(b, '|')
		}
		b = d.pathOrigin(b, &d.at)
		if d.opt.HumanTime {
			d.buf = append(b, '\n')
			d.line()
			continue
		}
		b = append(b, '|')
		b = d.ribNextHop(b, &d.at)
		b = append(b, '|')
		b = d.tail(b, &d.at, false)
		d.buf = b
		d.line()
	}
	if derr != nil {
		return derr
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d RIB entries name a peer index beyond the %d peers of the PEER_INDEX_TABLE", ErrMalformed, bad, len(d.peers.Peers))
	}
	return nil
}

// pathOrigin appends "ASPATH|ORIGIN".
func (d *Dumper) pathOrigin(b []byte, a *Attrs) []byte {
	if a.Has(AttrASPath) {
		b = appendASPath(b, a.ASPath, a.ASNSize)
	}
	b = append(b, '|')
	return append(b, originName(a.Origin)...)
}

func originName(o uint8) string {
	switch o {
	case 0:
		return "IGP"
	case 1:
		return "EGP"
	}
	return "INCOMPLETE"
}

// ribNextHop is the next hop of RIB lines: the IPv6 MP next hop when there
// is one, else NEXT_HOP.
func (d *Dumper) ribNextHop(b []byte, a *Attrs) []byte {
	if a.Has(AttrMPReach) {
		if m := a.ReachFor(AFIIPv6, 1); m != nil {
			return appendIPv6(b, &m.NextHop)
		}
	}
	return appendIPv4(b, a.NextHop[:])
}

// tail appends "LOCAL_PREF|MED|COMMUNITIES|[LARGE|]AG|AGGREGATOR|\n".
// signed prints LOCAL_PREF and MED as signed numbers, as bgpdump does for
// IPv4 routes in MP_REACH_NLRI.
func (d *Dumper) tail(b []byte, a *Attrs, signed bool) []byte {
	var pref, med uint32
	if a.Has(AttrLocalPref) {
		pref = a.LocalPref
	}
	if a.Has(AttrMED) {
		med = a.MED
	}
	if signed {
		b = appendInt(b, int32(pref))
		b = append(b, '|')
		b = appendInt(b, int32(med))
	} else {
		b = appendUint(b, uint64(pref))
		b = append(b, '|')
		b = appendUint(b, uint64(med))
	}
	b = append(b, '|')
	if a.Has(AttrCommunities) {
		b = appendCommunities(b, a.Communities)
	}
	b = append(b, '|')
	if d.opt.LargeCommunities {
		b = appendLargeCommunities(b, a.LargeCommunities)
		b = append(b, '|')
	}
	if a.Has(AttrAtomicAggregate) {
		b = append(b, "AG|"...)
	} else {
		b = append(b, "NAG|"...)
	}
	if a.AggregatorAddr != [4]byte{255, 255, 255, 255} {
		b = appendUint(b, uint64(a.AggregatorAS))
		b = append(b, ' ')
		b = appendIPv4(b, a.AggregatorAddr[:])
	}
	return append(b, "|\n"...)
}

func appendInt(b []byte, v int32) []byte {
	if v < 0 {
		b = append(b, '-')
		return appendUint(b, uint64(-int64(v)))
	}
	return appendUint(b, uint64(v))
}

// ---- TABLE_DUMP (v1)

func (d *Dumper) tableDump(rec *Record) error {
	if err := DecodeTableDumpV1(rec.Body, rec.Subtype, &d.td); err != nil {
		return err
	}
	for {
		d.tableDumpLine(rec)
		if !d.opt.Fix {
			// bgpdump prints the first entry of a batched record only.
			return nil
		}
		more, err := d.td.NextEntry()
		if err != nil || !more {
			return err
		}
	}
}

func (d *Dumper) tableDumpLine(rec *Record) {
	d.at.parse(d.td.Attrs, d.td.ASNSize, false, d.opt.Fix)
	t := rec.Time
	if d.opt.ChangeTime {
		t = d.td.OriginatedTime
	}
	b := append(d.buf, "TABLE_DUMP|"...)
	b = d.timeStr(b, t)
	b = append(b, "|B|"...)
	// bgpdump prints addresses as IPv6 only for subtype 2, not for 4.
	v6 := rec.Subtype == SubTableDumpIPv6 || (d.opt.Fix && rec.Subtype == SubTableDumpIPv6AS4)
	if v6 {
		b = appendIPv6(b, &d.td.PeerAddr)
	} else {
		b = appendIPv4(b, d.td.PeerAddr[:4])
	}
	b = append(b, '|')
	b = appendUint(b, uint64(d.td.PeerAS))
	b = append(b, '|')
	p := d.prefix(d.td.Prefix)
	p.IPv6 = v6
	b = appendPrefix(b, p)
	b = append(b, '|')
	b = d.pathOrigin(b, &d.at)
	if d.opt.HumanTime {
		d.buf = append(b, '\n')
		d.line()
		return
	}
	b = append(b, '|')
	b = d.ribNextHop(b, &d.at)
	b = append(b, '|')
	d.buf = d.tail(b, &d.at, false)
	d.line()
}

// ---- BGP4MP

func (d *Dumper) bgp4mpTime(rec *Record) []byte {
	b := d.timeStr(d.ts[:0], rec.Time)
	if rec.Type == TypeBGP4MPET {
		b = append(b, '.')
		for p := uint32(100000); p > 1 && rec.Microseconds < p; p /= 10 {
			b = append(b, '0')
		}
		b = appendUint(b, uint64(rec.Microseconds))
	}
	d.ts = b
	return b
}

func (d *Dumper) bgp4mp(rec *Record) error {
	switch rec.Subtype {
	case SubStateChange, SubStateChangeAS4:
		size := 2
		if rec.Subtype == SubStateChangeAS4 {
			size = 4
		}
		if err := DecodeStateChange(rec.Body, size, &d.sc); err != nil {
			return err
		}
		b := append(d.buf, "BGP4MP"...)
		if rec.Type == TypeBGP4MPET {
			b = append(b, "_ET"...)
		}
		b = append(b, '|')
		b = append(b, d.bgp4mpTime(rec)...)
		b = append(b, "|STATE|"...)
		b = appendAddr(b, d.sc.AFI == AFIIPv6, &d.sc.PeerAddr)
		b = append(b, '|')
		b = appendUint(b, uint64(d.sc.PeerAS))
		b = append(b, '|')
		b = appendUint(b, uint64(d.sc.OldState))
		b = append(b, '|')
		b = appendUint(b, uint64(d.sc.NewState))
		d.buf = append(b, '\n')
		d.line()
		return nil
	case SubEntry, SubSnapshot:
		return errSilent
	}
	if err := decodeMessage(rec.Body, rec.Subtype, &d.msg, d.opt.Fix); err != nil {
		return err
	}
	m := &d.msg
	switch m.Type {
	case MsgUpdate:
	case MsgOpen, MsgNotification, MsgKeepalive, MsgRouteRefresh, 128:
		return errSilent
	default:
		return fmt.Errorf("%w: unknown BGP message type %d", ErrMalformed, m.Type)
	}
	kind := bgp4mpKind(rec.Type, m.Local && !m.AddPath, m.AddPath)
	ts := d.bgp4mpTime(rec)
	a := &m.Attrs
	d.withdrawLines(m.Withdrawn, kind, ts, m)
	for i := range a.Unreach {
		if a.Unreach[i].Present {
			d.withdrawLines(a.Unreach[i].Prefixes, kind, ts, m)
		}
	}
	var nh [16]byte
	copy(nh[:], a.NextHop[:])
	d.announceLines(m.NLRI, kind, ts, m, &nh, false, false)
	for i := range a.Reach {
		r := &a.Reach[i]
		if r.Present {
			// bgpdump prints LOCAL_PREF and MED of IPv4 routes in
			// MP_REACH_NLRI as signed numbers.
			d.announceLines(r.Prefixes, kind, ts, m, &r.NextHop, r.AFI == AFIIPv6, r.AFI == AFIIPv4)
		}
	}
	return nil
}

// msgHead appends "KIND|TIME|TYP|PEER|PEER_AS|" for a BGP4MP message line.
func msgHead(b []byte, kind string, ts []byte, typ string, m *Message) []byte {
	b = append(b, kind...)
	b = append(b, '|')
	b = append(b, ts...)
	b = append(b, typ...)
	if m.Local && m.AddPath {
		// bgpdump 1.6.2 reads the LOCAL_ADDPATH subtypes as plain ADD-PATH
		// ones with the two sides swapped: it prints the local side.
		b = appendAddr(b, m.AFI == AFIIPv6, &m.LocalAddr)
		b = append(b, '|')
		b = appendUint(b, uint64(m.LocalAS))
		return append(b, '|')
	}
	b = appendAddr(b, m.AFI == AFIIPv6, &m.PeerAddr)
	b = append(b, '|')
	b = appendUint(b, uint64(m.PeerAS))
	return append(b, '|')
}

func (d *Dumper) withdrawLines(ps []Prefix, kind string, ts []byte, m *Message) {
	if len(ps) == 0 {
		return
	}
	d.head = msgHead(d.head[:0], kind, ts, "|W|", m)
	for _, p := range ps {
		b := append(d.buf, d.head...)
		b = appendPrefix(b, d.prefix(p))
		if m.AddPath {
			b = append(b, '|')
			b = appendUint(b, uint64(p.PathID))
		}
		d.buf = append(b, '\n')
		d.line()
	}
}

// announceLines prints one line per announced prefix. Everything but the
// prefix (and path id) is the same on each line, so it is formatted once.
func (d *Dumper) announceLines(ps []Prefix, kind string, ts []byte, m *Message, nh *[16]byte, nhV6, signed bool) {
	if len(ps) == 0 {
		return
	}
	a := &m.Attrs
	d.head = msgHead(d.head[:0], kind, ts, "|A|", m)
	t := append(d.rest[:0], '|')
	t = d.pathOrigin(t, a)
	if d.opt.HumanTime {
		t = append(t, '\n')
	} else {
		t = append(t, '|')
		t = appendAddr(t, nhV6, nh)
		t = append(t, '|')
		t = d.tail(t, a, signed)
	}
	d.rest = t
	for _, p := range ps {
		b := append(d.buf, d.head...)
		b = appendPrefix(b, d.prefix(p))
		if m.AddPath {
			b = append(b, '|')
			b = appendUint(b, uint64(p.PathID))
		}
		d.buf = append(b, d.rest...)
		d.line()
	}
}

func appendAddr(b []byte, v6 bool, a *[16]byte) []byte {
	if v6 {
		return appendIPv6(b, a)
	}
	return appendIPv4(b, a[:4])
}

// bgp4mpKinds names the line kind of a BGP4MP message as bgpdump does,
// indexed by ET, LOCAL and ADD-PATH bits.
var bgp4mpKinds = [8]string{
	"BGP4MP", "BGP4MP_AP", "BGP4MP_LOCAL", "BGP4MP_LOCAL_AP",
	"BGP4MP_ET", "BGP4MP_ET_AP", "BGP4MP_ET_LOCAL", "BGP4MP_ET_LOCAL_AP",
}

func bgp4mpKind(t Type, local, addPath bool) string {
	i := 0
	if t == TypeBGP4MPET {
		i |= 4
	}
	if local {
		i |= 2
	}
	if addPath {
		i |= 1
	}
	return bgp4mpKinds[i]
}

// ---- deprecated type 5

func (d *Dumper) bgp5(rec *Record) error {
	switch rec.Subtype {
	case SubBGPStateChange:
		s := stream{b: rec.Body}
		as := s.getw()
		ip := s.get4()
		old, nw := s.getw(), s.getw()
		b := append(d.buf, "BGP|"...)
		b = d.timeStr(b, rec.Time)
		b = append(b, "|STATE|"...)
		b = appendIPv4(b, ip[:])
		b = append(b, '|')
		b = appendUint(b, uint64(as))
		b = append(b, '|')
		b = appendUint(b, uint64(old))
		b = append(b, '|')
		b = appendUint(b, uint64(nw))
		d.buf = append(b, '\n')
		d.line()
		return nil
	case SubBGPUpdate:
	case SubBGPKeepalive, SubBGPOpen, SubBGPNotify:
		return errSilent
	default:
		return fmt.Errorf("%w: type-5 BGP subtype %d", ErrUnsupported, rec.Subtype)
	}
	decodeBGP5(rec.Body, &d.msg, d.opt.Fix)
	m := &d.msg
	a := &m.Attrs
	ts := d.timeStr(d.ts[:0], rec.Time)
	d.ts = ts
	for _, p := range m.Withdrawn {
		b := append(d.buf, "BGP|"...)
		b = append(b, ts...)
		b = append(b, "|W|"...)
		b = appendIPv4(b, m.PeerAddr[:4])
		b = append(b, '|')
		b = appendUint(b, uint64(m.PeerAS))
		b = append(b, '|')
		if d.opt.Fix {
			b = appendPrefix(b, p.Masked())
		} else {
			// bgpdump 1.6.2 prints the peer address with the withdrawn
			// prefix's length.
			b = appendIPv4(b, m.PeerAddr[:4])
			b = append(b, '/')
			b = appendUint(b, uint64(p.Bits))
		}
		d.buf = append(b, '\n')
		d.line()
	}
	for _, p := range m.NLRI {
		b := append(d.buf, "BGP|"...)
		b = append(b, ts...)
		b = append(b, "|A|"...)
		b = appendIPv4(b, m.PeerAddr[:4])
		b = append(b, '|')
		b = appendUint(b, uint64(m.PeerAS))
		b = append(b, '|')
		b = appendPrefix(b, d.prefix(p))
		b = append(b, '|')
		b = d.pathOrigin(b, a)
		if d.opt.HumanTime {
			d.buf = append(b, '\n')
			d.line()
			continue
		}
		b = append(b, '|')
		b = appendIPv4(b, a.NextHop[:])
		b = append(b, '|')
		var pref, med uint32
		if a.Has(AttrLocalPref) {
			pref = a.LocalPref
		}
		if a.Has(AttrMED) {
			med = a.MED
		}
		b = appendUint(b, uint64(pref))
		b = append(b, '|')
		b = appendUint(b, uint64(med))
		// bgpdump prints type-5 communities with no separator before them.
		if a.Has(AttrCommunities) {
			b = appendCommunities(b, a.Communities)
		}
		b = append(b, '|')
		if a.Has(AttrAtomicAggregate) {
			b = append(b, "AG|"...)
		} else {
			b = append(b, "NAG|"...)
		}
		if a.AggregatorAddr != [4]byte{255, 255, 255, 255} {
			b = appendUint(b, uint64(a.AggregatorAS))
			b = append(b, ' ')
			b = appendIPv4(b, a.AggregatorAddr[:])
		}
		d.buf = append(b, "|\n"...)
		d.line()
	}
	return nil
}

// errSilent marks a valid record that bgpdump prints no line for.
var errSilent = errors.New("no line form")
