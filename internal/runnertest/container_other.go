//go:build !linux

package runnertest

import (
	"errors"
	"io"
)

// Container is a process started the way Docker starts a container
// action's; it needs Linux's mount namespaces.
type Container struct {
	Root     string
	Mounts   [][2]string
	WorkDir  string
	Program  string
	Args     []string
	Env      []string
	UID, GID int
	Read     []string
}

// ReadResult is what a later step found at one path.
type ReadResult struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	Err    string `json:"err,omitempty"`
}

// Result is how a container ended.
type Result struct {
	Code           int
	Stdout, Stderr string
	Reads          []ReadResult
}

// ServeContainer does nothing here: containers need Linux.
func ServeContainer() {}

// Run fails: containers need Linux.
func (c *Container) Run(string, io.Reader) (*Result, error) {
	return nil, errors.New("container actions run on Linux only")
}
