//go:build unix

package secretfile

import (
	"os"
	"syscall"
)

func fileID(info os.FileInfo) (dev, ino uint64, ctime int64) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), st.Ino, ctimeOf(st) //nolint:unconvert // Dev's type differs by platform
	}
	return 0, 0, 0
}
