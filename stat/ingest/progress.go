package ingest

import (
	"fmt"
	"io"
	"log/slog"
	"path"
	"sync/atomic"
	"time"
)

// progress reports how far Run is: a line redrawn in place on a terminal,
// or a log line now and then.
type progress struct {
	w     io.Writer // a terminal, or nil
	log   *slog.Logger
	every time.Duration // between redraws or log lines

	files int
	file  int
	name  string
	// total is the compressed size of every source, -1 when one is
	// unknown; done the size of the sources finished.
	total, done int64
	cur         atomic.Int64 // bytes read of the current source

	records, events int64
	start, last     time.Time
}

func newProgress(srcs []Source, opt Options) *progress {
	p := &progress{w: opt.Progress, log: opt.Log, every: opt.ProgressEvery, files: len(srcs), start: time.Now()}
	if p.w != nil {
		p.every = 200 * time.Millisecond
	}
	for _, s := range srcs {
		if s.Size < 0 {
			p.total = -1
			break
		}
		p.total += s.Size
	}
	p.last = p.start
	return p
}

func (p *progress) startFile(i int, s Source) {
	p.file, p.name = i+1, path.Base(s.Name)
	p.cur.Store(0)
}

func (p *progress) endFile() {
	p.done += p.cur.Load()
	p.cur.Store(0)
}

func (p *progress) addRecord() {
	p.records++
	if p.records&1023 == 0 {
		if now := time.Now(); now.Sub(p.last) >= p.every {
			p.last = now
			p.report(now)
		}
	}
}

func (p *progress) addEvents(n int) { p.events += int64(n) }

// report draws or logs the progress.
func (p *progress) report(now time.Time) {
	elapsed := now.Sub(p.start)
	read := p.done + p.cur.Load()
	rate := float64(p.events) / max(elapsed.Seconds(), 1e-3)
	eta := "?"
	if p.total > 0 && read > 0 {
		left := time.Duration(float64(elapsed) * float64(p.total-read) / float64(read))
		eta = left.Round(time.Second).String()
	}
	if p.w != nil {
		fmt.Fprintf(p.w, "\r[%d/%d] %s  %s records  %s routes  %s routes/s  ETA %s\x1b[K",
			p.file, p.files, p.name, count(p.records), count(p.events), count(int64(rate)), eta)
		return
	}
	p.log.Info("ingest progress", "file", p.file, "files", p.files, "name", p.name,
		"records", p.records, "routes", p.events, "routes_per_s", int64(rate), "eta", eta)
}

// finish ends the progress line and logs the totals.
func (p *progress) finish(st *Stats) {
	if p.w != nil {
		p.report(time.Now())
		fmt.Fprintln(p.w)
	}
	elapsed := time.Since(p.start)
	p.log.Info("ingest done", "files", st.Files, "already_ingested", st.Skipped, "records", st.Records,
		"routes", st.Events, "bad_records", st.BadRecords, "seconds", elapsed.Seconds(),
		"routes_per_s", int64(float64(st.Events)/max(elapsed.Seconds(), 1e-3)))
}

// count writes n with a k/M suffix.
func count(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	default:
		return fmt.Sprint(n)
	}
}
