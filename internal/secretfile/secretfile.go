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
	// Size and Mtime tell a file rewritten in place, or a new file that
	// got the freed inode, from the one written.
	Size  int64 `json:"size"`
	Mtime int64 `json:"mtime"`
}

// Dir is a folder of credential files. Path is where this process writes;
// Exported is the same folder as later steps see it (the runner mounts its
// temporary folder into a container action at another path).
type Dir struct {
	Path     string
	Exported string
	written  []Written
	created  bool
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
	return &Dir{Path: filepath.Join(parent, name), Exported: filepath.Join(exportedParent, name)}, nil
}

// Write creates name in the folder with content and returns the path later
// steps use. The folder is made, mode 0700, on the first write; a folder
// or file already there is an error, never reused.
func (d *Dir) Write(name string, content []byte) (string, error) {
	if !d.created {
		if err := os.Mkdir(d.Path, 0o700); err != nil {
			return "", fmt.Errorf("cannot create the folder for credential files: %w", unwrap(err))
		}
		d.created = true
	}
	w, err := create(filepath.Join(d.Path, name), content)
	if err != nil {
		return "", err
	}
	d.written = append(d.written, w)
	return filepath.Join(d.Exported, name), nil
}

// Written lists the files written so far, at the paths this process sees.
func (d *Dir) Written() []Written { return append([]Written(nil), d.written...) }

// Undo removes every file written and the folder: the all-or-nothing rule
// for a run that fails after writing some.
func (d *Dir) Undo() {
	for _, w := range d.written {
		_ = os.Remove(w.Path)
	}
	d.written = nil
	if d.created {
		_ = os.Remove(d.Path)
		d.created = false
	}
}

// WriteNew writes content to a new file at path, mode 0600: an existing
// file or a symlink there is an error. A write that fails removes the
// file.
func WriteNew(path string, content []byte) (Written, error) {
	return create(path, content)
}

func create(path string, content []byte) (Written, error) {
	// O_EXCL fails on anything already at the path, a symlink included,
	// so nothing is followed and nothing is replaced.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|openFlags, 0o600)
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
		_ = os.Remove(path)
		return Written{}, fmt.Errorf("cannot write %s: %w", path, unwrap(err))
	}
	return w, nil
}

func identity(f *os.File, path string) (Written, error) {
	info, err := f.Stat()
	if err != nil {
		return Written{}, err
	}
	dev, ino := fileID(info)
	return Written{Path: path, Dev: dev, Ino: ino, Size: info.Size(), Mtime: info.ModTime().UnixNano()}, nil
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
		if dev, ino := fileID(info); dev != w.Dev || ino != w.Ino || info.Size() != w.Size || info.ModTime().UnixNano() != w.Mtime {
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
