// Package runcmd starts a command with extra environment variables and
// its output masked, forwards the signals its caller receives to the
// command's process group, and gives back the command's exit status as a
// shell does (128+N for a command killed by signal N). It never uses a
// shell. It knows nothing of Prefect or of where the values came from.
package runcmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/streammask"
)

// Options describe one command.
type Options struct {
	// Command is the program and its arguments; the program is looked up
	// in PATH as a shell would, without a shell.
	Command []string
	// Env is the command's whole environment.
	Env []string
	// Dir is the working directory; "" is the caller's.
	Dir    string
	Stdin  *os.File
	Stdout io.Writer
	Stderr io.Writer
	// Masks, when Mask is set, are replaced by "***" in the command's
	// output, which then goes through pipes.
	Mask  bool
	Masks []string
	// MaskDelay bounds how long output that may start a value is held;
	// zero is streammask.DefaultDelay.
	MaskDelay time.Duration
	// Signals are forwarded to the command's process group while it runs.
	Signals <-chan os.Signal
}

// PipeGrace is how long output is still read after the command exits,
// from processes it left running that keep its output open.
const PipeGrace = time.Second

// ErrNotRunnable is a command that cannot be started: missing, not
// executable, or not found in PATH.
var ErrNotRunnable = errors.New("the command cannot be run")

// Resolve finds the program as exec.LookPath does in path (the command's
// own PATH), so that a missing or non-executable program is reported
// before anything starts.
func Resolve(program, path string) (string, error) {
	if program == "" {
		return "", fmt.Errorf("%w: no command after --", ErrNotRunnable)
	}
	if filepath.Base(program) != program {
		if err := executable(program); err != nil {
			return "", fmt.Errorf("%w: %q %v", ErrNotRunnable, program, err)
		}
		return program, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, program)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %q is not found in PATH", ErrNotRunnable, program)
}

func executable(p string) error {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return errors.New("does not exist")
	case fi.IsDir():
		return errors.New("is a folder")
	case !isExecutable(fi):
		return errors.New("is not executable")
	}
	return nil
}

// Run starts the command, waits for it and its output, and returns its
// exit status.
func Run(opts Options) (int, error) {
	if len(opts.Command) == 0 {
		return 0, fmt.Errorf("%w: no command", ErrNotRunnable)
	}
	cmd := &exec.Cmd{Path: opts.Command[0], Args: opts.Command, Env: opts.Env, Dir: opts.Dir}
	if opts.Stdin != nil {
		cmd.Stdin = opts.Stdin
	}
	var copies sync.WaitGroup
	var maskers []*streammask.Writer
	var readers []*os.File
	var copyErr error
	var copyMu sync.Mutex
	if opts.Mask {
		set := streammask.Compile(opts.Masks)
		for _, s := range []struct {
			to  io.Writer
			set func(io.Writer)
		}{
			{opts.Stdout, func(w io.Writer) { cmd.Stdout = w }},
			{opts.Stderr, func(w io.Writer) { cmd.Stderr = w }},
		} {
			r, w, err := os.Pipe()
			if err != nil {
				return 0, err
			}
			defer r.Close()
			defer w.Close()
			readers = append(readers, r)
			s.set(w)
			m := set.Writer(s.to, opts.MaskDelay)
			maskers = append(maskers, m)
			copies.Add(1)
			go func() {
				defer copies.Done()
				if _, err := io.Copy(m, r); err != nil && !errors.Is(err, os.ErrClosed) {
					copyMu.Lock()
					copyErr = errors.Join(copyErr, err)
					copyMu.Unlock()
				}
			}()
		}
	} else {
		cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stderr
	}
	restore := prepare(cmd)
	if err := cmd.Start(); err != nil {
		restore()
		return 0, fmt.Errorf("%w: %v", ErrNotRunnable, err)
	}
	// The parent's ends of the pipes' write sides are closed now, so that
	// the copies end when the command and its children close theirs.
	if opts.Mask {
		cmd.Stdout.(*os.File).Close()
		cmd.Stderr.(*os.File).Close()
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-opts.Signals:
				forward(cmd, s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	restore()
	// A process the command left behind may hold its output open; what it
	// writes within PipeGrace is passed on, and then its pipes are closed.
	finished := make(chan struct{})
	go func() { copies.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(PipeGrace):
		for _, r := range readers {
			r.Close()
		}
		<-finished
	}
	for _, m := range maskers {
		if cerr := m.Close(); cerr != nil {
			copyErr = errors.Join(copyErr, cerr)
		}
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return 0, err
	}
	return status(cmd.ProcessState), copyErr
}
