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
func AppendAll(appends []Append) error {
	type opened struct {
		f    *os.File
		size int64
	}
	var done []opened
	rollback := func() {
		for _, o := range done {
			_ = o.f.Truncate(o.size)
		}
	}
	defer func() {
		for _, o := range done {
			_ = o.f.Close()
		}
	}()
	for _, a := range mergeByPath(appends) {
		if len(a.Data) == 0 {
			continue
		}
		f, err := os.OpenFile(a.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			rollback()
			return fmt.Errorf("cannot open %s: %w", a.Path, unwrapPath(err))
		}
		info, err := f.Stat()
		if err != nil {
			_ = f.Close()
			rollback()
			return fmt.Errorf("cannot stat %s: %w", a.Path, unwrapPath(err))
		}
		done = append(done, opened{f: f, size: info.Size()})
		if _, err := f.Write(a.Data); err != nil {
			rollback()
			return fmt.Errorf("cannot write %s: %w", a.Path, unwrapPath(err))
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

// mergeByPath joins payloads for the same file, so that each file is opened
// once and its rollback size is the size before any of them.
func mergeByPath(appends []Append) []Append {
	var out []Append
	index := map[string]int{}
	for _, a := range appends {
		if i, ok := index[a.Path]; ok {
			out[i].Data = append(append([]byte(nil), out[i].Data...), a.Data...)
			continue
		}
		index[a.Path] = len(out)
		out = append(out, a)
	}
	return out
}
