package api

import "sync"

// limiter bounds the requests one client has in progress.
type limiter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

// acquire takes a slot for client, or reports false when it has max in
// progress already.
func (l *limiter) acquire(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[client] >= l.max {
		return false
	}
	l.n[client]++
	return true
}

// release gives back a slot taken by acquire.
func (l *limiter) release(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[client] <= 1 {
		delete(l.n, client)
		return
	}
	l.n[client]--
}
