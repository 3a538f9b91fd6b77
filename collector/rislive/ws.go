package rislive

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// readLimit bounds a client message; a larger one ends the connection.
const readLimit = 1 << 20

// serveWS serves /v1/ws/: one goroutine reads client messages, another
// (wsWriter) sends everything, so that a slow client never blocks the
// reading of its own pings and unsubscribes, and nothing blocks the bus.
func (h *Handler) serveWS(w http.ResponseWriter, r *http.Request) {
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.opt.Logger.Debug("rislive: websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return // Upgrade has answered
	}
	c := h.newClient("ws", r)
	if !h.add(c) {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	defer h.remove(c)
	c.subscribeBus()
	defer c.sub.Close()
	c.log.Info("rislive: client connected", "deflate", strings.Contains(r.Header.Get("Sec-Websocket-Extensions"), "permessage-deflate"))

	replies := make(chan []byte, 16)
	writerDone := make(chan struct{})
	reason := make(chan string, 1)
	go func() {
		defer close(writerDone)
		reason <- c.wsWriter(conn, replies)
		conn.Close()
	}()
	c.wsReader(conn, replies, writerDone)
	c.stop()
	<-writerDone
	c.finish(<-reason)
}

// wsReader reads client messages until the connection fails, passing the
// answers to the writer. There is no read deadline: an idle client that
// keeps its subscriptions is never dropped; a vanished one is found when
// writing pings fails.
func (c *client) wsReader(conn *websocket.Conn, replies chan<- []byte, writerDone <-chan struct{}) {
	conn.SetReadLimit(readLimit)
	conn.SetPingHandler(func(data string) error {
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.h.opt.WriteTimeout))
		var ne net.Error
		if errors.Is(err, websocket.ErrCloseSent) || errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		return err
	})
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
				c.log.Debug("rislive: read", "err", err)
			}
			return
		}
		for _, m := range c.handle(b) {
			select {
			case replies <- m:
			case <-writerDone:
				return
			}
		}
	}
}

// wsWriter sends ris_messages, answers and pings until the connection
// fails, the client is too slow or the client is stopped, and returns
// why it ended.
func (c *client) wsWriter(conn *websocket.Conn, replies <-chan []byte) string {
	ping := time.NewTicker(c.h.opt.PingInterval)
	defer ping.Stop()
	write := func(b []byte) error {
		conn.SetWriteDeadline(time.Now().Add(c.h.opt.WriteTimeout))
		return conn.WriteMessage(websocket.TextMessage, b)
	}
	closeWith := func(code int, text string) {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	}
	for {
		select {
		case <-c.done:
			closeWith(websocket.CloseGoingAway, "")
			return "closed"
		case b := <-replies:
			if err := write(b); err != nil {
				return "write: " + err.Error()
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.h.opt.WriteTimeout)); err != nil {
				return "ping: " + err.Error()
			}
		case ev, ok := <-c.sub.C():
			if !ok {
				return "bus closed"
			}
			if m := c.message(ev); m != nil {
				if err := write(m); err != nil {
					return "write: " + err.Error()
				}
			}
		}
		if msg, disconnect := c.checkDrops(time.Now()); msg != nil {
			if err := write(msg); err != nil {
				return "write: " + err.Error()
			}
			if disconnect {
				closeWith(websocket.CloseTryAgainLater, "too slow")
				return "too slow"
			}
		}
	}
}
