package backend

import (
	"context"
	"time"
)

// startPurge calls purge every interval in a new goroutine until ctx is
// done, and returns a channel closed when that goroutine has returned. A
// failed purge is passed to onError, if not nil, and the next one is tried
// on schedule.
func startPurge(ctx context.Context, every time.Duration, purge func(context.Context) (int, error), onError func(error)) <-chan struct{} {
	ticker := time.NewTicker(every)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				if _, err := purge(ctx); err != nil && onError != nil && ctx.Err() == nil {
					onError(err)
				}
			}
		}
	}()
	return done
}
