// Package secretfile writes files that hold credentials: each created new
// (never replacing or following anything already there), mode 0600,
// written whole or removed, in one folder of its own; and removes them
// again later, but only while each is still the file that was written.
package secretfile

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Written is one file the action wrote, as the post step finds it again.
type Written struct {
	Path string `json:"path"`
	Dev  uint64 `json:"dev"`
	Ino  uint64 `json:"ino"`
	// Size, Mtime and Ctime tell a file rewritten in place, or a new file
	// that got the freed inode, from the one written: a process can set a
	// file's mtime back, but every change moves its ctime.
	Size  int64 `json:"size"`
	Mtime int64 `json:"mtime"`
	Ctime int64 `json:"ctime"`
}

// Dir is a folder of credential files. Path is where this process writes;
// Exported is the same folder as later steps see it (the runner mounts its
// temporary folder into a container action at another path).
type Dir struct {
	Path     string
	Exported string
	parent   string
	name     string
	written  []Written
	// fd is the folder, open once it is made: every file is created
	// relative to it, so a path swapped underneath cannot redirect one.
	fd    *os.File
	owner owner
}

// NewDir chooses a new folder prefect-secrets-<32 hex digits> under parent
// (seen as exportedParent by later steps). Nothing is created until the
// first file is written.
func NewDir(parent, exportedParent string, random io.Reader) (*Dir, error) {
	var buf [16]byte
	if _, err := io.ReadFull(random, buf[:]); err != nil {
		return nil, fmt.Errorf("cannot name a folder: %w", err)
	}
	name := "prefect-secrets-" + hex.EncodeToString(buf[:])
	if exportedParent == "" {
		exportedParent = parent
	}
	return &Dir{Path: filepath.Join(parent, name), Exported: filepath.Join(exportedParent, name), parent: parent, name: name}, nil
}

// Write creates name in the folder with content and returns the path later
// steps use. The folder is made, mode 0700, on the first write; a folder
// or file already there is an error, never reused. The folder and its
// files get the owner of the folder they are made in: a container action
// runs as root, and the steps after it, as the runner's user, must read
// the files and empty the temporary folder.
func (d *Dir) Write(name string, content []byte) (string, error) {
	if d.fd == nil {
		parent, err := openDir(d.parent)
		if err != nil {
			return "", fmt.Errorf("cannot open the folder for credential files: %w", unwrap(err))
		}
		d.owner = ownerOf(parent)
		d.fd, err = mkdirAt(parent, d.name, d.owner)
		parent.Close()
		if err != nil {
			return "", fmt.Errorf("cannot create the folder for credential files: %w", unwrap(err))
		}
	}
	w, err := createAt(d.fd, filepath.Join(d.Path, name), name, content, d.owner)
	if err != nil {
		return "", err
	}
	d.written = append(d.written, w)
	return filepath.Join(d.Exported, name), nil
}

// Written lists the files written so far, at the paths this process sees.
func (d *Dir) Written() []Written { return append([]Written(nil), d.written...) }

// Close releases the open folder; the files stay.
func (d *Dir) Close() {
	if d.fd != nil {
		d.fd.Close()
	}
}

// Undo removes every file written and the folder: the all-or-nothing rule
// for a run that fails after writing some.
func (d *Dir) Undo() {
	if d.fd == nil {
		return
	}
	for _, w := range d.written {
		_ = unlinkAt(d.fd, filepath.Base(w.Path))
	}
	d.written = nil
	d.fd.Close()
	d.fd = nil
	if parent, err := openDir(d.parent); err == nil {
		_ = rmdirAt(parent, d.name)
		parent.Close()
	}
}

// WriteInside writes content to a new file at rel, a relative path inside
// the folder root, mode 0600, owned as that folder's owner. rel is
// resolved from an open descriptor of root, one component at a time, and
// no symlink is followed anywhere on the way: a link inside root cannot
// send the file outside it. A file already there is an error; a write
// that fails removes the file.
func WriteInside(root, rel string, content []byte) (Written, error) {
	rel = filepath.Clean(rel)
	if filepath.IsAbs(rel) || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return Written{}, fmt.Errorf("%s is not a path inside %s", rel, root)
	}
	top, err := openDir(root)
	if err != nil {
		return Written{}, fmt.Errorf("cannot open %s: %w", root, unwrap(err))
	}
	defer top.Close()
	dir, err := openBeneath(top, filepath.Dir(rel))
	if err != nil {
		return Written{}, fmt.Errorf("cannot open the folder of %s inside %s (a symlink on the way is refused): %w", rel, root, unwrap(err))
	}
	if dir != top {
		defer dir.Close()
	}
	return createAt(dir, filepath.Join(root, rel), filepath.Base(rel), content, ownerOf(dir))
}

// createAt makes name in dir, new (O_EXCL, never following a symlink),
// mode 0600, gives it o, writes content whole and syncs it; on any
// failure the file is removed. path is what Written records.
func createAt(dir *os.File, path, name string, content []byte, o owner) (Written, error) {
	f, err := openNewAt(dir, name, o)
	if err != nil {
		return Written{}, fmt.Errorf("cannot create %s: %w", path, unwrap(err))
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	var w Written
	if err == nil {
		w, err = identity(f, path)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = unlinkAt(dir, name)
		return Written{}, fmt.Errorf("cannot write %s: %w", path, unwrap(err))
	}
	return w, nil
}

func identity(f *os.File, path string) (Written, error) {
	info, err := f.Stat()
	if err != nil {
		return Written{}, err
	}
	dev, ino, ctime := fileID(info)
	return Written{Path: path, Dev: dev, Ino: ino, Size: info.Size(), Mtime: info.ModTime().UnixNano(), Ctime: ctime}, nil
}

// Encode is the file list as the state the post step receives.
func Encode(files []Written) string {
	b, _ := json.Marshal(files)
	return string(b)
}

// Decode reads Encode's text.
func Decode(state string) ([]Written, error) {
	var files []Written
	if err := json.Unmarshal([]byte(state), &files); err != nil {
		return nil, errors.New("the saved file list is not readable")
	}
	return files, nil
}

// Remove deletes each file that is still the regular file written there
// (same device and inode, not a symlink), then the folders holding them
// if empty. It returns one line for each file left alone, and why.
func Remove(files []Written) (removed int, left []string) {
	dirs := map[string]bool{}
	for _, w := range files {
		info, err := os.Lstat(w.Path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			left = append(left, fmt.Sprintf("%s: %v", w.Path, unwrap(err)))
			continue
		case !info.Mode().IsRegular():
			left = append(left, fmt.Sprintf("%s: no longer a regular file, left alone", w.Path))
			continue
		}
		if dev, ino, ctime := fileID(info); dev != w.Dev || ino != w.Ino || ctime != w.Ctime || info.Size() != w.Size || info.ModTime().UnixNano() != w.Mtime {
			left = append(left, fmt.Sprintf("%s: no longer the file that was written, left alone", w.Path))
			continue
		}
		if err := os.Remove(w.Path); err != nil {
			left = append(left, fmt.Sprintf("%s: %v", w.Path, unwrap(err)))
			continue
		}
		removed++
		dirs[filepath.Dir(w.Path)] = true
	}
	for dir := range dirs {
		if strings.HasPrefix(filepath.Base(dir), "prefect-secrets-") {
			_ = os.Remove(dir) // only when empty
		}
	}
	return removed, left
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
