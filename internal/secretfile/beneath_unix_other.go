//go:build unix && !linux

package secretfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// openat2Beneath is Linux's; elsewhere the component walk serves.
func openat2Beneath(*os.File, string) (*os.File, error) { return nil, unix.ENOSYS }
