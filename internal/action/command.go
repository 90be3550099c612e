package action

import (
	"errors"
	"strings"

	"github.com/prefect-secrets/prefect-secrets-action/internal/export"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runcmd"
)

// The subcommands that start a command with the secrets, and that only
// check them.
const (
	RunCommand   = "run"
	CheckCommand = "check"
)

// runCommand starts the configured command with the planned exports added
// to this process's environment, and its output masked unless asked not
// to be. Credential files are written for it and removed when it ends,
// whatever the outcome. It returns the command's exit status.
func (r *run) runCommand(p plan) int {
	cfg := r.cfg
	entries := p.entries()
	dir, paths, err := r.writeFiles(p.files)
	if err != nil {
		r.ui.errorf("%v; nothing was started", err)
		return ExitFailed
	}
	if dir != nil {
		defer dir.Undo()
	}
	entries = append(entries, paths...)
	env := childEnviron(r.w.Environ.Names(), r.w.Environ.Get, entries)
	if !cfg.Mask {
		r.ui.warnf("--no-mask: the command's output is not masked, and every value it prints shows")
	}
	r.ui.debugf("starting %s with %d variables", export.Display(cfg.Command[0]), len(entries))
	code, err := runcmd.Run(runcmd.Options{
		Command: cfg.Command, Env: env, Stdin: r.w.Stdin, Stdout: r.w.Stdout, Stderr: r.w.Stderr,
		Mask: cfg.Mask, Masks: r.masks, Signals: r.w.Signals,
	})
	switch {
	case errors.Is(err, runcmd.ErrNotRunnable):
		r.ui.errorf("%v", err)
		return ExitUsage
	case err != nil:
		// The command ran; its output could not all be passed on.
		r.ui.errorf("the command's output: %v", err)
		if code == 0 {
			return ExitFailed
		}
	}
	return code
}

// childEnviron is this process's environment with the exports added, an
// export replacing a variable of the same name.
func childEnviron(names []string, get func(string) string, exports []export.Entry) []string {
	set := make(map[string]bool, len(exports))
	for _, e := range exports {
		set[e.Name] = true
	}
	out := make([]string, 0, len(names)+len(exports))
	for _, n := range names {
		if !set[n] && !strings.Contains(n, "=") {
			out = append(out, n+"="+get(n))
		}
	}
	for _, e := range exports {
		out = append(out, e.Name+"="+e.Value)
	}
	return out
}
