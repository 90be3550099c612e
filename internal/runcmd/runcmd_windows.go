//go:build windows

package runcmd

import (
	"os"
	"os/exec"
)

func isExecutable(os.FileInfo) bool { return true }

func prepare(*exec.Cmd) func() { return func() {} }

// forward stops the command: Windows has no signals to pass on.
func forward(cmd *exec.Cmd, _ os.Signal) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

func status(ps *os.ProcessState) int { return ps.ExitCode() }
