//go:build unix

package safefile

import (
	"io/fs"
	"os"
	"syscall"
)

// openNonBlocking opens with O_NONBLOCK, so that opening a FIFO returns at
// once instead of waiting for a writer or reader.
func openNonBlocking(path string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NONBLOCK|syscall.O_CLOEXEC, perm)
}
