package secretfile

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openat2Beneath resolves rel below top in the kernel, refusing symlinks
// and anything outside top; ENOSYS before Linux 5.6.
func openat2Beneath(top *os.File, rel string) (*os.File, error) {
	fd, err := unix.Openat2(int(top.Fd()), rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS,
	})
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(top.Name(), rel)), nil
}
