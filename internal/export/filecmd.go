// Package export hands resolved values to the GitHub Actions runner and to
// shells: log masks, GITHUB_OUTPUT/GITHUB_ENV file commands, the job
// summary, and dotenv/JSON/shell text. It knows nothing of Prefect.
package export

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prefect-secrets/prefect-secrets-action/internal/safefile"
)

// Entry is one name and value for a file command.
type Entry struct {
	Name  string
	Value string
}

// validName reports whether a file-command name is [A-Za-z_][A-Za-z0-9_-]*:
// export names and the reserved outputs. Anything else could break the
// runner's framing.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '-')) {
			return false
		}
	}
	return true
}

// delimiterPrefix matches the JS toolkit's random delimiters.
const delimiterPrefix = "ghadelimiter_"

// FormatEntries writes entries in the runner's heredoc form, each with its
// own delimiter of 128 random bits, so no value can end its entry early and
// inject variables (the fixed delimiter of go-githubactions' SetOutput and
// SetEnv allows exactly that, see CVE-2022-35954).
func FormatEntries(random io.Reader, entries []Entry) ([]byte, error) {
	var b strings.Builder
	for _, e := range entries {
		if !validName(e.Name) {
			return nil, fmt.Errorf("refusing to write name %q: not a valid variable or output name", e.Name)
		}
		var delim string
		for {
			var buf [16]byte
			if _, err := io.ReadFull(random, buf[:]); err != nil {
				return nil, fmt.Errorf("cannot make a delimiter: %w", err)
			}
			delim = delimiterPrefix + hex.EncodeToString(buf[:])
			// Containing it at all is astronomically unlikely; drawing again
			// makes it impossible.
			if !strings.Contains(e.Value, delim) {
				break
			}
		}
		b.WriteString(e.Name)
		b.WriteString("<<")
		b.WriteString(delim)
		b.WriteByte('\n')
		b.WriteString(e.Value)
		b.WriteByte('\n')
		b.WriteString(delim)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// Append is one file-command payload for AppendAll.
type Append struct {
	Path string
	Data []byte
}

// AppendAll appends each payload to its file, all or nothing: if any write
// fails, every file is truncated back to the size it had, so the runner sees
// either every entry or none. Files the runner created are never replaced,
// only appended to, since the runner owns them.
//
// Payloads are grouped by the file's identity (device and inode), not by
// path, so that two paths to one file (a symlink, a bind mount) get one
// write and one rollback size. Each file gets its data in a single write,
// so a process killed part way leaves whole files behind it.
func AppendAll(appends []Append) error {
	type target struct {
		f    *os.File
		info os.FileInfo
		size int64
		data []byte
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			_ = t.f.Close()
		}
	}()
	for _, a := range appends {
		if len(a.Data) == 0 {
			continue
		}
		f, err := safefile.OpenAppend(a.Path, 0o644)
		if err != nil {
			return fmt.Errorf("cannot open %s: %s", a.Path, safefile.Describe(err))
		}
		info, err := f.Stat()
		if err != nil {
			_ = f.Close()
			return fmt.Errorf("cannot stat %s: %w", a.Path, unwrapPath(err))
		}
		var same *target
		for _, t := range targets {
			if os.SameFile(t.info, info) {
				same = t
				break
			}
		}
		if same != nil {
			_ = f.Close()
			same.data = append(same.data, a.Data...)
			continue
		}
		targets = append(targets, &target{f: f, info: info, size: info.Size(), data: append([]byte(nil), a.Data...)})
	}
	for i, t := range targets {
		if _, err := t.f.Write(t.data); err != nil {
			for _, done := range targets[:i+1] {
				_ = done.f.Truncate(done.size)
			}
			return fmt.Errorf("cannot write %s: %w", t.f.Name(), unwrapPath(err))
		}
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
