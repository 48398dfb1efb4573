package usersauth

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// background runs the work that must not happen on the request path: the
// slow part of forgot-password and request-verify-token (a lookup, a hash, a
// hook that sends mail). Answering before that work starts makes the answer
// the same, in content and in time, for existing and unknown accounts (OWASP
// Forgot Password Cheat Sheet: "return a consistent message ... ensure
// responses return in a consistent amount of time").
type background struct {
	slots chan struct{}
	wg    sync.WaitGroup
	log   *slog.Logger
}

// backgroundTimeout bounds one task, hook included.
const backgroundTimeout = time.Minute

func newBackground(log *slog.Logger) *background {
	return &background{slots: make(chan struct{}, 16*runtime.GOMAXPROCS(0)), log: log}
}

// run starts fn with a context that keeps ctx's values (RequestFrom works in
// hooks) but not its cancellation: the request is answered before fn ends.
// When every slot is taken the task is dropped and logged: under a flood,
// mail is what gives way.
func (b *background) run(ctx context.Context, name string, fn func(context.Context) error) {
	select {
	case b.slots <- struct{}{}:
	default:
		b.log.LogAttrs(ctx, slog.LevelWarn, "background task dropped: too many running", slog.String("task", name))
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer func() { <-b.slots }()
		defer func() {
			if p := recover(); p != nil {
				b.log.LogAttrs(ctx, slog.LevelError, "background task panicked", slog.String("task", name), slog.String("stack", string(debug.Stack())))
			}
		}()
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundTimeout)
		defer cancel()
		if err := fn(tctx); err != nil {
			b.log.LogAttrs(ctx, slog.LevelError, "background task failed", slog.String("task", name), slog.String("error", err.Error()))
		}
	}()
}

// wait blocks until every task has finished or ctx ends.
func (b *background) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown waits for the work still running off the request path (the
// forgot-password and verification hooks) to finish, or for ctx to end. Call
// it after http.Server.Shutdown so that no accepted request loses its mail.
func (a *UsersAuth[U]) Shutdown(ctx context.Context) error {
	return a.background.wait(ctx)
}
