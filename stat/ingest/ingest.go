package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/routestat/routestat/mrtdump"
	"github.com/routestat/routestat/stat/index"
)

// Store is where ingest applies events: stat/index's Index. Apply must
// store the checkpoint atomically with the events.
type Store interface {
	Apply(ctx context.Context, events []index.Event, cp index.Checkpoint) error
	Checkpoint(source string) (cp index.Checkpoint, ok bool, err error)
}

// Options configure Run. Zero values select the defaults.
type Options struct {
	// BatchSize is how many events one Apply (and one checkpoint) holds
	// (default 50,000).
	BatchSize int
	// Log receives one line per file and the records that could not be
	// read (default slog.Default()).
	Log *slog.Logger
	// Progress, when not nil, gets a progress line redrawn in place (a
	// terminal). Without it, progress is logged every ProgressEvery.
	Progress io.Writer
	// ProgressEvery is how often progress is logged without a terminal
	// (default 10s).
	ProgressEvery time.Duration
	// Client fetches URLs (default http.DefaultClient).
	Client *http.Client
}

// Stats count what Run did.
type Stats struct {
	// Files were read; Skipped were already ingested to their end.
	Files, Skipped int
	// Records were read, Events applied (records before a checkpoint are
	// read again on resume but their events are not applied twice).
	Records, Events int64
	// BadRecords could not be framed or decoded; each was logged with its
	// file and byte offset and the rest of the file was ingested.
	BadRecords int64
	// Bytes is the compressed input read.
	Bytes int64
}

// Run ingests the sources in order into store, resuming each from its
// checkpoint: a source ingested to its end is skipped, one cut short by a
// crash goes on after the last applied batch. Damaged records are logged
// (file and byte offset) and skipped. It stops at the first error from the
// store or from opening a source, and when ctx is done.
func Run(ctx context.Context, store Store, srcs []Source, opt Options) (Stats, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 50000
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = 10 * time.Second
	}
	if opt.Client == nil {
		opt.Client = http.DefaultClient
	}
	p := newProgress(srcs, opt)
	var st Stats
	for i, src := range srcs {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		p.startFile(i, src)
		err := ingestSource(ctx, store, src, opt, &st, p)
		p.endFile()
		if err != nil {
			return st, err
		}
	}
	p.finish(&st)
	return st, nil
}

// ingestSource ingests one source from its checkpoint.
func ingestSource(ctx context.Context, store Store, src Source, opt Options, st *Stats, p *progress) error {
	cp, ok, err := store.Checkpoint(src.Name)
	if err != nil {
		return fmt.Errorf("%s: read checkpoint: %w", src.Name, err)
	}
	if ok && cp.Done {
		st.Skipped++
		opt.Log.Info("already ingested", "file", src.Name)
		return nil
	}
	body, err := open(ctx, src, opt.Client)
	if err != nil {
		return err
	}
	defer body.Close()
	cr := &countingReader{r: body, n: &p.cur}
	defer func() { st.Bytes += p.cur.Load() }()
	r, closer, err := mrtdump.NewDecompressingReader(cr)
	if err != nil {
		return fmt.Errorf("%s: %w", src.Name, err)
	}
	defer closer.Close()
	r.Resync = true
	st.Files++
	if cp.Offset > 0 {
		opt.Log.Info("resuming", "file", src.Name, "offset", cp.Offset)
	}

	conv := index.NewConverter(src.Collector)
	batch := make([]index.Event, 0, opt.BatchSize)
	emit := func(e index.Event) { batch = append(batch, e) }
	discard := func(index.Event) {}
	flush := func(done bool) error {
		next := index.Checkpoint{Source: src.Name, Offset: r.Offset(), Done: done}
		if err := store.Apply(ctx, batch, next); err != nil {
			return fmt.Errorf("%s: apply events up to offset %d: %w", src.Name, next.Offset, err)
		}
		st.Events += int64(len(batch))
		p.addEvents(len(batch))
		batch = make([]index.Event, 0, opt.BatchSize)
		return nil
	}
	var bad int64
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var fe *mrtdump.FramingError
			if !errors.As(err, &fe) {
				return fmt.Errorf("%s: %w", src.Name, err)
			}
			bad++
			opt.Log.Warn("damaged MRT record", "file", src.Name, "offset", fe.Offset, "err", err)
			if fe.Resumed {
				continue
			}
			break // the rest of the file cannot be framed
		}
		st.Records++
		p.addRecord()
		if rec.Header.Offset < cp.Offset {
			// Applied before a crash: only the converter's state (the
			// peer index table) is wanted.
			conv.Record(rec, discard)
			continue
		}
		if err := conv.Record(rec, emit); err != nil {
			bad++
			opt.Log.Warn("undecodable MRT record", "file", src.Name, "offset", rec.Header.Offset, "err", err)
			continue
		}
		if len(batch) >= opt.BatchSize {
			if err := flush(false); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	st.BadRecords += bad
	if err := flush(true); err != nil {
		return err
	}
	opt.Log.Info("ingested", "file", src.Name, "collector", src.Collector, "bad_records", bad)
	return nil
}

// open opens a local file or fetches a URL.
func open(ctx context.Context, src Source, client *http.Client) (io.ReadCloser, error) {
	if !src.IsURL() {
		return os.Open(src.Name)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("fetch %s: HTTP %s", src.Name, resp.Status)
	}
	return resp.Body, nil
}

// countingReader counts the compressed bytes read, for progress. The
// decompressor may read from another goroutine.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}
