//go:build !unix

package secretfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// fileID has no device, inode and ctime to offer here; the post step then
// checks only that the path is still a regular file of the same size and
// mtime.
func fileID(os.FileInfo) (dev, ino uint64, ctime int64) { return 0, 0, 0 }

// owner changes nothing where there are no Unix owners.
type owner struct{}

// Without openat, the folder's path stands for it. Windows gives no
// descriptor-relative creation to Go; the checks below are made by path,
// just before each step.
func openDir(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.IsDir() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("not a folder")}
	}
	return f, nil
}

func ownerOf(*os.File) owner { return owner{} }

func mkdirAt(parent *os.File, name string, _ owner) (*os.File, error) {
	p := filepath.Join(parent.Name(), name)
	if err := os.Mkdir(p, 0o700); err != nil {
		return nil, err
	}
	return openDir(p)
}

func openNewAt(dir *os.File, name string, _ owner) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir.Name(), name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

func unlinkAt(dir *os.File, name string) error { return os.Remove(filepath.Join(dir.Name(), name)) }

func rmdirAt(dir *os.File, name string) error { return os.Remove(filepath.Join(dir.Name(), name)) }

// openBeneath walks rel below top and refuses a symlink or other reparse
// point at every component.
func openBeneath(top *os.File, rel string) (*os.File, error) {
	if rel == "." || rel == "" {
		return top, nil
	}
	cur := top.Name()
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "" || part == "." {
			continue
		}
		if part == ".." {
			return nil, errors.New("not a path inside the folder")
		}
		cur = filepath.Join(cur, part)
		info, err := os.Lstat(cur)
		if err != nil {
			return nil, err
		}
		if info.Mode()&os.ModeSymlink != 0 || !info.IsDir() {
			return nil, &os.PathError{Op: "open", Path: cur, Err: errors.New("a symlink or not a folder")}
		}
	}
	return openDir(cur)
}
