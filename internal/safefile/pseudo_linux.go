//go:build linux

package safefile

import (
	"os"
	"syscall"
)

// pseudoFS are the magic numbers (statfs(2)) of Linux file systems whose
// files are views of kernel state: their sizes are made up and reading or
// writing them acts on the kernel or a process.
var pseudoFS = map[int64]bool{
	0x9fa0:     true, // proc
	0x62656572: true, // sysfs
	0x64626720: true, // debugfs
	0x74726163: true, // tracefs
	0x73636673: true, // securityfs
	0x62656570: true, // configfs
	0xde5e81e4: true, // efivarfs
	0x27e0eb:   true, // cgroup
	0x63677270: true, // cgroup2
	0xcafe4a11: true, // bpf
}

func checkPseudo(f *os.File) error {
	var st syscall.Statfs_t
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var statErr error
	// Control rather than Fd, which would switch the descriptor to blocking.
	if err := rc.Control(func(fd uintptr) { statErr = syscall.Fstatfs(int(fd), &st) }); err != nil || statErr != nil {
		return nil // cannot tell; the regular-file check still holds
	}
	if pseudoFS[int64(st.Type)] {
		return ErrPseudo
	}
	return nil
}

func checkPath(path string) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return nil
	}
	if pseudoFS[int64(st.Type)] {
		return ErrPseudo
	}
	return nil
}
