//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// pty is a pseudo-terminal: the test types on the master side, the command
// runs on the slave side as its controlling terminal.
type pty struct {
	t             *testing.T
	master, slave *os.File

	mu  sync.Mutex
	out bytes.Buffer // everything the terminal displayed
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var n uint32
	err = control(master, func(fd uintptr) error {
		var unlock int32
		if err := ioctl(fd, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
			return err
		}
		return ioctl(fd, syscall.TIOCGPTN, unsafe.Pointer(&n))
	})
	if err != nil {
		master.Close()
		t.Fatalf("pty: %v", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatalf("pty: %v", err)
	}
	p := &pty{t: t, master: master, slave: slave}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1024)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		slave.Close()
		master.Close()
		<-done
	})
	return p
}

func control(f *os.File, fn func(fd uintptr) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var inner error
	if err := rc.Control(func(fd uintptr) { inner = fn(fd) }); err != nil {
		return err
	}
	return inner
}

func ioctl(fd, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// echo reports whether the terminal echoes what is typed.
func (p *pty) echo() bool {
	p.t.Helper()
	var tio syscall.Termios
	if err := control(p.slave, func(fd uintptr) error { return ioctl(fd, syscall.TCGETS, unsafe.Pointer(&tio)) }); err != nil {
		p.t.Fatalf("TCGETS: %v", err)
	}
	return tio.Lflag&syscall.ECHO != 0
}

func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitFor waits until cond holds. The deadline only stops a broken test
// from hanging; nothing is asserted about how long it took.
func (p *pty) waitFor(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("gave up waiting for %s; the terminal shows %q", what, p.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitForPrompt waits for the prompt to be displayed the nth time and for
// echo to be off: only then may a password be typed.
func (p *pty) waitForPrompt(prompt string, nth int) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%q", prompt), func() bool { return strings.Count(p.output(), prompt) >= nth })
	p.waitFor("echo to be off", func() bool { return !p.echo() })
}

func (p *pty) typeText(s string) {
	p.t.Helper()
	if _, err := p.master.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// start runs the binary with the terminal as stdin, stderr and controlling
// terminal, in a session of its own so that Ctrl-C on the terminal signals
// it alone.
func (p *pty) start(bin string, stdout *bytes.Buffer, args ...string) *exec.Cmd {
	p.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, stdout, p.slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	return cmd
}

// wait returns the command's exit code. A command that does not exit (a
// prompt that ignored Ctrl-C) is killed and fails the test rather than
// hanging it.
func (p *pty) wait(cmd *exec.Cmd) int {
	p.t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		p.t.Fatalf("the command did not exit; the terminal shows %q", p.output())
	}
	if err == nil {
		return 0
	}
	if exit, ok := errors.AsType[*exec.ExitError](err); ok {
		return exit.ExitCode()
	}
	p.t.Fatal(err)
	return -1
}

// TestTerminalPrompt types a password on a real (pseudo-)terminal: it is
// not echoed, and afterwards the terminal echoes again, whether the command
// finished or was interrupted with Ctrl-C.
func TestTerminalPrompt(t *testing.T) {
	bin := buildBinary(t)
	const password = "correct horse battery"

	t.Run("password typed twice", func(t *testing.T) {
		p := openPTY(t)
		if !p.echo() {
			t.Fatal("a new terminal does not echo")
		}
		db := filepath.Join(t.TempDir(), "users.db")
		var stdout bytes.Buffer
		cmd := p.start(bin, &stdout, "create-superuser", "--db", db, "root@example.com")
		p.waitForPrompt("Password: ", 1)
		p.typeText(password + "\n")
		p.waitForPrompt("Password (again): ", 1)
		p.typeText(password + "\n")
		if code := p.wait(cmd); code != exitOK {
			t.Fatalf("exit %d; terminal: %q", code, p.output())
		}
		if !strings.HasPrefix(stdout.String(), "root@example.com id=") {
			t.Errorf("stdout %q", stdout.String())
		}
		if !p.echo() {
			t.Fatal("echo is still off after the command")
		}
		// Typed now, this is echoed after anything typed before it.
		p.typeText("probe\n")
		p.waitFor("the probe to be echoed", func() bool { return strings.Contains(p.output(), "probe") })
		if strings.Contains(p.output(), "horse") {
			t.Errorf("the password was echoed: %q", p.output())
		}
	})

	t.Run("Ctrl-C at the prompt", func(t *testing.T) {
		p := openPTY(t)
		db := filepath.Join(t.TempDir(), "users.db")
		var stdout bytes.Buffer
		cmd := p.start(bin, &stdout, "create-superuser", "--db", db, "root@example.com")
		p.waitForPrompt("Password: ", 1)
		p.typeText("corr\x03") // Ctrl-C: SIGINT from the terminal
		if code := p.wait(cmd); code != exitInterrupted {
			t.Fatalf("exit %d, want %d; terminal: %q", code, exitInterrupted, p.output())
		}
		if !p.echo() {
			t.Error("Ctrl-C left the terminal without echo")
		}
		// The process has exited; its last words may still be on their way
		// through the terminal.
		p.waitFor("the interruption to be reported", func() bool { return strings.Contains(p.output(), "usersauth: interrupted") })
		r := execBinary(t, bin, "", "list", "--db", db)
		if r.code != exitOK || r.stdout != tableHeader {
			t.Errorf("a user was created: %v", r)
		}
	})

	t.Run("Ctrl-C at the second prompt", func(t *testing.T) {
		p := openPTY(t)
		db := filepath.Join(t.TempDir(), "users.db")
		var stdout bytes.Buffer
		cmd := p.start(bin, &stdout, "create-superuser", "--db", db, "root@example.com")
		p.waitForPrompt("Password: ", 1)
		p.typeText(password + "\n")
		p.waitForPrompt("Password (again): ", 1)
		p.typeText("\x03")
		if code := p.wait(cmd); code != exitInterrupted {
			t.Fatalf("exit %d, want %d; terminal: %q", code, exitInterrupted, p.output())
		}
		if !p.echo() {
			t.Error("Ctrl-C left the terminal without echo")
		}
	})

	t.Run("delete asks for confirmation", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "users.db")
		if r := execBinary(t, bin, password+"\n", "create-superuser", "--db", db, "root@example.com"); r.code != exitOK {
			t.Fatal(r)
		}
		p := openPTY(t)
		var stdout bytes.Buffer
		cmd := p.start(bin, &stdout, "delete", "--db", db, "root@example.com")
		p.waitFor("the question", func() bool { return strings.Contains(p.output(), "[y/N] ") })
		p.typeText("y\n")
		if code := p.wait(cmd); code != exitOK {
			t.Fatalf("exit %d; terminal: %q", code, p.output())
		}
		if !strings.HasPrefix(stdout.String(), "deleted root@example.com id=") {
			t.Errorf("stdout %q", stdout.String())
		}
	})
}
