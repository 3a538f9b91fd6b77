package mrtdump

import "fmt"

// Summary decodes records fully (every RIB entry's and UPDATE's attributes)
// without printing them, and counts what they hold. It is the decode-only
// path: what any consumer pays before doing its own work.
type Summary struct {
	Records      int // records seen
	Routes       int // RIB entries and announced prefixes
	Withdrawals  int // withdrawn prefixes
	StateChanges int // BGP FSM state changes
	Messages     int // BGP messages other than UPDATE
	Skipped      int // records that could not be decoded

	peers *PeerIndexTable
	msg   Message
	rib   RIB
	td    TableDumpV1
	sc    StateChange
	at    Attrs
}

// Record decodes and counts one record. It returns a *DecodeError when the
// record could not be decoded.
func (s *Summary) Record(rec *Record) error {
	s.Records++
	if err := s.record(rec); err != nil {
		s.Skipped++
		return &DecodeError{Header: rec.Header, Err: err}
	}
	return nil
}

// Flush does nothing; it lets a Summary stand where a Dumper does.
func (s *Summary) Flush() error { return nil }

func (s *Summary) record(rec *Record) error {
	switch rec.Type {
	case TypeTableDumpV2:
		if rec.Subtype == SubPeerIndexTable {
			t, err := DecodePeerIndexTable(rec.Body)
			if err == nil {
				s.peers = t
			}
			return err
		}
		if rec.Subtype == SubRIBGeneric || rec.Subtype == SubRIBGenericAddPath {
			return nil
		}
		if err := DecodeRIB(rec.Body, rec.Subtype, &s.rib); err != nil {
			return err
		}
		if s.peers == nil {
			return fmt.Errorf("%w: RIB record without a preceding PEER_INDEX_TABLE", ErrMalformed)
		}
		for i := range s.rib.Entries {
			e := &s.rib.Entries[i]
			if int(e.PeerIndex) >= len(s.peers.Peers) {
				return fmt.Errorf("%w: peer index %d beyond the %d peers of the PEER_INDEX_TABLE", ErrMalformed, e.PeerIndex, len(s.peers.Peers))
			}
			s.at.Parse(e.Attrs, 4, s.rib.AddPath)
			s.Routes++
		}
		return nil
	case TypeTableDump:
		if err := DecodeTableDumpV1(rec.Body, rec.Subtype, &s.td); err != nil {
			return err
		}
		for {
			s.at.Parse(s.td.Attrs, s.td.ASNSize, false)
			s.Routes++
			more, err := s.td.NextEntry()
			if err != nil || !more {
				return err
			}
		}
	case TypeBGP4MP, TypeBGP4MPET:
		switch rec.Subtype {
		case SubStateChange, SubStateChangeAS4:
			size := 2
			if rec.Subtype == SubStateChangeAS4 {
				size = 4
			}
			if err := DecodeStateChange(rec.Body, size, &s.sc); err != nil {
				return err
			}
			s.StateChanges++
			return nil
		case SubEntry, SubSnapshot:
			return nil
		}
		if err := DecodeMessage(rec.Body, rec.Subtype, &s.msg); err != nil {
			return err
		}
		s.countMessage()
		return nil
	case TypeBGP:
		switch rec.Subtype {
		case SubBGPUpdate:
			DecodeBGP5(rec.Body, &s.msg)
			s.countMessage()
		case SubBGPStateChange:
			s.StateChanges++
		default:
			s.Messages++
		}
		return nil
	}
	return fmt.Errorf("%w: MRT type %d", ErrUnsupported, uint16(rec.Type))
}

func (s *Summary) countMessage() {
	m := &s.msg
	if m.Type != MsgUpdate {
		s.Messages++
		return
	}
	s.Withdrawals += len(m.Withdrawn)
	s.Routes += len(m.NLRI)
	for i := range m.Attrs.Reach {
		if m.Attrs.Reach[i].Present {
			s.Routes += len(m.Attrs.Reach[i].Prefixes)
		}
		if m.Attrs.Unreach[i].Present {
			s.Withdrawals += len(m.Attrs.Unreach[i].Prefixes)
		}
	}
}
