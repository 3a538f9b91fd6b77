package mrtdump

import (
	"bytes"
	"encoding/json"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestMessageEncoder checks that a bare BGP message or state change, as a
// collector sees it, encodes byte for byte as JSONEncoder encodes the same
// BGP4MP record (with the same sequence number in the id), and that
// UnicastRoutes and AppendPath agree with the JSON, for the crafted
// archive and real RIS files.
func TestMessageEncoder(t *testing.T) {
	root, _ := testMRTFiles(t)
	readers := map[string]*Reader{"crafted": NewReader(bytes.NewReader(jsonArchive(t)))}
	for _, rel := range []string{"ripe-bgpdump-testdata/updates.20160811.1600.gz", "ripe-bgpdump-testdata/updates.et-header.2015.gz"} {
		readers[rel] = testOpenMRT(t, filepath.Join(root, rel))
	}
	for name, r := range readers {
		var buf bytes.Buffer
		je := NewJSONEncoder(&buf, JSONOptions{Host: "rrc00", IncludeRaw: true})
		me := NewMessageEncoder("rrc00")
		var rm Message
		var sc StateChange
		var objects uint64 // objects je has written: the number in its ids
		messages, states := 0, 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if rec.Type != TypeBGP4MP && rec.Type != TypeBGP4MPET {
				continue
			}
			buf.Reset()
			seq := objects
			if je.Record(rec) != nil {
				continue
			}
			if err := je.Flush(); err != nil {
				t.Fatal(err)
			}
			want := buf.Bytes()
			objects += uint64(bytes.Count(want, []byte{'\n'}))
			if len(want) == 0 {
				continue
			}
			want = want[:len(want)-1]
			meta := MessageMeta{Time: time.Unix(int64(rec.Time), int64(rec.Microseconds)*1000), Seq: seq}
			var got []byte
			switch rec.Subtype {
			case SubStateChange, SubStateChangeAS4:
				size := 2
				if rec.Subtype == SubStateChangeAS4 {
					size = 4
				}
				if err := DecodeStateChange(rec.Body, size, &sc); err != nil {
					t.Fatal(err)
				}
				meta.Peer, meta.PeerAS = addr(&sc.PeerAddr, sc.AFI == AFIIPv6), sc.PeerAS
				if got, err = me.StateChange(&meta, sc.OldState, sc.NewState); err != nil {
					t.Fatal(err)
				}
				states++
			default:
				if err := DecodeMessage(rec.Body, rec.Subtype, &rm); err != nil {
					t.Fatal(err)
				}
				meta.Peer, meta.PeerAS = addr(&rm.PeerAddr, rm.AFI == AFIIPv6), rm.PeerAS
				meta.AS4, meta.AddPath, meta.Local = rm.AS4, rm.AddPath, rm.Local
				m, err := me.Decode(rm.Raw, &meta)
				if err != nil {
					t.Fatalf("%s at %d: Decode: %v", name, rec.Offset, err)
				}
				if got, err = me.Encode(&meta, true); err != nil {
					t.Fatalf("%s at %d: Encode: %v", name, rec.Offset, err)
				}
				checkRoutesAndPath(t, m, got)
				again, err := me.Encode(&meta, true)
				if err != nil || !bytes.Equal(again, want) {
					t.Fatalf("%s at %d: second Encode differs (%v):\n%s", name, rec.Offset, err, again)
				}
				messages++
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s at %d:\nMessageEncoder %s\nJSONEncoder    %s", name, rec.Offset, got, want)
			}
		}
		if messages == 0 {
			t.Fatalf("%s: no messages compared", name)
		}
		t.Logf("%s: %d messages, %d state changes identical", name, messages, states)
	}
}

// checkRoutesAndPath checks that m's UnicastRoutes and AppendPath give the
// prefixes and path of its JSON object.
func checkRoutesAndPath(t *testing.T, m *Message, object []byte) {
	t.Helper()
	var o struct {
		Path          []json.RawMessage `json:"path"`
		Announcements []struct {
			Prefixes []string `json:"prefixes"`
		} `json:"announcements"`
		Withdrawals []string `json:"withdrawals"`
	}
	if err := json.Unmarshal(object, &o); err != nil {
		t.Fatalf("%v: %s", err, object)
	}
	var wantAnn []string
	for i, a := range o.Announcements {
		// a link-local next hop repeats the prefixes in a second
		// announcement
		if i > 0 && slices.Equal(a.Prefixes, o.Announcements[i-1].Prefixes) {
			continue
		}
		wantAnn = append(wantAnn, a.Prefixes...)
	}
	ann, wd := m.UnicastRoutes(nil, nil)
	strs := func(ps []netip.Prefix) []string {
		var s []string
		for _, p := range ps {
			s = append(s, p.String())
		}
		return s
	}
	gotAnn := strs(ann)
	slices.Sort(gotAnn)
	slices.Sort(wantAnn)
	if !slices.Equal(gotAnn, wantAnn) || !slices.Equal(strs(wd), o.Withdrawals) {
		t.Fatalf("UnicastRoutes = %v, %v; JSON %s", gotAnn, strs(wd), object)
	}
	var path []byte
	path = append(path, '[')
	for i, e := range m.Attrs.AppendPath(nil) {
		if i > 0 {
			path = append(path, ',')
		}
		if e.Set == nil {
			path = appendUint(path, uint64(e.AS))
			continue
		}
		path = append(path, '[')
		for j, as := range e.Set {
			if j > 0 {
				path = append(path, ',')
			}
			path = appendUint(path, uint64(as))
		}
		path = append(path, ']')
	}
	path = append(path, ']')
	want, _ := json.Marshal(o.Path)
	if o.Path == nil {
		want = []byte("[]")
	}
	if !bytes.Equal(path, want) {
		t.Fatalf("AppendPath = %s, JSON path %s in %s", path, want, object)
	}
}

// TestMessageEncoderErrors checks Encode without Decode and undecodable
// messages.
func TestMessageEncoderErrors(t *testing.T) {
	me := NewMessageEncoder("rrc00")
	meta := MessageMeta{Time: time.Unix(1, 0), Peer: netip.MustParseAddr("192.0.2.1"), PeerAS: 64500, AS4: true}
	if _, err := me.Encode(&meta, false); err == nil {
		t.Fatal("Encode without Decode: no error")
	}
	if _, err := me.Decode(make([]byte, 10), &meta); err == nil {
		t.Fatal("Decode of 10 bytes: no error")
	}
	if _, err := me.Encode(&meta, false); err == nil {
		t.Fatal("Encode after a failed Decode: no error")
	}
	// an OPEN too short to hold its fields decodes but cannot be written
	open := append(bytes.Repeat([]byte{0xff}, 16), 0, 20, MsgOpen, 4)
	if _, err := me.Decode(open, &meta); err != nil {
		t.Fatal(err)
	}
	if _, err := me.Encode(&meta, false); err == nil {
		t.Fatal("Encode of a 20-byte OPEN: no error")
	}
	keepalive := append(bytes.Repeat([]byte{0xff}, 16), 0, 19, MsgKeepalive)
	if _, err := me.Decode(keepalive, &meta); err != nil {
		t.Fatal(err)
	}
	got, err := me.Encode(&meta, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timestamp":1.0,"peer":"192.0.2.1","peer_asn":"64500","id":"rrc00-192.0.2.1-1.0-0","host":"rrc00","type":"KEEPALIVE"}`
	if string(got) != want {
		t.Fatalf("KEEPALIVE:\n got %s\nwant %s", got, want)
	}
}
