package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/routestat/routestat/stat/hijack"
)

// monitoredFile is routestat serve's monitored-resources file as the
// hijack API serves and replaces it (incidentapi.Monitored): a new file
// is written over the old one atomically and handed to detection, which
// restarts its engine on it.
type monitoredFile struct {
	path string
	mu   sync.Mutex
	// next holds the newest configuration detection has not taken yet.
	next chan *hijack.Config
}

func newMonitoredFile(path string) *monitoredFile {
	return &monitoredFile{path: path, next: make(chan *hijack.Config, 1)}
}

// Monitored reads the file.
func (m *monitoredFile) Monitored() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := os.ReadFile(m.path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", m.path, err)
	}
	return b, nil
}

// SetMonitored parses b, replaces the file with it (a temporary file in
// the same directory, synced, then renamed over it, keeping its mode) and
// queues the configuration for detection, replacing one not yet taken.
func (m *monitoredFile) SetMonitored(_ context.Context, b []byte) error {
	cfg, err := hijack.ParseConfig(b)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mode := os.FileMode(0o644)
	if st, err := os.Stat(m.path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.path), "."+filepath.Base(m.path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", m.path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), m.path); err != nil {
		return fmt.Errorf("replace %s: %w", m.path, err)
	}
	select {
	case <-m.next: // superseded
	default:
	}
	m.next <- cfg
	return nil
}
