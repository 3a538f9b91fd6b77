package rislive

import (
	"bytes"
	"encoding/json"
	"net/netip"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// view is what filters look at in one event. The parts that cost
// something (decoding, encoding) are computed on first use and reused by
// every filter of the socket.
type view struct {
	ev  *bus.Event
	typ string // the ris_message "type"; "" for an event we cannot send
	enc *mrtdump.MessageEncoder
	// meta describes the event to the encoder.
	meta mrtdump.MessageMeta

	decoded   bool
	decodeErr error
	msg       *mrtdump.Message
	ann, wd   []netip.Prefix
	path      []mrtdump.PathElem

	// keys are the members of the data object (without raw) that have a
	// value other than null, [], {} or "", for "require".
	keys map[string]bool
}

// msgTypes names BGP message types as ris_message "type" does.
var msgTypes = [...]string{1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE_REFRESH"}

// reset readies v for ev, keeping its storage.
func (v *view) reset(ev *bus.Event, enc *mrtdump.MessageEncoder) {
	v.ev, v.enc = ev, enc
	v.typ = ""
	switch ev.Kind {
	case bus.KindState:
		v.typ = "RIS_PEER_STATE"
	case bus.KindMessage:
		if t := ev.MessageType(); int(t) < len(msgTypes) {
			v.typ = msgTypes[t]
		}
	}
	v.meta = mrtdump.MessageMeta{
		Time: ev.Time, Peer: ev.PeerAddr.Unmap(), PeerAS: ev.PeerAS,
		AS4: ev.AS4, AddPath: ev.AddPath, Local: ev.Local, Seq: ev.Seq,
	}
	v.decoded, v.decodeErr, v.msg = false, nil, nil
	v.ann, v.wd, v.path = v.ann[:0], v.wd[:0], v.path[:0]
	v.keys = nil
}

// decode decodes a message event once; it reports whether the event is a
// message that decoded.
func (v *view) decode() bool {
	if v.ev.Kind != bus.KindMessage {
		return false
	}
	if !v.decoded {
		v.decoded = true
		v.msg, v.decodeErr = v.enc.Decode(v.ev.Message, &v.meta)
		if v.decodeErr == nil && v.typ == "UPDATE" {
			v.ann, v.wd = v.msg.UnicastRoutes(v.ann, v.wd)
			v.path = v.msg.Attrs.AppendPath(v.path)
		}
	}
	return v.decodeErr == nil
}

// encode returns the event's data object, valid until the next call.
func (v *view) encode(includeRaw bool) ([]byte, error) {
	if v.ev.Kind == bus.KindState {
		return v.enc.StateChange(&v.meta, v.ev.OldState, v.ev.NewState)
	}
	if !v.decode() {
		return nil, v.decodeErr
	}
	return v.enc.Encode(&v.meta, includeRaw)
}

// has reports whether the data object has member key with a value that
// is not empty.
func (v *view) has(key string) bool {
	switch key {
	case "announcements":
		return v.decode() && len(v.ann) > 0
	case "withdrawals":
		return v.decode() && len(v.wd) > 0
	}
	if v.keys == nil {
		v.keys = map[string]bool{}
		obj, err := v.encode(false)
		if err != nil {
			return false
		}
		var members map[string]json.RawMessage
		if json.Unmarshal(obj, &members) != nil {
			return false
		}
		for k, val := range members {
			switch string(bytes.TrimSpace(val)) {
			case "null", "[]", "{}", `""`:
			default:
				v.keys[k] = true
			}
		}
	}
	return v.keys[key]
}

// match reports whether the event passes every condition of f. A path
// filter passes only UPDATEs (a withdrawal-only UPDATE has an empty path);
// a prefix filter only UPDATEs with a matching announced or withdrawn
// prefix.
func (f *filter) match(v *view) bool {
	ev := v.ev
	switch {
	case v.typ == "":
		return false
	case f.host != "" && ev.Collector != f.host:
		return false
	case f.typ != "" && v.typ != f.typ:
		return false
	case f.peer.IsValid() && ev.PeerAddr.Unmap() != f.peer:
		return false
	}
	if f.path != nil || f.prefix.IsValid() {
		if v.typ != "UPDATE" || !v.decode() {
			return false
		}
		if f.path != nil && !f.path.match(v.path) {
			return false
		}
		if f.prefix.IsValid() && !f.anyPrefix(v.ann) && !f.anyPrefix(v.wd) {
			return false
		}
	}
	return f.require == "" || v.has(f.require)
}

func (f *filter) anyPrefix(ps []netip.Prefix) bool {
	for _, p := range ps {
		if f.matchPrefix(p) {
			return true
		}
	}
	return false
}
