package api

import (
	"container/list"
	"encoding/json"
	"sync"
	"time"
)

// cached is a stored answer to a historical query.
type cached struct {
	key      string
	data     json.RawMessage
	messages [][2]string
	// filled is when the answer was computed: the envelope's "time" of
	// every response served from it, as RIPEstat's cached answers show
	// the fill time.
	filled time.Time
}

// size is the memory an entry is charged for.
func (e *cached) size() int64 {
	n := int64(len(e.key)+len(e.data)) + 128
	for _, m := range e.messages {
		n += int64(len(m[0])+len(m[1])) + 32
	}
	return n
}

// responseCache is a least-recently-used cache of answers, bounded in
// bytes. It is safe for concurrent use; a nil *responseCache caches
// nothing.
type responseCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // of *cached, most recently used first
	byKey map[string]*list.Element
}

// newResponseCache returns a cache of at most maxBytes, or nil when
// maxBytes is not positive.
func newResponseCache(maxBytes int64) *responseCache {
	if maxBytes <= 0 {
		return nil
	}
	return &responseCache{max: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the entry for key and marks it used.
func (c *responseCache) get(key string) (*cached, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cached), true
}

// put stores e, evicting the least recently used entries to make room.
// An entry larger than an eighth of the cache is not stored, so that one
// huge answer cannot empty it.
func (c *responseCache) put(e *cached) {
	if c == nil || e.size() > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.byKey[e.key]; ok {
		c.size -= old.Value.(*cached).size()
		c.order.Remove(old)
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.size += e.size()
	for c.size > c.max {
		last := c.order.Back()
		v := last.Value.(*cached)
		c.order.Remove(last)
		delete(c.byKey, v.key)
		c.size -= v.size()
	}
}
