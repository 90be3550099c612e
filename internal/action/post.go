package action

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/secretfile"
)

// PostProgram is the name the post step is started by: action.yml's
// post-entrypoint is a link of this name to the binary, in the Dockerfile
// image and in the released one. Only the runner's post stage uses that
// path, so nothing a workflow sets (an environment variable, an input)
// can turn the main step into the post step, or the post step into a
// second main step.
const PostProgram = "prefect-secrets-post"

// Main runs the main step or, when started as PostProgram (or with --post
// outside a runner), the post step; `write` as the first argument runs a
// write-back instead.
func Main(ctx context.Context, w World) int {
	if filepath.Base(w.Program) == PostProgram {
		return Post(ctx, w)
	}
	if len(w.Args) > 0 && w.Args[0] == "--post" {
		w.Args = w.Args[1:]
		return Post(ctx, w)
	}
	if len(w.Args) > 0 {
		switch w.Args[0] {
		case WriteCommand:
			w.Args = w.Args[1:]
			return Write(ctx, w)
		case RunCommand:
			w.Args = w.Args[1:]
			return runMode(ctx, w, config.ModeRun)
		case CheckCommand:
			w.Args = w.Args[1:]
			return runMode(ctx, w, config.ModeCheck)
		}
	}
	return Run(ctx, w)
}

// Post runs the post step: it removes every file the main step recorded in
// GITHUB_STATE (which arrives as STATE_<name>), unless keep-files is set,
// and leaves alone, with a warning, any path that is no longer the regular
// file written there. With no saved state it does nothing: the main step
// wrote no files, or never ran. It never fails the job: a cleanup that
// cannot finish says so.
func Post(_ context.Context, w World) int {
	u := newUI(true, false, w.Stdout, w.Stderr)
	state, ok := w.Environ.Lookup("STATE_" + stateFiles)
	if !ok || state == "" {
		u.infof("no credential files to remove: the main step saved none")
		return ExitOK
	}
	files, err := secretfile.Decode(state)
	if err != nil {
		u.warnf("cannot remove the credential files: %v", err)
		return ExitOK
	}
	if len(files) == 0 {
		return ExitOK
	}
	// The main step refused a keep-files that is not a boolean, so none
	// reaches here with files; if one does, removing is the safe reading.
	raw := strings.TrimSpace(w.Environ.Get("INPUT_KEEP-FILES"))
	keep, valid := config.ParseBoolean(raw)
	switch {
	case keep:
		u.infof("keep-files is set: the credential files stay until the runner empties its temporary folder")
		return ExitOK
	case !valid && raw != "":
		u.warnf("input \"keep-files\" is not true or false; removing the credential files")
	}
	removed, left := secretfile.Remove(files)
	for _, l := range left {
		u.warnf("credential file %s", l)
	}
	u.infof("removed %d credential files", removed)
	return ExitOK
}
