//go:build unix

package secretfile

import (
	"bytes"
	"os"
	"syscall"
	"testing"
)

// TestFilesTakeTheFolderOwner: run as root (a Docker action) in a folder
// of another user's (the runner's), the folder and files are that user's,
// mode 0700 and 0600.
func TestFilesTakeTheFolderOwner(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, as a Docker action runs")
	}
	parent := t.TempDir()
	if err := os.Chown(parent, 1001, 1002); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(parent, "", bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	path, err := d.Write("key.json", []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := WriteInside(parent, "ci.env", []byte("A='1'\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{d.Path, 0o700}, {path, 0o600}, {w.Path, 0o600}} {
		info, err := os.Lstat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		st := info.Sys().(*syscall.Stat_t)
		if st.Uid != 1001 || st.Gid != 1002 || info.Mode().Perm() != c.mode {
			t.Errorf("%s: %d:%d %v, want 1001:1002 %v", c.path, st.Uid, st.Gid, info.Mode().Perm(), c.mode)
		}
	}
}
