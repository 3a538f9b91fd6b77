package mrtdump

import (
	"io"
	"runtime"
	"sync"
)

// RecordPrinter is what prints records: a Dumper, a JSONEncoder, or the
// ParallelPrinter that spreads either over cores.
type RecordPrinter interface {
	Record(*Record) error
	Flush() error
}

// ParallelPrinter prints records on several goroutines and writes the output
// in input order. Records are copied into batches; each batch is printed by
// a printer of its own into a buffer of its own. Printing state that spans
// records (the TABLE_DUMP_V2 PEER_INDEX_TABLE) is handed from batch to batch.
type ParallelPrinter struct {
	w      io.Writer
	newP   func() batchPrinter
	cur    *batch
	peers  *PeerIndexTable // the table the current batch starts with
	next   *PeerIndexTable // the table the next batch starts with
	queue  chan *batch     // batches in input order, for the writer
	work   chan *batch
	free   chan *batch
	wg     sync.WaitGroup
	done   chan struct{}
	mu     sync.Mutex
	errs   []error
	werr   error
	stats  DumpStats
	closed bool

	batches, maxBatches int
}

// batchPrinter is a printer that prints a batch into a buffer of its own,
// starting from a given peer table.
type batchPrinter interface {
	Record(*Record) error
	startBatch(out []byte, peers *PeerIndexTable)
	endBatch(*DumpStats) []byte
}

type batch struct {
	data  []byte
	recs  []Record
	peers *PeerIndexTable
	out   []byte
	errs  []error
	stats DumpStats
	ready chan struct{}
}

// A batch holds up to batchBytes of records (their output is a few times
// larger) or batchRecords records.
const (
	batchBytes   = 256 << 10
	batchRecords = 4096
)

// NewParallelDumper returns a ParallelPrinter that prints as a Dumper with
// opt does, on workers goroutines (GOMAXPROCS when workers < 1).
func NewParallelDumper(w io.Writer, opt DumpOptions, workers int) *ParallelPrinter {
	return newParallel(w, workers, func() batchPrinter {
		d := NewDumper(nil, opt)
		d.batch = true
		return d
	})
}

func newParallel(w io.Writer, workers int, newP func() batchPrinter) *ParallelPrinter {
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &ParallelPrinter{
		w:     w,
		newP:  newP,
		queue: make(chan *batch, 2*workers),
		work:  make(chan *batch, 2*workers),
		free:  make(chan *batch, 3*workers+2),
		done:  make(chan struct{}),

		maxBatches: 3*workers + 2,
	}
	for range workers {
		p.wg.Add(1)
		go p.worker()
	}
	go p.writer()
	return p
}

func (p *ParallelPrinter) worker() {
	defer p.wg.Done()
	pr := p.newP()
	for b := range p.work {
		pr.startBatch(b.out[:0], b.peers)
		b.errs = b.errs[:0]
		for i := range b.recs {
			if err := pr.Record(&b.recs[i]); err != nil {
				b.errs = append(b.errs, err)
			}
		}
		b.out = pr.endBatch(&b.stats)
		close(b.ready)
	}
}

func (p *ParallelPrinter) writer() {
	defer close(p.done)
	for b := range p.queue {
		<-b.ready
		p.mu.Lock()
		if p.werr == nil && len(b.out) > 0 {
			_, p.werr = p.w.Write(b.out)
		}
		p.errs = append(p.errs, b.errs...)
		p.stats.Records += b.stats.Records
		p.stats.Lines += b.stats.Lines
		p.stats.Skipped += b.stats.Skipped
		p.stats.Silent += b.stats.Silent
		p.mu.Unlock()
		p.free <- b
	}
}

// Record queues a copy of rec. It returns the first write error, or a
// decode error of an earlier record (errors arrive in input order, late).
func (p *ParallelPrinter) Record(rec *Record) error {
	if p.cur == nil {
		p.cur = p.newBatch()
	}
	b := p.cur
	start := len(b.data)
	b.data = append(b.data, rec.Body...)
	b.recs = append(b.recs, Record{Header: rec.Header})
	b.recs[len(b.recs)-1].Body = b.data[start:len(b.data):len(b.data)]
	if rec.Type == TypeTableDumpV2 && rec.Subtype == SubPeerIndexTable {
		if t, err := DecodePeerIndexTable(rec.Body); err == nil {
			p.pendingPeers(t)
		}
	}
	if len(b.data) >= batchBytes || len(b.recs) >= batchRecords {
		p.send()
	}
	return p.takeErr()
}

// pendingPeers remembers the peer table the next batch starts with.
func (p *ParallelPrinter) pendingPeers(t *PeerIndexTable) { p.next = t }

// newBatch reuses a written batch, or allocates one while fewer than
// maxBatches exist; past that it waits, which bounds memory.
func (p *ParallelPrinter) newBatch() *batch {
	var b *batch
	select {
	case b = <-p.free:
	default:
		if p.batches < p.maxBatches {
			p.batches++
			b = &batch{data: make([]byte, 0, batchBytes+64<<10), out: make([]byte, 0, 4*batchBytes)}
		} else {
			b = <-p.free
		}
	}
	b.data, b.recs = b.data[:0], b.recs[:0]
	b.ready = make(chan struct{})
	b.peers = p.peers
	return b
}

func (p *ParallelPrinter) send() {
	b := p.cur
	p.cur = nil
	if b == nil || len(b.recs) == 0 {
		return
	}
	if p.next != nil {
		p.peers, p.next = p.next, nil
	}
	p.queue <- b
	p.work <- b
}

func (p *ParallelPrinter) takeErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.werr != nil {
		return p.werr
	}
	if len(p.errs) == 0 {
		return nil
	}
	err := p.errs[0]
	p.errs = p.errs[1:]
	return err
}

// Flush prints and writes everything queued, then stops the workers: a
// ParallelPrinter takes no records after Flush. It returns the first write
// error; decode errors not yet returned are available from Errors.
func (p *ParallelPrinter) Flush() error {
	if !p.closed {
		p.closed = true
		p.send()
		close(p.work)
		close(p.queue)
		p.wg.Wait()
		<-p.done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.werr
}

// Errors returns the decode errors not yet returned by Record; call it after
// Flush.
func (p *ParallelPrinter) Errors() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	errs := p.errs
	p.errs = nil
	return errs
}

// Stats returns the summed printing counts; call it after Flush.
func (p *ParallelPrinter) Stats() DumpStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (d *Dumper) startBatch(out []byte, peers *PeerIndexTable) {
	d.buf, d.peers, d.stats = out, peers, DumpStats{}
}

func (d *Dumper) endBatch(s *DumpStats) []byte {
	*s = d.stats
	out := d.buf
	d.buf = nil
	return out
}
