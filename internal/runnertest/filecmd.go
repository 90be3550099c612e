// Package runnertest reproduces, for tests, how the GitHub Actions runner
// reads what an action writes: the GITHUB_ENV/GITHUB_OUTPUT file commands
// and the workflow commands on standard output.
package runnertest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Entry is one name and value the runner applied, in file order.
type Entry struct {
	Name  string
	Value string
}

// ParseFileCommands reads a GITHUB_ENV or GITHUB_OUTPUT file the way the
// runner's FileCommandManager does on Linux: one leading BOM dropped, lines
// end at LF only, empty lines skipped, NAME=VALUE or NAME<<DELIM heredocs
// chosen by whichever of "=" and "<<" comes first, no trimming. The entries
// applied before an error are returned with it, as the runner applies them.
func ParseFileCommands(data []byte) ([]Entry, error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	lines := strings.Split(text, "\n")
	// A final LF ends the last line; it does not start an empty one.
	endsWithLF := strings.HasSuffix(text, "\n")
	if endsWithLF {
		lines = lines[:len(lines)-1]
	}
	var out []Entry
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq := strings.Index(line, "=")
		hd := strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out = append(out, Entry{Name: line[:eq], Value: line[eq+1:]})
		case hd >= 0:
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				return out, fmt.Errorf("line %d: invalid heredoc header", i+1)
			}
			var body []string
			closed := false
			for i+1 < len(lines) {
				i++
				if lines[i] == delim {
					closed = true
					break
				}
				body = append(body, lines[i])
			}
			if !closed {
				return out, fmt.Errorf("line %d: matching delimiter not found", i+1)
			}
			out = append(out, Entry{Name: name, Value: strings.Join(body, "\n")})
		default:
			return out, fmt.Errorf("line %d: invalid format", i+1)
		}
	}
	if len(text) > 0 && !endsWithLF {
		// The runner needs the last heredoc line (the delimiter) to end in
		// LF too; a NAME=VALUE last line without LF is accepted.
		last := lines[len(lines)-1]
		eq, hd := strings.Index(last, "="), strings.Index(last, "<<")
		if eq < 0 || (hd >= 0 && hd < eq) {
			return out, errors.New("last line has no line feed")
		}
	}
	return out, nil
}

// Mask is one ::add-mask:: the runner registered, with the byte offset of
// its line in the output.
type Mask struct {
	Value  string
	Offset int
}

// ParseMasks finds the ::add-mask:: commands in a step's standard output and
// decodes their data as the runner does (%0D, %0A, %25, in that order).
func ParseMasks(stdout []byte) []Mask {
	var masks []Mask
	offset := 0
	for _, line := range bytes.SplitAfter(stdout, []byte("\n")) {
		l := strings.TrimRight(string(line), "\n")
		t := strings.TrimLeft(l, " ")
		if data, ok := strings.CutPrefix(t, "::add-mask::"); ok {
			data = strings.ReplaceAll(data, "%0D", "\r")
			data = strings.ReplaceAll(data, "%0A", "\n")
			data = strings.ReplaceAll(data, "%25", "%")
			masks = append(masks, Mask{Value: data, Offset: offset})
		}
		offset += len(line)
	}
	return masks
}
