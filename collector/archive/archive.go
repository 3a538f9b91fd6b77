package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/routestat/routestat/collector/bus"
	"github.com/routestat/routestat/mrtdump"
)

// Config says where and how the archive is written. Zero fields take the
// defaults of WithDefaults.
type Config struct {
	// Dir is the archive's root directory; files go to
	// Dir/Collector/YYYY.MM/.
	Dir string
	// Collector names the collector, e.g. "rrc00".
	Collector string
	// UpdatesInterval is how much time one updates file covers (default
	// 5 minutes); files start at multiples of it.
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

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Dir == "" {
		c.Dir = "var/archive"
	}
	if c.Collector == "" {
		c.Collector = "rrc00"
	}
	if c.UpdatesInterval <= 0 {
		c.UpdatesInterval = 5 * time.Minute
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Archive writes a collector's events as RIS-style MRT files. Run writes
// the updates files; DumpRIB writes a RIB dump. Both may run at once.
type Archive struct {
	cfg Config
	log *slog.Logger
	m   *metrics
	cur *mrtFile // the open updates file, if any
}

// New prepares an archive: it creates the collector's directory and
// recovers the temporary files a crash left behind (see Recover).
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Archive, error) {
	cfg = cfg.WithDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Archive{cfg: cfg, log: log.With("collector", cfg.Collector), m: newMetrics(cfg.Collector, reg)}
	root := filepath.Join(cfg.Dir, cfg.Collector)
	if err := os.MkdirAll(root, 0o755); err != nil {
		a.m.errors.Inc()
		return nil, fmt.Errorf("archive directory %s: %w", root, err)
	}
	if _, err := a.Recover(); err != nil {
		return nil, err
	}
	return a, nil
}

// Run writes every event from sub until ctx is done or the subscription
// is closed, then completes the open file. It returns the first error that
// stops archiving (a file that cannot be created, written or synced); the
// file being written then stays under its temporary name.
func (a *Archive) Run(ctx context.Context, sub *bus.Subscription) error {
	flush := time.NewTicker(a.cfg.FlushInterval)
	defer flush.Stop()
	var dropped uint64
	for {
		select {
		case <-ctx.Done():
			return a.closeCurrent()
		case ev, ok := <-sub.C():
			if !ok {
				return a.closeCurrent()
			}
			if err := a.write(ev); err != nil {
				return a.fail(err)
			}
		case <-flush.C:
			if d := sub.Dropped(); d > dropped {
				a.log.Error("archive fell behind the collector: events lost", "lost", d-dropped)
				a.m.lost.Add(float64(d - dropped))
				dropped = d
			}
			if err := a.tick(); err != nil {
				return a.fail(err)
			}
		}
	}
}

// fail logs and counts an error that stops archiving.
func (a *Archive) fail(err error) error {
	if a.cur != nil {
		a.cur.abandon()
		a.cur = nil
	}
	a.m.errors.Inc()
	a.log.Error("archive stopped", "err", err)
	return err
}

// tick flushes the open file and closes it when its interval is over.
func (a *Archive) tick() error {
	if a.cur == nil {
		return nil
	}
	if !a.cfg.Now().Before(a.cur.start.Add(a.cfg.UpdatesInterval)) {
		return a.closeCurrent()
	}
	return a.cur.flush()
}

// intervalStart returns the start of the updates interval holding t.
func (a *Archive) intervalStart(t time.Time) time.Time {
	return t.UTC().Truncate(a.cfg.UpdatesInterval)
}

// write appends one event to the updates file of its interval. An event
// older than the open file's interval (events arrive in order, so only by
// clock steps) goes to the open file: closed files are never reopened.
func (a *Archive) write(ev *bus.Event) error {
	start := a.intervalStart(ev.Time)
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
	a.cur = nil
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

const tmpSuffix = ".tmp"

// create opens a new file of kind for the interval starting at t. A
// temporary file already there (a crash in this interval) is recovered
// first.
func (a *Archive) create(kind string, t time.Time) (*mrtFile, error) {
	final, tmp := a.filePaths(kind, t)
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(tmp), err)
	}
	if _, err := os.Stat(tmp); err == nil {
		if _, err := a.recoverFile(tmp); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", tmp, err)
	}
	m := &mrtFile{a: a, start: t, final: final, tmp: tmp, f: f}
	m.cw = countingWriter{w: f, m: a.m.bytes.WithLabelValues(kind)}
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
// published.
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

// publish gives the complete file tmp its final name, or the first free
// name final with .1, .2, ... before ".gz" when final exists: a restart
// never overwrites an archive file. It syncs the directory.
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
		if i == 1 {
			a.log.Warn("archive file exists; not overwriting it", "path", final)
		}
		name = final[:len(final)-len(".gz")] + "." + fmt.Sprint(i) + ".gz"
	}
	if err := os.Remove(tmp); err != nil {
		return "", fmt.Errorf("publish %s: %w", tmp, err)
	}
	if err := syncDir(filepath.Dir(name)); err != nil {
		return "", err
	}
	return name, nil
}

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

// abandon closes a file that failed and leaves it under its temporary
// name, where Recover finds it.
func (m *mrtFile) abandon() {
	m.f.Close()
}
