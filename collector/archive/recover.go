package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/routestat/routestat/mrtdump"
)

// Recover completes the temporary files a crash left behind and returns
// the paths it published. An updates file keeps every whole record that
// reached the disk (at least those synced before the crash) and is
// published under its final name, or a free variant of it. An unfinished
// RIB dump is removed: a partial table would look like a complete one.
func (a *Archive) Recover() ([]string, error) {
	pattern := filepath.Join(a.cfg.Dir, a.cfg.Collector, "*", ".*"+tmpSuffix)
	tmps, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("recover %s: %w", pattern, err)
	}
	var done []string
	for _, tmp := range tmps {
		path, err := a.recoverFile(tmp)
		if err != nil {
			a.m.errors.Inc()
			return done, err
		}
		if path != "" {
			done = append(done, path)
		}
	}
	return done, nil
}

// recoverFile recovers one temporary file; see Recover.
func (a *Archive) recoverFile(tmp string) (string, error) {
	name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(tmp), "."), tmpSuffix)
	if !strings.HasPrefix(name, "updates.") {
		a.log.Warn("removing unfinished RIB dump left by a crash", "path", tmp)
		if err := os.Remove(tmp); err != nil {
			return "", fmt.Errorf("recover %s: %w", tmp, err)
		}
		return "", nil
	}
	data, readErr := readGzipPrefix(tmp)
	end, records := wholeRecords(data)
	if records == 0 {
		a.log.Warn("removing empty file left by a crash", "path", tmp, "err", readErr)
		if err := os.Remove(tmp); err != nil {
			return "", fmt.Errorf("recover %s: %w", tmp, err)
		}
		return "", nil
	}
	rec := tmp + ".recovered"
	if err := writeGzipFile(rec, data[:end]); err != nil {
		return "", fmt.Errorf("recover %s: %w", tmp, err)
	}
	final := filepath.Join(filepath.Dir(tmp), name)
	path, err := a.publish(rec, final)
	if err != nil {
		return "", err
	}
	if err := os.Remove(tmp); err != nil {
		return "", fmt.Errorf("recover %s: %w", tmp, err)
	}
	a.m.files.WithLabelValues("recovered").Inc()
	a.log.Warn("recovered updates file left by a crash", "path", path, "records", records, "dropped_bytes", int64(len(data))-end, "read_error", readErr)
	return path, nil
}

// readGzipPrefix returns what decompresses from a possibly cut-short gzip
// file, and the error that ended it (nil for a complete file).
func readGzipPrefix(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
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

// writeGzipFile writes data gzip-compressed to a new file and syncs it.
func writeGzipFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
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
