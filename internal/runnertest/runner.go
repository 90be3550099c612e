package runnertest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/prefect-secrets/prefect-secrets-action/internal/actionmeta"
)

// RunnerUID is the runner user of GitHub's hosted Linux runners, who owns
// the work folder and runs every step outside a container.
const RunnerUID = 1001

// Host is a hosted runner's file system, laid out under Root as on a
// hosted runner: the work folder /home/runner/work, its _temp, the
// repository's workspace, and the folders a container action gets
// mounted. Paths are host paths (Root included).
type Host struct {
	Root      string
	Work      string // …/home/runner/work
	Temp      string // …/home/runner/work/_temp
	Workspace string // …/home/runner/work/<repo>/<repo>
	Home      string // <temp>/_github_home
	Workflow  string // <temp>/_github_workflow
	Commands  string // <temp>/_runner_file_commands
	// JobContainer is the id of the job's container, "" when the job
	// runs on the host.
	JobContainer string
}

// NewHost lays out a hosted runner under root, every folder owned by the
// runner user with mode 0755, as the runner image has them.
func NewHost(root, repo string) (*Host, error) {
	work := filepath.Join(root, "home", "runner", "work")
	temp := filepath.Join(work, "_temp")
	h := &Host{
		Root: root, Work: work, Temp: temp,
		Workspace: filepath.Join(work, repo, repo),
		Home:      filepath.Join(temp, "_github_home"),
		Workflow:  filepath.Join(temp, "_github_workflow"),
		Commands:  filepath.Join(temp, "_runner_file_commands"),
	}
	for _, d := range []string{h.Workspace, h.Home, h.Workflow, h.Commands} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	err := filepath.Walk(filepath.Join(root, "home"), func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
		return os.Lchown(p, RunnerUID, RunnerUID)
	})
	return h, err
}

// mapping is one TranslateToContainerPath rule, in the runner's order.
type mapping struct{ host, container string }

// mounts are a container action's volumes; the runner translates paths by
// the same list, the temporary folder last so that its subfolders match
// first.
func (h *Host) mounts() []mapping {
	return []mapping{
		{h.Home, "/github/home"},
		{h.Workflow, "/github/workflow"},
		{h.Commands, "/github/file_commands"},
		{h.Workspace, "/github/workspace"},
		{h.Temp, "/github/runner_temp"},
	}
}

// Translate rewrites a value as the runner does for a container action's
// environment: equal to a mapped host path, or starting with one and a
// slash, becomes the container path; anything else is left alone.
func (h *Host) Translate(value string) string {
	for _, m := range h.mounts() {
		if value == m.host {
			return m.container
		}
		if strings.HasPrefix(value, m.host+"/") {
			return m.container + value[len(m.host):]
		}
	}
	return value
}

// LaterStepPath is where a step after the action, on the host or in the
// job container, finds a path the action exported; ok is false when that
// step has no such path: a container path of the action's, or a host path
// a job container does not see.
func (h *Host) LaterStepPath(exported string) (hostPath string, ok bool) {
	if h.JobContainer != "" {
		rest, found := strings.CutPrefix(exported, "/__w/")
		if !found {
			return "", false
		}
		return filepath.Join(h.Work, rest), true
	}
	if !strings.HasPrefix(exported, h.Root+"/") {
		return "", false
	}
	return exported, true
}

// Contexts are the runner's expression contexts for input defaults: the
// host paths as runner.temp and github.workspace give them, in a job
// container too.
func (h *Host) Contexts() map[string]any {
	job := map[string]any{"status": "success"}
	if h.JobContainer != "" {
		job["container"] = map[string]any{"id": h.JobContainer, "network": "github_network_" + h.JobContainer}
	}
	return map[string]any{
		"github":   map[string]any{"workspace": h.Workspace, "action_path": "", "repository": "owner/repo", "event_name": "push"},
		"runner":   map[string]any{"temp": h.Temp, "os": "Linux", "arch": "X64", "tool_cache": "/opt/hostedtoolcache", "name": "GitHub Actions 2"},
		"job":      job,
		"strategy": map[string]any{}, "matrix": map[string]any{},
	}
}

// Metadata is the part of action.yml the runner uses to start a container
// action.
type Metadata struct {
	Inputs map[string]struct {
		Default *string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using          string            `yaml:"using"`
		Image          string            `yaml:"image"`
		Entrypoint     string            `yaml:"entrypoint"`
		Args           []string          `yaml:"args"`
		Env            map[string]string `yaml:"env"`
		PostEntrypoint string            `yaml:"post-entrypoint"`
	} `yaml:"runs"`
}

// ReadMetadata reads and checks an action.yml as the runner loads it.
func ReadMetadata(data []byte) (*Metadata, error) {
	if problems := actionmeta.Check(data); len(problems) > 0 {
		return nil, fmt.Errorf("the runner refuses the action: %s", problems[0])
	}
	var m Metadata
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m.Runs.Using != "docker" {
		return nil, fmt.Errorf("runs.using %q is not a container action", m.Runs.Using)
	}
	return &m, nil
}

// Stage is the main step or the post step.
type Stage int

// The stages of a container action the runner runs.
const (
	Main Stage = iota
	Post
)

// Step is one stage of the action as the runner starts its container.
type Step struct {
	// Entrypoint is the path in the image the runner starts: the image's
	// own entrypoint (ImageEntrypoint) unless action.yml names one.
	Entrypoint string
	Args       []string
	// Env is the container's environment, every value translated.
	Env []string
	// Files are the host paths of the stage's fresh file-command files.
	Output, EnvFile, State, Summary string
	// Mounts are host folder → container path.
	Mounts [][2]string
}

// ImageEntrypoint is the entrypoint of the action's images.
const ImageEntrypoint = "/ko-app/prefect-secrets-action"

// Prepare builds a stage as ContainerActionHandler does: inputs from with
// (else the default evaluated with the github, runner and job contexts)
// as INPUT_<NAME> variables, the step's env, the runner's variables and,
// for the post step, STATE_<name> from the main step's saved state; then
// every value translated to the container's paths, runs.args evaluated
// with inputs alone, and fresh file-command files.
func (h *Host) Prepare(m *Metadata, stage Stage, with, stepEnv map[string]string, state []Entry) (*Step, error) {
	inputs := map[string]any{}
	env := map[string]string{}
	for k, v := range stepEnv {
		env[k] = v
	}
	names := make([]string, 0, len(m.Inputs))
	for name := range m.Inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value, given := with[name]
		if !given && m.Inputs[name].Default != nil {
			v, err := actionmeta.Evaluate(*m.Inputs[name].Default, h.Contexts())
			if err != nil {
				return nil, fmt.Errorf("input %s default: %w", name, err)
			}
			value = v
		}
		inputs[name] = value
		env["INPUT_"+strings.ToUpper(strings.ReplaceAll(name, " ", "_"))] = value
	}
	for name := range with {
		if _, ok := m.Inputs[name]; !ok {
			return nil, fmt.Errorf("input %s is not declared in action.yml", name)
		}
	}
	for _, e := range state {
		env["STATE_"+e.Name] = e.Value
	}
	// runs.args first: a stage the runner refuses makes no files.
	s := &Step{}
	argsCtx := map[string]any{"inputs": inputs}
	for i, a := range m.Runs.Args {
		v, err := actionmeta.Evaluate(a, argsCtx)
		if err != nil {
			return nil, fmt.Errorf("runs.args[%d]: %w", i, err)
		}
		s.Args = append(s.Args, v)
	}
	var err error
	for _, f := range []struct {
		dst    *string
		prefix string
	}{{&s.Output, "set_output_"}, {&s.EnvFile, "set_env_"}, {&s.State, "save_state_"}, {&s.Summary, "step_summary_"}} {
		if *f.dst, err = newCommandFile(h.Commands, f.prefix); err != nil {
			return nil, err
		}
	}
	for k, v := range map[string]string{
		"GITHUB_OUTPUT": s.Output, "GITHUB_ENV": s.EnvFile, "GITHUB_STATE": s.State, "GITHUB_STEP_SUMMARY": s.Summary,
		"GITHUB_WORKSPACE": h.Workspace, "RUNNER_TEMP": h.Temp, "HOME": h.Home,
		"GITHUB_ACTIONS": "true", "CI": "true", "RUNNER_OS": "Linux", "GITHUB_REPOSITORY": "owner/repo",
	} {
		env[k] = v
	}
	for k, v := range env {
		s.Env = append(s.Env, k+"="+h.Translate(v))
	}
	sort.Strings(s.Env)
	s.Entrypoint = ImageEntrypoint
	switch {
	case stage == Main && m.Runs.Entrypoint != "":
		s.Entrypoint = m.Runs.Entrypoint
	case stage == Post:
		if m.Runs.PostEntrypoint == "" {
			return nil, fmt.Errorf("action.yml has no post-entrypoint")
		}
		s.Entrypoint = m.Runs.PostEntrypoint
	}
	for _, mt := range h.mounts() {
		s.Mounts = append(s.Mounts, [2]string{mt.host, mt.container})
	}
	return s, nil
}

// newCommandFile makes an empty file-command file, as the runner does
// for each step, owned by the runner user.
func newCommandFile(dir, prefix string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	p := filepath.Join(dir, prefix+hex.EncodeToString(b[:]))
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		return "", err
	}
	return p, os.Chown(p, RunnerUID, RunnerUID)
}

// PostLink is the name, beside ImageEntrypoint, that the images link to
// the binary for the post step.
const PostLink = "prefect-secrets-post"

// NewImage lays out the action's image under dir, as the Dockerfile and
// the released image have it: the binary at ImageEntrypoint, the post
// step's link beside it, and the CA bundle when the host has one.
func NewImage(dir, binary string) error {
	app := filepath.Join(dir, filepath.Dir(ImageEntrypoint))
	if err := os.MkdirAll(app, 0o755); err != nil {
		return err
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ImageEntrypoint), data, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(filepath.Base(ImageEntrypoint), filepath.Join(app, PostLink)); err != nil {
		return err
	}
	if certs, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		if err := os.MkdirAll(filepath.Join(dir, "etc", "ssl", "certs"), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "etc", "ssl", "certs", "ca-certificates.crt"), certs, 0o644)
	}
	return nil
}

// Run starts a prepared stage in the image at dir, as root, in the
// workspace, as Docker does for the runner.
func (h *Host) Run(s *Step, image string) (*Result, error) {
	c := &Container{Root: image, Mounts: s.Mounts, WorkDir: "/github/workspace", Program: s.Entrypoint, Args: s.Args, Env: s.Env}
	return c.Run(h.Root, nil)
}

// ReadAsLaterStep reads exported paths as a step after the action does:
// on the host as the runner user, or in the job container (as root, with
// the work folder at /__w).
func (h *Host) ReadAsLaterStep(paths []string) ([]ReadResult, error) {
	c := &Container{UID: RunnerUID, GID: RunnerUID, Read: paths}
	if h.JobContainer != "" {
		jobRoot := filepath.Join(h.Root, "job-container")
		if err := os.MkdirAll(jobRoot, 0o755); err != nil {
			return nil, err
		}
		c = &Container{Root: jobRoot, Mounts: [][2]string{{h.Work, "/__w"}}, Read: paths}
	}
	res, err := c.Run(h.Root, nil)
	if err != nil {
		return nil, err
	}
	if res.Code != 0 {
		return nil, fmt.Errorf("the later step failed: %s", res.Stderr)
	}
	return res.Reads, nil
}
