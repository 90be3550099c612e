//go:build unix

package runcmd

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

func isExecutable(fi os.FileInfo) bool { return fi.Mode()&0o111 != 0 }

// prepare puts the command in a process group of its own, so that the
// signals the caller gets reach the command and everything it starts.
// On a terminal the group becomes the foreground one, so that the command
// can read the terminal and gets its Ctrl-C itself; restore gives the
// terminal back.
func prepare(cmd *exec.Cmd) (restore func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tty := cmd.Stdin
	f, ok := tty.(*os.File)
	if !ok || f == nil {
		return func() {}
	}
	own, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	if err != nil || own != unix.Getpgrp() {
		return func() {} // not a terminal, or not ours to give
	}
	cmd.SysProcAttr.Foreground = true
	cmd.SysProcAttr.Ctty = int(f.Fd())
	return func() {
		// Taking the terminal back from the background stops a process
		// with SIGTTOU unless it ignores it.
		signal.Ignore(syscall.SIGTTOU)
		defer signal.Reset(syscall.SIGTTOU)
		_ = unix.IoctlSetPointerInt(int(f.Fd()), unix.TIOCSPGRP, own)
	}
}

// forward sends s to the command's process group.
func forward(cmd *exec.Cmd, s os.Signal) {
	if sig, ok := s.(syscall.Signal); ok && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, sig)
	}
}

// status is the exit status a shell gives: the command's, or 128+N when
// signal N killed it.
func status(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
