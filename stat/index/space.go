package index

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// ErrLowSpace is returned (wrapped) by Apply when the store's file system
// has less free space than Options.MinFree: nothing of the batch is
// written, and applying it again once there is space resumes the ingest
// where it stopped. Badger writes through memory-mapped files, so the
// index refuses to write before the disk is full rather than fault when
// it is.
var ErrLowSpace = errors.New("not enough free disk space")

// checkSpace returns an ErrLowSpace error when the store's file system
// has less than MinFree bytes available.
func (ix *Index) checkSpace() error {
	if ix.opt.MinFree < 0 {
		return nil
	}
	free, err := freeBytes(ix.dir)
	if err != nil {
		return fmt.Errorf("index %s: free space: %w", ix.dir, err)
	}
	if free < uint64(ix.opt.MinFree) {
		return fmt.Errorf("index %s: %w: %d MiB free, the index keeps %d MiB in reserve (index.min_free_mb); free space and apply again: the ingest resumes from its last committed batch",
			ix.dir, ErrLowSpace, free>>20, ix.opt.MinFree>>20)
	}
	return nil
}

// freeBytes returns the bytes available to unprivileged users on the
// file system of dir.
func freeBytes(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
