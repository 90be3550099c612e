package action

import (
	"context"

	"github.com/prefect-secrets/prefect-secrets-action/internal/secretfile"
)

// PostName is the name the binary answers to as the post step: the image
// holds it as a link to the binary, which action.yml's post-entrypoint
// runs after every job, whatever its outcome.
const PostName = "prefect-secrets-post"

// Post runs the post step: it removes every file the main step recorded in
// GITHUB_STATE (which arrives as STATE_<name>), unless keep-files is set,
// and leaves alone, with a warning, any path that is no longer the regular
// file written there. It never fails the job: a cleanup that cannot
// finish says so.
func Post(_ context.Context, w World) int {
	u := newUI(true, false, w.Stdout, w.Stderr)
	state, ok := w.Environ.Lookup("STATE_" + stateFiles)
	if !ok || state == "" {
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
