//go:build unix

package secretfile

import (
	"os"
	"syscall"
)

// openFlags refuse a symlink at the path even where O_EXCL would not.
const openFlags = syscall.O_NOFOLLOW | syscall.O_CLOEXEC

func fileID(info os.FileInfo) (dev, ino uint64) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), st.Ino //nolint:unconvert // Dev's type differs by platform
	}
	return 0, 0
}
