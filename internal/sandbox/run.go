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
	// Signal is the first signal airlock forwarded to the sandbox (Ctrl-C,
	// SIGTERM), or 0: if the sandbox then had to be killed, the caller dies
	// by this signal rather than SIGKILL.
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

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGTSTP, syscall.SIGCONT, syscall.SIGWINCH)
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

	updates := make(chan bwrapStatus, 4)
	go readStatus(statusR, updates)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var (
		st        bwrapStatus
		forwarded syscall.Signal
		pending   []syscall.Signal // arrived before bwrap said who to signal
		killTimer <-chan time.Time
	)
	cancel := stdio.Cancel
	ending := func(sig syscall.Signal) {
		if st.childPID == 0 {
			pending = append(pending, sig)
		} else {
			signalSandbox(st, sig)
		}
		if killTimer == nil {
			killTimer = time.After(GracePeriod)
		}
	}
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				updates = nil
				continue
			}
			st.merge(u)
			if st.childPID != 0 {
				for _, sig := range pending {
					signalSandbox(st, sig)
				}
				pending = nil
			}
		case <-cancel:
			cancel = nil
			ending(syscall.SIGTERM)
		case s := <-sigs:
			switch sig := s.(syscall.Signal); sig {
			case syscall.SIGWINCH, syscall.SIGCONT:
				// A resized or resumed terminal: tell the programs.
				signalSandbox(st, sig)
			case syscall.SIGTSTP:
				// Ctrl-Z: the sandbox has its own session, where a
				// terminal stop signal would be discarded; stop its
				// processes, then airlock, as the job the shell sees.
				signalSandbox(st, syscall.SIGSTOP)
				_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
			default:
				if forwarded == 0 {
					forwarded = sig
				}
				ending(sig)
			}
		case <-killTimer:
			if st.childPID > 0 {
				_ = syscall.Kill(st.childPID, syscall.SIGKILL)
			}
			_ = cmd.Process.Kill()
		case werr := <-done:
			// bwrap has exited: its status pipe is at EOF.
			if updates != nil {
				for u := range updates {
					st.merge(u)
				}
			}
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

// bwrapStatus is what bwrap's --json-status-fd said: one line's worth, or
// all of it merged.
type bwrapStatus struct {
	childPID int
	pidNS    uint64
	exitCode int
	hasExit  bool
}

func (st *bwrapStatus) merge(u bwrapStatus) {
	if u.childPID != 0 {
		st.childPID, st.pidNS = u.childPID, u.pidNS
	}
	if u.hasExit {
		st.exitCode, st.hasExit = u.exitCode, true
	}
}

// readStatus parses bwrap's --json-status-fd output line by line as it
// arrives (the child's pid comes first, the exit code last) and closes
// updates at EOF.
func readStatus(r io.Reader, updates chan<- bwrapStatus) {
	defer close(updates)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var m map[string]json.Number
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		if dec.Decode(&m) != nil {
			continue
		}
		var u bwrapStatus
		if v, ok := m["child-pid"]; ok {
			n, _ := v.Int64()
			u.childPID = int(n)
		}
		if v, ok := m["pid-namespace"]; ok {
			n, _ := strconv.ParseUint(v.String(), 10, 64)
			u.pidNS = n
		}
		if v, ok := m["exit-code"]; ok {
			n, _ := v.Int64()
			u.exitCode, u.hasExit = int(n), true
		}
		updates <- u
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
