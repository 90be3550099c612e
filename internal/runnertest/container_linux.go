package runnertest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// containerSpecEnv names the file that tells a test binary, started again
// by Container.Run, to become the container instead of running tests.
const containerSpecEnv = "RUNNERTEST_CONTAINER_SPEC"

// ServeContainer becomes the container when this test binary was started
// by Container.Run; call it first in TestMain. Otherwise it returns at
// once.
func ServeContainer() {
	path := os.Getenv(containerSpecEnv)
	if path == "" {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fail("spec: %v", err)
	}
	var c Container
	if err := json.Unmarshal(data, &c); err != nil {
		fail("spec: %v", err)
	}
	root := c.Root
	if root == "" {
		root = "/"
	}
	for _, m := range c.Mounts {
		target := filepath.Join(root, m[1])
		if err := os.MkdirAll(target, 0o755); err != nil {
			fail("mount point %s: %v", m[1], err)
		}
		if err := syscall.Mount(m[0], target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			fail("bind %s at %s: %v", m[0], m[1], err)
		}
	}
	if c.Root != "" {
		if err := syscall.Chroot(c.Root); err != nil {
			fail("chroot: %v", err)
		}
	}
	if c.WorkDir != "" {
		if err := os.Chdir(c.WorkDir); err != nil {
			fail("working directory %s: %v", c.WorkDir, err)
		}
	}
	if c.UID != 0 || c.GID != 0 {
		if err := syscall.Setgroups(nil); err != nil {
			fail("setgroups: %v", err)
		}
		if err := syscall.Setgid(c.GID); err != nil {
			fail("setgid: %v", err)
		}
		if err := syscall.Setuid(c.UID); err != nil {
			fail("setuid: %v", err)
		}
	}
	if c.Read != nil {
		out := make([]ReadResult, 0, len(c.Read))
		for _, p := range c.Read {
			r := ReadResult{Path: p}
			if data, err := os.ReadFile(p); err != nil {
				r.Err = err.Error()
			} else {
				sum := sha256.Sum256(data)
				r.SHA256 = hex.EncodeToString(sum[:])
			}
			out = append(out, r)
		}
		if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
			fail("%v", err)
		}
		os.Exit(0)
	}
	err = syscall.Exec(c.Program, append([]string{c.Program}, c.Args...), c.Env)
	fail("exec %s: %v", c.Program, err)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "runnertest container: "+format+"\n", args...)
	os.Exit(125) // Docker's own code for a container that could not start
}

// Run starts the container and waits for it. It fails, never skips, where
// a mount namespace cannot be made: the runner's behaviour is the point.
func (c *Container) Run(specDir string, stdin io.Reader) (*Result, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(specDir, "spec-*.json")
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = []string{containerSpecEnv + "=" + f.Name()}
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &stdout, &stderr, stdin
	err = cmd.Run()
	res := &Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	case err != nil:
		return nil, fmt.Errorf("cannot start a process in a mount namespace of its own (run as root): %w", err)
	}
	if res.Code == 125 {
		return res, fmt.Errorf("the container did not start: %s", res.Stderr)
	}
	if c.Read != nil && res.Code == 0 {
		if err := json.Unmarshal(stdout.Bytes(), &res.Reads); err != nil {
			return res, fmt.Errorf("reads: %w", err)
		}
	}
	return res, nil
}
