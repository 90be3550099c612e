package action

import (
	"fmt"
	"io"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// safeWriter keeps the first write error instead of returning it:
// go-githubactions panics when a write fails, and a run must never panic.
type safeWriter struct {
	w   io.Writer
	err error
}

func (s *safeWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return len(p), nil
	}
	if _, err := s.w.Write(p); err != nil {
		s.err = err
	}
	return len(p), nil
}

// ui speaks to the runner with workflow commands on standard output, or to
// a person with plain lines on standard error (standard output then carries
// only the summary table or the values asked for).
type ui struct {
	runner bool
	debug  bool
	act    bool // the runner is built on nektos/act
	out    *safeWriter
	errOut io.Writer
	gh     *githubactions.Action
	// flush registers pending masks; every line printed waits for it, so
	// no line can come before the masks of what it might show.
	flush func()
}

func (u *ui) flushMasks() {
	if u.flush != nil {
		u.flush()
	}
}

func newUI(runner, debug bool, stdout, stderr io.Writer) *ui {
	out := &safeWriter{w: stdout}
	return &ui{
		runner: runner,
		debug:  debug,
		out:    out,
		errOut: stderr,
		gh:     githubactions.New(githubactions.WithWriter(out), githubactions.WithGetenv(func(string) string { return "" })),
	}
}

// mask registers a value with the runner's log masking. Runners built on
// nektos/act end the command at the first "::" of its data and print the
// line they could not read, value and all, so there a mask holding "::" is
// left to its pieces, which are registered too.
func (u *ui) mask(s string) {
	if u.runner && !(u.act && strings.Contains(s, "::")) {
		u.gh.AddMask(s)
	}
}

func (u *ui) errorf(format string, args ...any) {
	u.flushMasks()
	if u.runner {
		u.gh.Errorf(format, args...)
		return
	}
	fmt.Fprintf(u.errOut, "prefect-secrets: error: "+format+"\n", args...)
}

func (u *ui) warnf(format string, args ...any) {
	u.flushMasks()
	if u.runner {
		u.gh.Warningf(format, args...)
		return
	}
	fmt.Fprintf(u.errOut, "prefect-secrets: warning: "+format+"\n", args...)
}

// infof writes a log line. Callers pass names through export.Display, so no
// line can start a workflow command.
func (u *ui) infof(format string, args ...any) {
	u.flushMasks()
	if u.runner {
		fmt.Fprintf(u.out, "  "+format+"\n", args...)
		return
	}
	fmt.Fprintf(u.errOut, "prefect-secrets: "+format+"\n", args...)
}

func (u *ui) debugf(format string, args ...any) {
	u.flushMasks()
	if u.runner && u.debug {
		u.gh.Debugf(format, args...)
	}
}

func (u *ui) group(title string) {
	u.flushMasks()
	if u.runner {
		u.gh.Group(title)
	}
}

func (u *ui) endGroup() {
	if u.runner {
		u.gh.EndGroup()
	}
}
