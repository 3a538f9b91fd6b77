package bus

import (
	"net/netip"
	"time"
)

// Kind says what an Event is.
type Kind uint8

// The kinds of events.
const (
	// KindMessage is a BGP message received from a peer (or, with Local,
	// sent to it).
	KindMessage Kind = iota + 1
	// KindState is a change of a peer's BGP FSM state.
	KindState
)

// FSM states as MRT numbers them (RFC 6396 section 4.4.1).
const (
	StateIdle        uint16 = 1
	StateConnect     uint16 = 2
	StateActive      uint16 = 3
	StateOpenSent    uint16 = 4
	StateOpenConfirm uint16 = 5
	StateEstablished uint16 = 6
)

// Event is one thing a collector saw. Events are shared between
// subscribers: once published, an Event and its Message must not be
// modified.
type Event struct {
	Kind Kind
	// Seq numbers a collector's events from 1 in publication order.
	Seq uint64
	// Time is when the collector received the message or saw the change,
	// with microseconds.
	Time time.Time
	// Collector is the collector's name, e.g. "rrc00".
	Collector string
	// PeerAddr and LocalAddr are the session's addresses (same family);
	// PeerAS and LocalAS its AS numbers.
	PeerAddr, LocalAddr netip.Addr
	PeerAS, LocalAS     uint32
	// AS4 tells whether the session negotiated 4-byte AS numbers (and so
	// how AS_PATH in Message is encoded); AddPath whether Message carries
	// ADD-PATH path identifiers (RFC 7911) for its family.
	AS4, AddPath bool
	// Local marks a message the collector sent (its OPEN, KEEPALIVEs,
	// NOTIFICATIONs); a collector never sends UPDATEs.
	Local bool
	// Message is the whole BGP message exactly as received, marker
	// included (KindMessage only).
	Message []byte
	// OldState and NewState are the FSM states of a KindState event.
	OldState, NewState uint16
	// Reason says why a session went down (a NOTIFICATION's code and
	// subcode, a hold timer expiry, a closed connection), for KindState
	// events leaving Established; empty otherwise.
	Reason string
}

// MessageType returns the BGP message type of a KindMessage event (2 for
// UPDATE), or 0.
func (e *Event) MessageType() uint8 {
	if e.Kind != KindMessage || len(e.Message) < 19 {
		return 0
	}
	return e.Message[18]
}
