package action

import (
	"context"

	"github.com/prefect-secrets/prefect-secrets-action/internal/secretfile"
)

// Main runs the main step or, when it is the post step, Post. The runner
// hands the post step the state the main step saved, as STATE_<name>
// variables, and the main step saves its entry before anything else: so
// the one binary, at one path in every image, tells the two apart. Outside
// a runner, --post runs the post step.
func Main(ctx context.Context, w World) int {
	if _, post := w.Environ.Lookup("STATE_" + stateFiles); post || (len(w.Args) > 0 && w.Args[0] == "--post") {
		return Post(ctx, w)
	}
	return Run(ctx, w)
}

// Post runs the post step: it removes every file the main step recorded in
// GITHUB_STATE (which arrives as STATE_<name>), unless keep-files is set,
// and leaves alone, with a warning, any path that is no longer the regular
// file written there. It never fails the job: a cleanup that cannot
// finish says so.
func Post(_ context.Context, w World) int {
	u := newUI(true, false, w.Stdout, w.Stderr)
	state := w.Environ.Get("STATE_" + stateFiles)
	if state == "" || state == "[]" {
		return ExitOK // the main step wrote no files
	}
	if keep := w.Environ.Get("INPUT_KEEP-FILES"); keep == "true" || keep == "True" || keep == "TRUE" {
		u.infof("keep-files is set: the credential files stay until the runner empties its temporary folder")
		return ExitOK
	}
	files, err := secretfile.Decode(state)
	if err != nil {
		u.warnf("cannot remove the credential files: %v", err)
		return ExitOK
	}
	removed, left := secretfile.Remove(files)
	for _, l := range left {
		u.warnf("credential file %s", l)
	}
	u.infof("removed %d credential files", removed)
	return ExitOK
}
