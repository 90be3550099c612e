// Package safefile opens the files the action reads and appends to only
// when they are what they claim to be: regular files on a real file
// system. A FIFO would block a run forever, a device such as /dev/zero
// would fill memory, and /proc or /sys files lie about their size; a path
// named in an input or by the runner may be any of them.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrPseudo is a file of a kernel pseudo file system (/proc, /sys, …),
// whose size and contents are not a file's.
var ErrPseudo = errors.New("a kernel pseudo-file, not a real file")

// TooLargeError is a file over the size a reader accepts.
type TooLargeError struct{ Max int64 }

func (e *TooLargeError) Error() string {
	if e.Max >= 1<<20 && e.Max%(1<<20) == 0 {
		return fmt.Sprintf("larger than %d MiB", e.Max>>20)
	}
	return fmt.Sprintf("larger than %d bytes", e.Max)
}

// Read reads a whole regular file of at most max bytes. Opening never
// blocks (a FIFO is refused, not waited on) and at most max+1 bytes are
// read whatever the file claims.
func Read(path string, max int64) ([]byte, error) {
	f, err := openNonBlocking(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkOpen(f); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{Max: max}
	}
	return data, nil
}

// Check reports whether path may be appended to: a regular file on a real
// file system, or nothing yet (it will be created). It never blocks.
func Check(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return ErrNotRegular
	}
	return checkPath(path)
}

// OpenAppend opens a regular file for appending, creating it with perm if
// it does not exist. It refuses anything but a regular file on a real file
// system, checked on the open descriptor so the path cannot be swapped in
// between.
func OpenAppend(path string, perm fs.FileMode) (*os.File, error) {
	f, err := openNonBlocking(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, perm)
	if err != nil {
		return nil, err
	}
	if err := checkOpen(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkOpen(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return ErrNotRegular
	}
	return checkPseudo(f)
}

// Describe says what went wrong with a file in words for a message, without
// the path (callers name it).
func Describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
