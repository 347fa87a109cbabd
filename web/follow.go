package web

import (
	"context"
	"log/slog"
	"time"
)

// follow keeps the index caught up with the archive until ctx ends. Other
// processes (`oped import`, a cron `oped crawl`) write only the archive; the
// archive's change sequence is one indexed MAX() away, so polling it every
// FollowInterval costs next to nothing and bounds how long a new article
// stays unsearchable.
func (s *Server) follow(ctx context.Context, f Follower) {
	caughtUpTo := int64(-1) // the archive seq the index was last caught up to
	failures := 0
	for {
		wait := s.cfg.FollowInterval
		seq, err := s.followOnce(ctx, f, caughtUpTo)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			// Back off while the archive or index is unwell, so a broken
			// disk does not fill the log once a second.
			wait = min(s.cfg.FollowInterval<<min(failures, 6), time.Minute)
			s.log.Warn("index follower failed", slog.Any("err", err), slog.Int("failures", failures), slog.Duration("retry_in", wait))
		default:
			failures = 0
			caughtUpTo = seq
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// followOnce catches the index up if the archive moved past caughtUpTo and
// returns the archive seq the index now reflects.
func (s *Server) followOnce(ctx context.Context, f Follower, caughtUpTo int64) (int64, error) {
	last, err := s.store.LastSeq(ctx)
	if err != nil {
		return caughtUpTo, err
	}
	if last == caughtUpTo {
		return last, nil
	}
	start := time.Now()
	n, err := f.CatchUp(ctx, s.store)
	if err != nil {
		return caughtUpTo, err
	}
	if n > 0 {
		s.log.Info("index caught up", slog.Int("indexed", n), slog.Int64("archive_seq", last), slog.Duration("took", time.Since(start)))
	}
	return last, nil
}
