package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"airlock/internal/policy"
)

// Result is how a sandboxed command ended.
type Result struct {
	// ExitCode is the command's exit status; 128+N when signal N ended it.
	ExitCode int
	// Signal is the signal airlock forwarded to the sandbox (Ctrl-C,
	// SIGTERM), or 0. The caller re-raises it so that shells see a death by
	// that signal, as with plain cargo.
	Signal syscall.Signal
}

// SetupError means bwrap could not build the sandbox; the command never ran.
type SetupError struct{ Err error }

func (e *SetupError) Error() string {
	return fmt.Sprintf("could not start the sandbox: %v (run `airlock doctor` to check the host)", e.Err)
}

func (e *SetupError) Unwrap() error { return e.Err }

// GracePeriod is how long the sandbox may take to exit after a forwarded
// signal before everything in it is killed.
const GracePeriod = 3 * time.Second

// Stdio are the streams the sandboxed command uses.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Cancel, when closed, ends the sandbox as a SIGTERM would (without
	// airlock re-raising it).
	Cancel <-chan struct{}
}

// Run runs phase p under bwrap and waits for it. SIGINT, SIGTERM, SIGHUP
// and SIGQUIT sent to airlock are forwarded to every process in the
// sandbox; if the sandbox is still alive after GracePeriod, its PID
// namespace is killed. Nothing started in the sandbox outlives it: when the
// command exits, the namespace's init exits and the kernel kills the rest.
func Run(bwrap string, p policy.Phase, stdio Stdio) (Result, error) {
	if err := Prepare(p); err != nil {
		return Result{}, err
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("creating status pipe: %w", err)
	}
	defer statusR.Close()

	cmd := exec.Command(bwrap, BwrapArgs(p)...)
	cmd.Env = p.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	cmd.ExtraFiles = []*os.File{statusW}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: the terminal's Ctrl-C reaches airlock, which
		// forwards it, rather than killing bwrap outright.
		Setpgid: true,
		// If airlock dies, bwrap dies, and --die-with-parent takes the
		// sandbox with it.
		Pdeathsig: syscall.SIGKILL,
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)

	// Pdeathsig fires when the thread that started the child exits; keep
	// this goroutine on its thread until the child is gone.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		statusW.Close()
		return Result{}, &SetupError{fmt.Errorf("starting %s: %w", bwrap, err)}
	}
	statusW.Close()

	status := make(chan bwrapStatus, 1)
	go func() { status <- readStatus(statusR) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var forwarded syscall.Signal
	var killTimer <-chan time.Time
	var st bwrapStatus
	cancel := stdio.Cancel
	for {
		select {
		case <-cancel:
			cancel = nil
			st = waitStatus(status, st)
			signalSandbox(st, syscall.SIGTERM)
			if killTimer == nil {
				killTimer = time.After(GracePeriod)
			}
		case s := <-sigs:
			sig := s.(syscall.Signal)
			if forwarded == 0 {
				forwarded = sig
			}
			st = waitStatus(status, st)
			signalSandbox(st, sig)
			if killTimer == nil {
				killTimer = time.After(GracePeriod)
			}
		case <-killTimer:
			st = waitStatus(status, st)
			if st.childPID > 0 {
				_ = syscall.Kill(st.childPID, syscall.SIGKILL)
			}
			_ = cmd.Process.Kill()
		case werr := <-done:
			st = waitStatus(status, st)
			code := exitCode(werr)
			if st.childPID == 0 {
				return Result{}, &SetupError{fmt.Errorf("bwrap exited with status %d before starting the command", code)}
			}
			if st.hasExit {
				code = st.exitCode
			}
			return Result{ExitCode: code, Signal: forwarded}, nil
		}
	}
}

type bwrapStatus struct {
	childPID int
	pidNS    uint64
	exitCode int
	hasExit  bool
	complete bool
}

// readStatus parses bwrap's --json-status-fd output until it closes.
func readStatus(r io.Reader) bwrapStatus {
	var st bwrapStatus
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var m map[string]json.Number
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		if dec.Decode(&m) != nil {
			continue
		}
		if v, ok := m["child-pid"]; ok {
			n, _ := v.Int64()
			st.childPID = int(n)
		}
		if v, ok := m["pid-namespace"]; ok {
			n, _ := strconv.ParseUint(v.String(), 10, 64)
			st.pidNS = n
		}
		if v, ok := m["exit-code"]; ok {
			n, _ := v.Int64()
			st.exitCode, st.hasExit = int(n), true
		}
	}
	st.complete = true
	return st
}

// waitStatus returns the status once the reader finished, or what is known.
func waitStatus(ch chan bwrapStatus, cur bwrapStatus) bwrapStatus {
	if cur.complete {
		return cur
	}
	select {
	case st := <-ch:
		return st
	case <-time.After(2 * time.Second):
		return cur
	}
}

// signalSandbox delivers sig to every process in the sandbox's PID namespace
// except its init (which would die of it and take the rest down unclean),
// the way a terminal delivers Ctrl-C to every process of a foreground job.
func signalSandbox(st bwrapStatus, sig syscall.Signal) {
	if st.childPID == 0 {
		return
	}
	want := fmt.Sprintf("pid:[%d]", st.pidNS)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == st.childPID {
			continue
		}
		ns, err := os.Readlink("/proc/" + e.Name() + "/ns/pid")
		if err != nil || ns != want {
			continue
		}
		_ = syscall.Kill(pid, sig)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return 1
}
