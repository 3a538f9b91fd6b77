package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// Config says where and how the archive is written.
type Config struct {
	// Dir is the archive's root directory (required); files go to
	// Dir/Collector/YYYY.MM/.
	Dir string
	// Collector names the collector (required), e.g. "rrc00"; it is one
	// path element.
	Collector string
	// UpdatesInterval is how much time one updates file covers (default 5
	// minutes). It must be a whole number of minutes dividing a day:
	// files start at multiples of it since midnight UTC.
	UpdatesInterval time.Duration
	// FlushInterval bounds what a crash can lose: buffered records are
	// compressed, written and fsynced at least this often (default 1 s).
	FlushInterval time.Duration
	// ET writes BGP4MP_ET records, with microsecond timestamps, instead of
	// BGP4MP.
	ET bool
	// Now returns the current time; tests set it. Default time.Now.
	Now func() time.Time
}

// withDefaults returns c with its zero durations and clock set to their
// defaults, or an error for a configuration the archive cannot follow.
func (c Config) withDefaults() (Config, error) {
	if c.UpdatesInterval == 0 {
		c.UpdatesInterval = 5 * time.Minute
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.Dir == "":
		return c, errors.New("archive: no directory configured")
	case c.Collector == "" || c.Collector == "." || c.Collector == ".." || strings.ContainsAny(c.Collector, `/\`):
		return c, fmt.Errorf("archive: collector name %q is not a single path element", c.Collector)
	case c.UpdatesInterval < time.Minute || c.UpdatesInterval%time.Minute != 0 || 24*time.Hour%c.UpdatesInterval != 0:
		return c, fmt.Errorf("archive: updates interval %s is not a whole number of minutes dividing a day", c.UpdatesInterval)
	case c.FlushInterval < 0:
		return c, fmt.Errorf("archive: negative flush interval %s", c.FlushInterval)
	}
	return c, nil
}

// Archive writes a collector's events as RIS-style MRT files. Run writes
// the updates files; DumpRIB writes RIB dumps, also while Run runs.
type Archive struct {
	cfg Config
	log *slog.Logger
	m   *metrics
	// Run's state: the open updates file, if any, whether records were
	// written to it since its last flush, and the earliest interval an
	// event may still open a file for (the end of the last completed
	// one: completed files are never reopened).
	cur      *mrtFile
	dirty    bool
	minStart time.Time
	// ribMu serialises RIB dumps.
	ribMu sync.Mutex
	// wrapFile, if set, wraps every file's writer (tests inject write
	// errors with it).
	wrapFile func(io.Writer) io.Writer
}

// New prepares an archive: it checks the configuration, creates the
// collector's directory, checks that files can be created in it, and
// recovers the temporary files a crash left behind: the whole records of
// an updates file are published as a complete file, an unfinished RIB
// dump is removed. A nil reg registers no metrics. Only one Archive may
// use a collector's directory at a time.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Archive, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Collector, reg)
	if err != nil {
		return nil, fmt.Errorf("archive metrics for collector %s: %w", cfg.Collector, err)
	}
	a := &Archive{cfg: cfg, log: log.With("collector", cfg.Collector), m: m}
	root := filepath.Join(cfg.Dir, cfg.Collector)
	if err := checkWritable(root); err != nil {
		a.m.errors.Inc()
		a.log.Error("archive directory unusable", "err", err)
		return nil, err
	}
	if err := a.recoverAll(); err != nil {
		a.log.Error("archive recovery failed", "err", err)
		return nil, err
	}
	return a, nil
}

// checkWritable creates dir if needed and checks that a file can be
// created, written and synced in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("archive directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("archive directory %s not writable: %w", dir, err)
	}
	_, err = f.Write([]byte("routestat\n"))
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close(), os.Remove(f.Name()))
	if err != nil {
		return fmt.Errorf("archive directory %s not writable: %w", dir, err)
	}
	return nil
}

// Run writes every event from sub until ctx is done or the subscription
// is closed, then completes the open file. It returns the first error that
// stops archiving (a file that cannot be created, written, synced or
// published); the file being written then stays under its temporary name
// for the next New to recover. Run must not be called again while it runs.
func (a *Archive) Run(ctx context.Context, sub *bus.Subscription) error {
	flush := time.NewTicker(a.cfg.FlushInterval)
	defer flush.Stop()
	var dropped uint64
	for {
		select {
		case <-ctx.Done():
			return a.stop(a.closeCurrent())
		case ev, ok := <-sub.C():
			if !ok {
				return a.stop(a.closeCurrent())
			}
			if err := a.write(ev); err != nil {
				return a.stop(err)
			}
		case <-flush.C:
			if d := sub.Dropped(); d > dropped {
				a.log.Error("archive fell behind the collector: events lost", "lost", d-dropped)
				a.m.lost.Add(float64(d - dropped))
				dropped = d
			}
			if err := a.tick(); err != nil {
				return a.stop(err)
			}
		}
	}
}

// stop ends Run: a nil err passes through; otherwise the open file, if
// any, is left under its temporary name and the error is logged and
// counted.
func (a *Archive) stop(err error) error {
	if err == nil {
		return nil
	}
	if a.cur != nil {
		a.cur.abandon()
		a.cur = nil
	}
	a.m.errors.Inc()
	a.log.Error("archive stopped", "err", err)
	return err
}

// tick makes the open file's new records durable, and completes the file
// when its interval is over.
func (a *Archive) tick() error {
	if a.cur == nil {
		return nil
	}
	if !a.cfg.Now().Before(a.cur.start.Add(a.cfg.UpdatesInterval)) {
		return a.closeCurrent()
	}
	if !a.dirty {
		return nil
	}
	a.dirty = false
	return a.cur.flush()
}

// write appends one event to the updates file of its interval. An event
// from before the open file's interval, or from an interval already
// completed (a late event, a clock step), goes to the open file or to the
// file of the earliest interval not completed: its record keeps its own
// time, and completed files are never reopened.
func (a *Archive) write(ev *bus.Event) error {
	start := ev.Time.UTC().Truncate(a.cfg.UpdatesInterval)
	if start.Before(a.minStart) {
		start = a.minStart
	}
	if a.cur != nil && start.After(a.cur.start) {
		if err := a.closeCurrent(); err != nil {
			return err
		}
	}
	if a.cur == nil {
		f, err := a.create("updates", start)
		if err != nil {
			return err
		}
		a.cur = f
	}
	h := mrtdump.BGP4MPInfo{
		Time:      uint32(ev.Time.Unix()),
		ET:        a.cfg.ET,
		PeerAS:    ev.PeerAS,
		LocalAS:   ev.LocalAS,
		PeerAddr:  ev.PeerAddr,
		LocalAddr: ev.LocalAddr,
		AS4:       true,
	}
	if a.cfg.ET {
		h.Microseconds = uint32(ev.Time.Nanosecond() / 1000)
	}
	var err error
	switch ev.Kind {
	case bus.KindState:
		err = a.cur.w.WriteStateChange(&h, ev.OldState, ev.NewState)
	case bus.KindMessage:
		h.AS4, h.AddPath, h.Local = ev.AS4, ev.AddPath, ev.Local
		if !ev.AS4 {
			h.PeerAS, h.LocalAS = as2(ev.PeerAS), as2(ev.LocalAS)
		}
		err = a.cur.w.WriteMessage(&h, ev.Message)
	default:
		a.log.Warn("event of unknown kind not archived", "seq", ev.Seq, "kind", ev.Kind)
		return nil
	}
	if errors.Is(err, mrtdump.ErrEncode) {
		// One bad event (say, a message longer than BGP allows) must not
		// stop the archive.
		a.m.errors.Inc()
		a.log.Error("event not archived", "seq", ev.Seq, "peer", ev.PeerAddr, "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", a.cur.tmp, err)
	}
	a.dirty = true
	a.m.records.Inc()
	return nil
}

// as2 maps an ASN to the 2-byte MRT header field (RFC 6793 AS_TRANS).
func as2(as uint32) uint32 {
	if as > 0xffff {
		return mrtdump.ASTrans
	}
	return as
}

// closeCurrent completes the open updates file.
func (a *Archive) closeCurrent() error {
	if a.cur == nil {
		return nil
	}
	f := a.cur
	a.cur, a.dirty = nil, false
	a.minStart = f.start.Add(a.cfg.UpdatesInterval)
	path, err := f.finish()
	if err != nil {
		return err
	}
	a.m.files.WithLabelValues("updates").Inc()
	a.log.Info("updates file complete", "path", path, "bytes", f.cw.n)
	return nil
}

// mrtFile is an archive file being written under its temporary name.
type mrtFile struct {
	a          *Archive
	start      time.Time
	final, tmp string
	f          *os.File
	cw         countingWriter
	zw         *gzip.Writer
	w          *mrtdump.Writer
}

// filePaths returns the final and temporary paths of a file of kind
// ("updates" or "bview") starting at t.
func (a *Archive) filePaths(kind string, t time.Time) (final, tmp string) {
	t = t.UTC()
	dir := filepath.Join(a.cfg.Dir, a.cfg.Collector, t.Format("2006.01"))
	name := kind + "." + t.Format("20060102.1504") + ".gz"
	return filepath.Join(dir, name), filepath.Join(dir, "."+name+tmpSuffix)
}

// tmpSuffix ends the names of files being written; with a leading dot they
// are hidden from archive readers.
const tmpSuffix = ".tmp"

// create opens a new file of kind for the interval starting at t. A
// temporary file already there (a crash in this interval) is recovered
// first.
func (a *Archive) create(kind string, t time.Time) (*mrtFile, error) {
	final, tmp := a.filePaths(kind, t)
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(tmp), err)
	}
	if _, err := os.Lstat(tmp); err == nil {
		if err := a.recoverFile(tmp); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", tmp, err)
	}
	m := &mrtFile{a: a, start: t, final: final, tmp: tmp, f: f}
	var w io.Writer = f
	if a.wrapFile != nil {
		w = a.wrapFile(w)
	}
	m.cw = countingWriter{w: w, m: a.m.bytes.WithLabelValues(kind)}
	m.zw = gzip.NewWriter(&m.cw)
	m.w = mrtdump.NewWriter(m.zw)
	return m, nil
}

// flush makes everything written so far durable.
func (m *mrtFile) flush() error {
	if err := m.w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", m.tmp, err)
	}
	if err := m.zw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", m.tmp, err)
	}
	if err := m.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", m.tmp, err)
	}
	return nil
}

// finish completes the gzip stream, syncs the file and publishes it under
// its final name, never replacing an existing file. It returns the path
// published. On error the file stays under its temporary name.
func (m *mrtFile) finish() (string, error) {
	err := m.w.Flush()
	if err == nil {
		err = m.zw.Close()
	}
	if err == nil {
		err = m.f.Sync()
	}
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("complete %s: %w", m.tmp, err)
	}
	return m.a.publish(m.tmp, m.final)
}

// abandon closes a file that failed and leaves it under its temporary
// name, where the next New recovers it.
func (m *mrtFile) abandon() {
	m.f.Close()
}

// publish gives the complete file tmp its final name, or the first free
// name final with .1, .2, ... before ".gz" when final exists: a restart
// never overwrites an archive file. It hard-links, so that no existing
// name is ever replaced, then removes tmp and syncs the directory. A tmp
// already linked to one of those names (a crash between the two steps) is
// only removed.
func (a *Archive) publish(tmp, final string) (string, error) {
	name := final
	for i := 1; ; i++ {
		err := os.Link(tmp, name)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || i > 1000 {
			return "", fmt.Errorf("publish %s as %s: %w", tmp, name, err)
		}
		if sameFile(tmp, name) {
			break
		}
		if i == 1 {
			a.log.Warn("archive file exists; not overwriting it", "path", final)
		}
		name = strings.TrimSuffix(final, ".gz") + "." + strconv.Itoa(i) + ".gz"
	}
	if err := os.Remove(tmp); err != nil {
		return "", fmt.Errorf("publish %s: %w", tmp, err)
	}
	if err := syncDir(filepath.Dir(name)); err != nil {
		return "", err
	}
	return name, nil
}

// sameFile tells whether the paths x and y name the same file.
func sameFile(x, y string) bool {
	fx, err := os.Lstat(x)
	if err != nil {
		return false
	}
	fy, err := os.Lstat(y)
	return err == nil && os.SameFile(fx, fy)
}

// syncDir fsyncs a directory, making the names created in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// countingWriter counts the compressed bytes written to a file.
type countingWriter struct {
	w io.Writer
	n int64
	m prometheus.Counter
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.m.Add(float64(n))
	return n, err
}
