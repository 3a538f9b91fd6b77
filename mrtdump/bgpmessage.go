package mrtdump

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// MessageMeta says where and when a collector saw a bare BGP message or a
// session state change: what an MRT BGP4MP header would otherwise carry.
type MessageMeta struct {
	// Time is when the collector received the message or saw the change;
	// microseconds are kept.
	Time time.Time
	// Peer and PeerAS are the session's remote address and AS number.
	Peer   netip.Addr
	PeerAS uint32
	// AS4 tells whether the session uses 4-byte AS numbers, AddPath
	// whether its NLRI carry ADD-PATH path identifiers.
	AS4, AddPath bool
	// Local marks a message the collector sent.
	Local bool
	// Seq ends the object's "id" (host-peer-timestamp-Seq), so that ids
	// are unique and sortable within a collector.
	Seq uint64
}

// MessageEncoder writes bare BGP messages and session state changes, as a
// collector sees them on the wire, as RIS Live ris_message data objects.
// It is the JSONEncoder's code and shape (see JSONEncoder for the fields)
// without the MRT framing, and so writes exactly what JSONEncoder writes
// for the same message inside a BGP4MP record, except for "id".
//
// Use Decode, then Encode, for each message; StateChange for state
// changes. A MessageEncoder is not safe for concurrent use.
type MessageEncoder struct {
	e   *JSONEncoder
	out bytes.Buffer
	// decoded tells that e.msg holds a message decoded by Decode.
	decoded bool
}

// NewMessageEncoder returns an encoder that writes host as every object's
// "host" and in its "id".
func NewMessageEncoder(host string) *MessageEncoder {
	m := &MessageEncoder{}
	hostJSON, _ := json.Marshal(host) // a string always marshals
	m.e = &JSONEncoder{w: bufio.NewWriterSize(&m.out, 4096), opt: JSONOptions{Host: host}, host: hostJSON}
	return m
}

// Decode decodes a bare BGP message, marker included, for the session
// that meta describes, and returns it. The Message and the slices in it
// are valid until the next call of Decode; msg must not change until then.
func (m *MessageEncoder) Decode(msg []byte, meta *MessageMeta) (*Message, error) {
	m.decoded = false
	d := &m.e.msg
	if err := DecodeBGPMessage(msg, meta.AS4, meta.AddPath, d); err != nil {
		return nil, err
	}
	d.Local, d.PeerAS = meta.Local, meta.PeerAS
	m.decoded = true
	return d, nil
}

// Encode returns the ris_message data object (no newline) of the message
// last decoded, with "raw" when includeRaw is set. The result is valid
// until the next call of a MessageEncoder method. It returns an error for
// a message that Decode accepted but that cannot be written (an unknown
// type, a truncated OPEN or NOTIFICATION).
func (m *MessageEncoder) Encode(meta *MessageMeta, includeRaw bool) ([]byte, error) {
	if !m.decoded {
		return nil, fmt.Errorf("mrtdump: MessageEncoder.Encode without a decoded message")
	}
	e := &m.e.msg
	// update appends the MP_UNREACH prefixes to Withdrawn; keep Decode's
	// result so that Encode can be called again.
	nw := len(e.Withdrawn)
	defer func() { e.Withdrawn = e.Withdrawn[:nw] }()
	m.e.opt.IncludeRaw = includeRaw
	m.begin(meta)
	if err := m.e.message(metaRecord(meta), meta.Peer); err != nil {
		return nil, fmt.Errorf("encode BGP message from %s: %w", meta.Peer, err)
	}
	return m.end()
}

// StateChange returns the RIS_PEER_STATE data object (no newline) of a
// change of the session's FSM state from old to nw (numbered as in MRT),
// valid until the next call of a MessageEncoder method.
func (m *MessageEncoder) StateChange(meta *MessageMeta, old, nw uint16) ([]byte, error) {
	m.begin(meta)
	m.e.stateChange(metaRecord(meta), meta.Peer, meta.PeerAS, old, nw)
	return m.end()
}

// begin readies the encoder to write one object numbered meta.Seq.
func (m *MessageEncoder) begin(meta *MessageMeta) {
	m.out.Reset()
	m.e.n = meta.Seq
}

// end returns the object written since begin, without its newline.
func (m *MessageEncoder) end() ([]byte, error) {
	if err := m.e.w.Flush(); err != nil {
		return nil, err // writing to a bytes.Buffer does not fail
	}
	return bytes.TrimSuffix(m.out.Bytes(), []byte{'\n'}), nil
}

// metaRecord returns the record header fields the encoder reads: the
// timestamp in seconds and microseconds.
func metaRecord(meta *MessageMeta) *Record {
	return &Record{Header: Header{Time: uint32(meta.Time.Unix()), Microseconds: uint32(meta.Time.Nanosecond() / 1000)}}
}

// UnicastRoutes appends to ann the prefixes an UPDATE announces and to wd
// those it withdraws, in NLRI and in unicast MP_REACH_NLRI and
// MP_UNREACH_NLRI attributes, with host bits cleared: the prefixes that a
// JSONEncoder writes under "announcements" and "withdrawals". Prefixes
// whose length does not fit their family are left out.
func (m *Message) UnicastRoutes(ann, wd []netip.Prefix) (announced, withdrawn []netip.Prefix) {
	add := func(dst []netip.Prefix, ps []Prefix) []netip.Prefix {
		for _, p := range ps {
			if p.Valid() {
				dst = append(dst, p.Prefix())
			}
		}
		return dst
	}
	ann = add(ann, m.NLRI)
	wd = add(wd, m.Withdrawn)
	for _, afi := range [...]uint16{AFIIPv4, AFIIPv6} {
		i := mpIndex(afi, 1)
		if r := &m.Attrs.Reach[i]; r.Present {
			ann = add(ann, r.Prefixes)
		}
		if u := &m.Attrs.Unreach[i]; u.Present {
			wd = add(wd, u.Prefixes)
		}
	}
	return ann, wd
}

// PathElem is one member of an AS path as RIS Live writes it in "path":
// an AS number of an AS_SEQUENCE (or AS_CONFED_SEQUENCE), or, when Set is
// not nil, an AS_SET (or AS_CONFED_SET) with its AS numbers in wire order.
type PathElem struct {
	AS  uint32
	Set []uint32
}

// AppendPath appends the members of the AS_PATH (after RFC 6793
// reconstruction) to dst, exactly as a JSONEncoder writes them under
// "path": a malformed tail is dropped. It appends nothing without AS_PATH.
func (a *Attrs) AppendPath(dst []PathElem) []PathElem {
	if !a.Has(AttrASPath) {
		return dst
	}
	p, size := a.ASPath, a.ASNSize
	for len(p) >= 2 {
		typ, n := p[0], int(p[1])
		if len(p) < 2+size*n {
			break
		}
		set := typ == SegSet || typ == SegConfedSet
		var members []uint32
		if set {
			members = make([]uint32, 0, n)
		}
		for i := range n {
			var as uint32
			if size == 4 {
				as = binary.BigEndian.Uint32(p[2+4*i:])
			} else {
				as = uint32(binary.BigEndian.Uint16(p[2+2*i:]))
			}
			if set {
				members = append(members, as)
			} else {
				dst = append(dst, PathElem{AS: as})
			}
		}
		if set {
			dst = append(dst, PathElem{Set: members})
		}
		p = p[2+size*n:]
	}
	return dst
}
