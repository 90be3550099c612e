//go:build !linux

package runnertest

import (
	"errors"
	"io"
)

// ServeContainer does nothing here: containers need Linux.
func ServeContainer() {}

// Run fails: containers need Linux.
func (c *Container) Run(string, io.Reader) (*Result, error) {
	return nil, errors.New("container actions run on Linux only")
}
