package rpki

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// racyWindow is how long after its modification time a file may still
// change without its modification time changing, on file systems with
// coarse time stamps (FAT: 2 s). While a loaded file is that young, Poll
// compares its content hash too.
const racyWindow = 2 * time.Second

// errChanging is returned by Poll when the file changed while it was
// being read; the next poll reads it again.
var errChanging = errors.New("file changed while being read; will retry")

// Source holds the current Set of a VRP file and reloads it when the file
// changes (see Run). Set, Loaded, Validate and Path are safe for
// concurrent use.
type Source struct {
	// OnReload, if not nil, is called after the Set was replaced by one
	// read from changed file content, with the previous and the new Set,
	// on the goroutine that polled (Run's). It is not called for the
	// first load by NewSource. Set it before calling Run or Poll.
	OnReload func(old, new *Set)

	path string
	log  *slog.Logger
	cur  atomic.Pointer[current]

	mu   sync.Mutex // serialises polls; guards seen
	seen seen
}

// current is a loaded Set with its provenance.
type current struct {
	set *Set
	at  time.Time
	sum [sha256.Size]byte
}

// seen describes the file content last read, whether or not it parsed.
type seen struct {
	info os.FileInfo
	sum  [sha256.Size]byte
	// racy is set while the file might change without its size and
	// modification time changing (see racyWindow).
	racy bool
}

// NewSource loads the VRP file at path (see Load) and returns a Source
// holding it; it fails if the file cannot be loaded. log receives the
// reload messages of Run; nil discards them.
func NewSource(path string, log *slog.Logger) (*Source, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{path: path, log: log}
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	// A file being rewritten in place is retried for a short while.
	for try := 0; try < 5; try++ {
		if try > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		if _, err = s.load(time.Now()); !errors.Is(err, errChanging) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the path of the VRP file.
func (s *Source) Path() string { return s.path }

// Set returns the current Set; it never returns nil.
func (s *Source) Set() *Set { return s.cur.Load().set }

// Loaded returns when the current Set was read from the file.
func (s *Source) Loaded() time.Time { return s.cur.Load().at }

// Validate validates a route against the current Set (see
// Set.Validate), returning the state as "valid", "invalid" or
// "not-found" and a sentence explaining it (Validation.Detail). It
// satisfies the hijack detector's RPKI interface.
func (s *Source) Validate(p netip.Prefix, origin uint32) (state, detail string) {
	v := s.Set().Validate(p, origin)
	return v.State.String(), v.Detail()
}

// Run polls the file every interval (1 minute if every ≤ 0) until ctx is
// done, reloading it when it changed (see Poll). A reload that fails is
// logged and the previous Set kept; an error that repeats is logged
// once.
func (s *Source) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	lastErr := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		reloaded, err := s.Poll()
		switch {
		case errors.Is(err, errChanging):
			s.log.Debug("rpki: VRP file is being written, will retry", "path", s.path)
		case err != nil:
			if err.Error() != lastErr {
				s.log.Error("rpki: reloading VRPs failed, keeping the previous ones", "path", s.path, "err", err,
					"vrps", s.Set().Len(), "loaded", s.Loaded())
				lastErr = err.Error()
			}
		case reloaded:
			lastErr = ""
			s.log.Info("rpki: VRPs reloaded", "path", s.path, "vrps", s.Set().Len(), "prefixes", s.Set().Prefixes())
		default:
			lastErr = ""
		}
	}
}

// Poll checks the file once and reloads it if it changed: if its
// identity, size or modification time differ from the content last read,
// or, while that content is young enough to change within the same
// modification time, if its SHA-256 differs. It reports whether the Set
// was replaced. A file that changed but holds the same content as the
// current Set is not parsed again into a new Set.
//
// An error is returned when the file was read but does not parse (the
// previous Set is kept, and that content is not retried until the file
// changes again), when it cannot be read, or when it changed while being
// read (retried at the next poll).
func (s *Source) Poll() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	fi, err := os.Stat(s.path)
	if err != nil {
		return false, fmt.Errorf("rpki: %w", err)
	}
	if sameFile(fi, s.seen.info) {
		if !s.seen.racy {
			return false, nil
		}
		sum, err := hashFile(s.path)
		if err != nil {
			return false, fmt.Errorf("rpki: %w", err)
		}
		if sum == s.seen.sum {
			// Once the file is older than the window, any change will
			// show in its modification time.
			s.seen.racy = start.Sub(fi.ModTime()) < racyWindow
			return false, nil
		}
	}
	return s.load(start)
}

// load reads and parses the file, started at time start, and replaces
// the current Set if the content differs. s.mu must be held.
func (s *Source) load(start time.Time) (bool, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return false, fmt.Errorf("rpki: %w", err)
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("rpki: %w", err)
	}
	h := sha256.New()
	set, perr := Parse(io.TeeReader(f, h), s.path)
	if _, err := io.Copy(h, f); err != nil && perr == nil { // hash what Parse left
		perr = fmt.Errorf("rpki: %s: %w", s.path, err)
	}
	after, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("rpki: %w", err)
	}
	if !sameFile(before, after) {
		return false, fmt.Errorf("rpki: %s: %w", s.path, errChanging)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	s.seen = seen{info: before, sum: sum, racy: start.Sub(before.ModTime()) < racyWindow}
	if perr != nil {
		return false, perr
	}
	old := s.cur.Load()
	if old != nil && old.sum == sum {
		return false, nil
	}
	s.cur.Store(&current{set: set, at: time.Now(), sum: sum})
	if old != nil && s.OnReload != nil {
		s.OnReload(old.set, set)
	}
	return true, nil
}

// sameFile reports whether a and b describe the same file with the same
// size and modification time; a nil b matches nothing.
func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// hashFile returns the SHA-256 of the file at path.
func hashFile(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}
