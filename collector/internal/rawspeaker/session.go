package rawspeaker

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// HoldTime is the hold time the speaker offers (seconds); it sends a
// KEEPALIVE at least every HoldTime/3.
const HoldTime = 90

// chunk is how many bytes of UPDATEs are written at once (cut at a
// message boundary).
const chunk = 256 << 10

// Session is an established BGP session to the collector.
type Session struct {
	Local netip.Addr
	AS    uint32
	conn  net.Conn

	mu       sync.Mutex // serializes writes
	lastSent time.Time
	done     chan struct{}
	errMu    sync.Mutex
	err      error // from the reader: NOTIFICATION or broken connection
}

// LocalAddr returns the i-th loopback source address, from 127.0.0.2:
// 127.0.0.2 … 127.0.0.255, 127.0.1.1 …, skipping .0 and .255 after the
// first block.
func LocalAddr(i int) netip.Addr {
	if i < 254 {
		return netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 2)})
	}
	i -= 254
	return netip.AddrFrom4([4]byte{127, 0, byte(1 + i/254), byte(1 + i%254)})
}

// Dial opens a BGP session from local (a loopback address) to addr
// ("host:port") as AS as, with BGP identifier local, offering 4-byte AS
// numbers and IPv4 and IPv6 unicast, and returns once it is Established
// (OPENs and KEEPALIVEs exchanged).
func Dial(ctx context.Context, local netip.Addr, addr string, as uint32) (*Session, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: local.AsSlice()}, Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s from %s: %w", addr, local, err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetWriteBuffer(1 << 20)
	}
	s := &Session{Local: local, AS: as, conn: conn, done: make(chan struct{})}
	if err := s.handshake(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session from %s: %w", local, err)
	}
	go s.readLoop()
	go s.keepalives()
	return s, nil
}

// open encodes the OPEN message.
func (s *Session) open() []byte {
	my := uint16(s.AS)
	if s.AS > 0xffff {
		my = 23456 // AS_TRANS
	}
	caps := []byte{
		1, 4, 0, 1, 0, 1, // MP IPv4 unicast
		1, 4, 0, 2, 0, 1, // MP IPv6 unicast
		2, 0, // route refresh
		65, 4, // 4-byte AS
	}
	caps = binary.BigEndian.AppendUint32(caps, s.AS)
	b := []byte{4, byte(my >> 8), byte(my), 0, HoldTime}
	b = append(b, s.Local.AsSlice()...)
	b = append(b, byte(len(caps)+2), 2, byte(len(caps)))
	b = append(b, caps...)
	return message(1, b)
}

func message(typ byte, body []byte) []byte {
	m := append(marker[:], 0, 0, typ)
	m = append(m, body...)
	binary.BigEndian.PutUint16(m[16:], uint16(len(m)))
	return m
}

func (s *Session) handshake() error {
	s.conn.SetDeadline(time.Now().Add(30 * time.Second))
	defer s.conn.SetDeadline(time.Time{})
	if _, err := s.conn.Write(s.open()); err != nil {
		return err
	}
	for _, want := range []byte{1, 4} {
		typ, body, err := readMessage(s.conn)
		if err != nil {
			return err
		}
		if typ == 3 {
			return notification(body)
		}
		if typ != want {
			return fmt.Errorf("got message type %d, want %d", typ, want)
		}
		if typ == 1 {
			if _, err := s.conn.Write(message(4, nil)); err != nil {
				return err
			}
		}
	}
	s.lastSent = time.Now()
	return nil
}

func readMessage(r io.Reader) (byte, []byte, error) {
	var h [19]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint16(h[16:]))
	if n < 19 || n > 65535 {
		return 0, nil, fmt.Errorf("bad message length %d", n)
	}
	body := make([]byte, n-19)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return h[18], body, nil
}

func notification(body []byte) error {
	if len(body) < 2 {
		return errors.New("received a NOTIFICATION")
	}
	return fmt.Errorf("received NOTIFICATION %d/%d", body[0], body[1])
}

// readLoop reads and discards what the collector sends (KEEPALIVEs) until
// a NOTIFICATION or the connection ends.
func (s *Session) readLoop() {
	defer close(s.done)
	for {
		typ, body, err := readMessage(s.conn)
		if err == nil && typ == 3 {
			err = notification(body)
		}
		if err != nil {
			s.errMu.Lock()
			s.err = err
			s.errMu.Unlock()
			return
		}
	}
}

// Err returns why the session ended, or nil while it runs.
func (s *Session) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// keepalives sends a KEEPALIVE when nothing was sent for HoldTime/3.
func (s *Session) keepalives() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if time.Since(s.lastSent) >= HoldTime/3*time.Second {
			s.conn.Write(message(4, nil))
			s.lastSent = time.Now()
		}
		s.mu.Unlock()
	}
}

// Send writes the concatenated messages msgs, in chunks cut at message
// boundaries.
func (s *Session) Send(msgs []byte) error {
	for len(msgs) > 0 {
		n := 0
		for n < len(msgs) && n < chunk {
			if len(msgs)-n < 19 {
				return errors.New("message cut short")
			}
			n += int(binary.BigEndian.Uint16(msgs[n+16:]))
		}
		if n > len(msgs) {
			return errors.New("message cut short")
		}
		s.mu.Lock()
		_, err := s.conn.Write(msgs[:n])
		s.lastSent = time.Now()
		s.mu.Unlock()
		if err != nil {
			if e := s.Err(); e != nil {
				return e
			}
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

// Close sends a Cease NOTIFICATION (administrative shutdown) and closes
// the connection.
func (s *Session) Close() error {
	s.mu.Lock()
	s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	s.conn.Write(message(3, []byte{6, 2}))
	s.mu.Unlock()
	err := s.conn.Close()
	<-s.done
	return err
}
