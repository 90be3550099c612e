package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want string
		err  string
	}{
		{regular, "hello", ""},
		{link, "hello", ""},
		{fifo, "", "not a regular file"},
		{dir, "", "not a regular file"},
		{"/dev/zero", "", "not a regular file"},
		{"/proc/self/mem", "", "pseudo-file"},
		{"/proc/self/status", "", "pseudo-file"},
		{filepath.Join(dir, "absent"), "", "no such file"},
	}
	for _, tt := range tests {
		got, err := Read(tt.path, 5)
		if tt.err == "" {
			if err != nil || string(got) != tt.want {
				t.Errorf("Read(%s) = %q, %v", tt.path, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(Describe(err), tt.err) {
			t.Errorf("Read(%s) error %v, want %q", tt.path, err, tt.err)
		}
	}
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	var tl *TooLargeError
	if _, err := Read(p, 4); !errors.As(err, &tl) || err.Error() != "larger than 4 bytes" {
		t.Errorf("Read over the limit: %v", err)
	}
}

func TestCheckAndOpenAppend(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, dir, "/dev/null", "/proc/self/mem"} {
		if err := Check(p); err == nil {
			t.Errorf("Check(%s) accepted it", p)
		}
		if f, err := OpenAppend(p, 0o600); err == nil {
			f.Close()
			t.Errorf("OpenAppend(%s) accepted it", p)
		}
	}
	absent := filepath.Join(dir, "new")
	if err := Check(absent); err != nil {
		t.Errorf("Check of a file yet to be created: %v", err)
	}
	f, err := OpenAppend(absent, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := Check(absent); err != nil {
		t.Errorf("Check of a regular file: %v", err)
	}
}
