package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// A Ctrl-C or SIGTERM cancels ctx: database calls stop and a password
	// prompt restores the terminal before run returns. After the first
	// signal the default action is back, so a second one always kills.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], ttyInput{os.Stdin}, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
