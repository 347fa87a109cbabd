package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// ErrLocked says another crawl holds the data directory.
var ErrLocked = errors.New("another crawl is running")

// LockFile is the name of the lock file in the data directory.
const LockFile = "crawl.lock"

// Lock takes the data directory's crawl lock without waiting. The kernel
// releases it when the holder exits, kill -9 included, so a stale file
// never blocks a crawl. The file names the holder (pid, host, start time)
// for the error a second crawl reports.
func Lock(dataDir string) (unlock func() error, err error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, LockFile)
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		holder, _ := os.ReadFile(path)
		holder = bytes.TrimSpace(holder)
		if len(holder) == 0 {
			holder = []byte("unknown holder")
		}
		return nil, fmt.Errorf("%w: %s is held by %s", ErrLocked, path, holder)
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(path, []byte(info), 0o644); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() error {
		// Empty the file first: once unlocked, a new holder may write it.
		_ = os.Truncate(path, 0)
		if err := fl.Unlock(); err != nil {
			return fmt.Errorf("unlock %s: %w", path, err)
		}
		return nil
	}, nil
}
