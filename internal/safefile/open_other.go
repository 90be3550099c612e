//go:build !unix

package safefile

import (
	"io/fs"
	"os"
)

func openNonBlocking(path string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}
