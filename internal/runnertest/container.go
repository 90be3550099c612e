package runnertest

// Container is a process started the way Docker starts a container
// action's, without Docker: in a mount namespace of its own, with host
// folders bound into an image's file system, chrooted there. Read, instead
// of a program, reads files in that view as a given user: a later step.
type Container struct {
	// Root is the image's file system on the host; "" keeps the host's
	// (a later step on the host).
	Root    string
	Mounts  [][2]string // host folder, path in the container
	WorkDir string
	Program string
	Args    []string
	Env     []string
	// UID and GID the process runs as (0: root, as a container action).
	UID, GID int
	// Read lists files to read instead of starting Program.
	Read []string
}

// ReadResult is what a later step found at one path.
type ReadResult struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	Err    string `json:"err,omitempty"`
}

// Result is how a container ended.
type Result struct {
	Code           int
	Stdout, Stderr string
	Reads          []ReadResult
}
