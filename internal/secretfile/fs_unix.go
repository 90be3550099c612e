//go:build unix

package secretfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// owner is who the files get: the owner of the folder they are made in,
// when this process is root and could otherwise leave root's files in a
// user's folder. set is false when nothing is to change.
type owner struct {
	uid, gid int
	set      bool
}

func openDir(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func ownerOf(dir *os.File) owner {
	var st unix.Stat_t
	if unix.Geteuid() != 0 || unix.Fstat(int(dir.Fd()), &st) != nil {
		return owner{}
	}
	return owner{uid: int(st.Uid), gid: int(st.Gid), set: st.Uid != 0 || st.Gid != 0}
}

// mkdirAt makes name in parent, mode 0700, gives it o and returns it open.
func mkdirAt(parent *os.File, name string, o owner) (*os.File, error) {
	if err := unix.Mkdirat(int(parent.Fd()), name, 0o700); err != nil {
		return nil, err
	}
	fd, err := unix.Openat(int(parent.Fd()), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == nil {
		// The umask may have taken bits; the mode is ours to state.
		err = unix.Fchmod(fd, 0o700)
	}
	if err == nil && o.set {
		err = unix.Fchown(fd, o.uid, o.gid)
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		_ = unix.Unlinkat(int(parent.Fd()), name, unix.AT_REMOVEDIR)
		return nil, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(parent.Name(), name)), nil
}

// openNewAt creates name in dir: new, never through a symlink, mode 0600,
// owned as o.
func openNewAt(dir *os.File, name string, o owner) (*os.File, error) {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	err = unix.Fchmod(fd, 0o600)
	if err == nil && o.set {
		err = unix.Fchown(fd, o.uid, o.gid)
	}
	if err != nil {
		unix.Close(fd)
		_ = unix.Unlinkat(int(dir.Fd()), name, 0)
		return nil, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir.Name(), name)), nil
}

func unlinkAt(dir *os.File, name string) error { return unix.Unlinkat(int(dir.Fd()), name, 0) }

func rmdirAt(dir *os.File, name string) error {
	return unix.Unlinkat(int(dir.Fd()), name, unix.AT_REMOVEDIR)
}

// openBeneath opens the folder rel below top without following any
// symlink: with openat2's RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the
// kernel has it, else one component at a time with O_NOFOLLOW, which
// refuses a symlink at every step just the same (rel holds no "..").
// It returns top itself for ".".
func openBeneath(top *os.File, rel string) (*os.File, error) {
	if rel == "." || rel == "" {
		return top, nil
	}
	if strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, "..") {
		return nil, errors.New("not a path inside the folder")
	}
	if f, err := openat2Beneath(top, rel); !errors.Is(err, unix.ENOSYS) {
		return f, err
	}
	cur := top
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "" || part == "." {
			continue
		}
		if part == ".." {
			return nil, errors.New("not a path inside the folder")
		}
		fd, err := unix.Openat(int(cur.Fd()), part, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if cur != top {
			cur.Close()
		}
		if err != nil {
			return nil, err
		}
		cur = os.NewFile(uintptr(fd), filepath.Join(cur.Name(), part))
	}
	return cur, nil
}
