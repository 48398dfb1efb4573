package usersauth

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/usersauth/usersauth/auth"
)

// background runs the work that must not happen on the request path: the
// slow part of forgot-password and request-verify-token (a lookup, a hash, a
// hook that sends mail). Answering before that work starts makes the answer
// the same, in content and in time, for existing and unknown accounts (OWASP
// Forgot Password Cheat Sheet: "return a consistent message ... ensure
// responses return in a consistent amount of time").
//
// Work waits in a bounded queue for a bounded number of workers, which
// start when there is work and stop when there is none. A request whose
// work cannot be queued is told so (503 with Retry-After) instead of being
// answered 202 and losing its mail; a task that finds the hashing pool busy
// waits for it rather than failing.
type background struct {
	queue   chan task
	workers chan struct{} // a slot per running worker
	pending sync.WaitGroup
	log     *slog.Logger
}

type task struct {
	ctx  context.Context
	name string
	fn   func(context.Context) error
}

// Bounds of the background work.
const (
	// backgroundTimeout bounds one task, hook included, from its start.
	backgroundTimeout = time.Minute
	// backgroundQueue bounds the tasks waiting for a worker: a few seconds
	// of hashing at the rate a machine does it, a few hundred KiB.
	backgroundQueue = 1024
	// backgroundRetry is the Retry-After of a request whose task the full
	// queue refused.
	backgroundRetry = 5 * time.Second
)

// errBackgroundFull is a task the queue could not take: 503.
var errBackgroundFull = errors.New("usersauth: too much background work queued")

func newBackground(log *slog.Logger) *background {
	return &background{
		queue:   make(chan task, backgroundQueue),
		workers: make(chan struct{}, 16*runtime.GOMAXPROCS(0)),
		log:     log,
	}
}

// submit queues fn, to run with a context that keeps ctx's values
// (RequestFrom works in hooks) but not its cancellation: the request is
// answered before fn ends. It returns errBackgroundFull, and queues
// nothing, when the queue is full.
func (b *background) submit(ctx context.Context, name string, fn func(context.Context) error) error {
	b.pending.Add(1)
	select {
	case b.queue <- task{ctx: context.WithoutCancel(ctx), name: name, fn: fn}:
	default:
		b.pending.Done()
		b.log.LogAttrs(ctx, slog.LevelWarn, "background queue full: request refused", slog.String("task", name))
		return errBackgroundFull
	}
	b.startWorker()
	return nil
}

// startWorker starts a worker if one may run.
func (b *background) startWorker() {
	select {
	case b.workers <- struct{}{}:
		go b.work()
	default: // as many workers as may run: one of them will take the task
	}
}

// work runs queued tasks until there are none, then stops. A task queued
// while the worker gives its slot back is not stranded: the worker looks
// again after giving it back.
func (b *background) work() {
	for {
		select {
		case t := <-b.queue:
			b.run(t)
			continue
		default:
		}
		<-b.workers
		if len(b.queue) == 0 {
			return
		}
		select {
		case b.workers <- struct{}{}:
		default:
			return // another worker took the slot, and the task
		}
	}
}

// run runs one task within backgroundTimeout, retrying while the hashing
// pool is saturated, and logs how it ended.
func (b *background) run(t task) {
	defer b.pending.Done()
	defer func() {
		if p := recover(); p != nil {
			b.log.LogAttrs(t.ctx, slog.LevelError, "background task panicked", slog.String("task", t.name), slog.String("stack", string(debug.Stack())))
		}
	}()
	ctx, cancel := context.WithTimeout(t.ctx, backgroundTimeout)
	defer cancel()
	wait := 50 * time.Millisecond
	for {
		err := t.fn(ctx)
		if err == nil {
			return
		}
		if errors.Is(err, auth.ErrBusy) && ctx.Err() == nil {
			// The requests come first; the mail waits for a free slot.
			select {
			case <-time.After(wait):
				wait = min(2*wait, 2*time.Second)
				continue
			case <-ctx.Done():
			}
		}
		b.log.LogAttrs(t.ctx, slog.LevelError, "background task failed", slog.String("task", t.name), slog.String("error", err.Error()))
		return
	}
}

// wait blocks until every queued task has finished or ctx ends.
func (b *background) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		b.pending.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown waits for the work still queued or running off the request path
// (the forgot-password and verification hooks) to finish, or for ctx to
// end. Call it after http.Server.Shutdown has returned, with a deadline of
// its own, so that no accepted request loses its mail.
func (a *UsersAuth[U]) Shutdown(ctx context.Context) error {
	return a.background.wait(ctx)
}
