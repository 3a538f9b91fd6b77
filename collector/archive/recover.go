package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/routestat/routestat/mrtdump"
)

// recoverAll completes the temporary files a crash left behind. An
// updates file keeps every whole record that reached the disk (at least
// those synced before the crash) and is published under its final name, or
// a free variant of it. An unfinished RIB dump is removed: a partial table
// would look like a complete one.
func (a *Archive) recoverAll() error {
	pattern := filepath.Join(a.cfg.Dir, a.cfg.Collector, "*", ".*"+tmpSuffix)
	tmps, err := filepath.Glob(pattern)
	if err != nil {
		return fmt.Errorf("recover %s: %w", pattern, err)
	}
	for _, tmp := range tmps {
		if err := a.recoverFile(tmp); err != nil {
			a.m.errors.Inc()
			return err
		}
	}
	return nil
}

// recoverFile recovers one temporary file; see recoverAll. The steps can be
// repeated after a crash in any of them: the complete copy replaces the
// temporary file atomically, and publish recognises a file it already
// linked.
func (a *Archive) recoverFile(tmp string) error {
	name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(tmp), "."), tmpSuffix)
	if !strings.HasPrefix(name, "updates.") {
		a.log.Warn("removing unfinished RIB dump left by a crash", "path", tmp)
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("recover %s: %w", tmp, err)
		}
		return nil
	}
	data, readErr := readGzipPrefix(tmp)
	var pathErr *fs.PathError
	if errors.As(readErr, &pathErr) {
		return fmt.Errorf("recover %s: %w", tmp, readErr)
	}
	end, records := wholeRecords(data)
	if records == 0 {
		a.log.Warn("removing file without a whole record left by a crash", "path", tmp, "read_error", readErr)
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("recover %s: %w", tmp, err)
		}
		return nil
	}
	if readErr != nil || end < int64(len(data)) {
		// Rewrite what is whole as a complete gzip file and put it in
		// tmp's place in one step.
		rec := tmp + ".recovered"
		if err := writeGzipFile(rec, data[:end]); err != nil {
			return fmt.Errorf("recover %s: %w", tmp, err)
		}
		if err := os.Rename(rec, tmp); err != nil {
			return fmt.Errorf("recover %s: %w", tmp, err)
		}
		if err := syncDir(filepath.Dir(tmp)); err != nil {
			return err
		}
	}
	path, err := a.publish(tmp, filepath.Join(filepath.Dir(tmp), name))
	if err != nil {
		return err
	}
	a.m.files.WithLabelValues("recovered").Inc()
	a.log.Warn("recovered updates file left by a crash", "path", path, "records", records, "dropped_bytes", int64(len(data))-end, "read_error", readErr)
	return nil
}

// readGzipPrefix returns what decompresses from a possibly cut-short gzip
// file, and the error that ended it (nil for a complete file; an
// *fs.PathError when the file cannot be read at all).
func readGzipPrefix(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("gzip header: %w", err)
	}
	var buf bytes.Buffer
	_, err = io.Copy(&buf, zr)
	return buf.Bytes(), err
}

// wholeRecords returns the length of the longest prefix of data made of
// whole MRT records, and how many there are.
func wholeRecords(data []byte) (end int64, n int) {
	r := mrtdump.NewReader(bytes.NewReader(data))
	for {
		rec, err := r.Next()
		if err != nil {
			return end, n
		}
		end = rec.Offset + 12 + int64(rec.Length)
		if rec.Type == mrtdump.TypeBGP4MPET {
			end += 4
		}
		n++
	}
}

// writeGzipFile writes data gzip-compressed to a new file at path,
// removing a file left there by an earlier attempt, and syncs it.
func writeGzipFile(path string, data []byte) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	_, err = zw.Write(data)
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, os.Remove(path))
	}
	return nil
}
