package secretfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirWritesPrivateFiles(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	d, err := NewDir(parent, "/host/temp", bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	path, err := d.Write("key.json", []byte(`{"k": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "/host/temp/prefect-secrets-00000000000000000000000000000000/key.json"; path != want {
		t.Errorf("exported path %q, want %q", path, want)
	}
	local := filepath.Join(d.Path, "key.json")
	info, err := os.Lstat(local)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%v, %v", info, err)
	}
	if dir, _ := os.Stat(d.Path); dir.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", dir.Mode())
	}
	if _, err := d.Write("key.json", []byte("again")); err == nil {
		t.Error("a second file of the same name was written")
	}
	d.Undo()
	if _, err := os.Stat(d.Path); !os.IsNotExist(err) {
		t.Errorf("Undo left the folder: %v", err)
	}
}

func TestWriteNewRefusesWhatIsThere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"target", "link", "dangling"} {
		if _, err := WriteInside(dir, p, []byte("new")); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	if data, _ := os.ReadFile(target); string(data) != "keep" {
		t.Errorf("the target changed: %q", data)
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Error("the dangling link was followed")
	}
}

// TestWriteInsideFollowsNoSymlink: a folder link inside the root, or one
// pointing back into it, never carries the file; "..", absolute paths and
// the root itself are refused; a plain sub-folder works.
func TestWriteInsideFollowsNoSymlink(t *testing.T) {
	t.Parallel()
	root, elsewhere := t.TempDir(), t.TempDir()
	for _, d := range []string{"deploy", "sub/dir"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(elsewhere, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "deploy"), filepath.Join(root, "sub", "back")); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"out/ci.env", "sub/back/ci.env", "../x.env", "/abs.env", ".", "sub/../../x.env"} {
		if _, err := WriteInside(root, rel, []byte("S=1\n")); err == nil {
			t.Errorf("%s was written", rel)
		}
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("a file went outside the root: %v", entries)
	}
	w, err := WriteInside(root, "sub/dir/ci.env", []byte("S=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Path != filepath.Join(root, "sub", "dir", "ci.env") {
		t.Errorf("path %q", w.Path)
	}
	if info, err := os.Lstat(w.Path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("%v, %v", info, err)
	}
}

func TestRemoveOnlyWhatWasWritten(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var files []Written
	for _, name := range []string{"a", "b", "c", "d"} {
		w, err := WriteInside(dir, name, []byte("content-"+name))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, w)
	}
	// b is rewritten, c becomes a symlink, d is already gone.
	if err := os.WriteFile(files[1].Path, []byte("rewritten, longer"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(files[2].Path)
	if err := os.Symlink(files[0].Path, files[2].Path); err != nil {
		t.Fatal(err)
	}
	os.Remove(files[3].Path)
	state := Encode(files)
	decoded, err := Decode(state)
	if err != nil {
		t.Fatal(err)
	}
	removed, left := Remove(decoded)
	if removed != 1 || len(left) != 2 {
		t.Fatalf("removed %d, left %v", removed, left)
	}
	if !strings.Contains(left[0], "no longer the file that was written") || !strings.Contains(left[1], "no longer a regular file") {
		t.Errorf("left %v", left)
	}
	if _, err := os.Lstat(files[1].Path); err != nil {
		t.Errorf("the rewritten file was removed")
	}
	if _, err := Decode("not json"); err == nil {
		t.Error("bad state accepted")
	}
}
