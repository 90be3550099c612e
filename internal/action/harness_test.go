package action

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runnertest"
)

// fakeUsers is a password database with root only.
type fakeUsers map[string]string

func (f fakeUsers) HomeOf(name string) (string, bool) { h, ok := f[name]; return h, ok }
func (f fakeUsers) CurrentHome() (string, bool)       { return f["root"], true }

// counterReader yields 0, 1, 2, ... so delimiters are distinct and stable.
type counterReader struct {
	mu sync.Mutex
	n  byte
}

func (c *counterReader) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

// invocation describes one run of the action.
type invocation struct {
	env  []string // process environment, in order
	args []string
	// runner sets GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY to
	// files holding the given earlier content.
	runner                   bool
	outputsBefore, envBefore string
	summaryBefore            string
	files                    map[string]string // extra files, by name relative to the temp dir; "$DIR" in env is replaced
	// ctx, when set, is the run's context (to cancel it mid-run).
	ctx context.Context
	// prepare, when set, runs on the run's directory before the action.
	prepare func(dir string)
	// backoff and attemptTimeout shorten the network timing.
	backoff, attemptTimeout time.Duration
}

type result struct {
	code                        int
	stdout, stderr              string
	outputsRaw, envRaw, summary string
	stateRaw                    string
	outputs, exported           []runnertest.Entry
	dir                         string
}

var fixedStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func runAction(t *testing.T, inv invocation) result {
	t.Helper()
	dir := t.TempDir()
	env := make([]string, 0, len(inv.env)+3)
	for _, kv := range inv.env {
		env = append(env, strings.ReplaceAll(kv, "$DIR", dir))
	}
	for name, content := range inv.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	paths := map[string]string{}
	if inv.runner {
		for name, before := range map[string]string{"output": inv.outputsBefore, "env": inv.envBefore, "summary": inv.summaryBefore, "state": ""} {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(before), 0o600); err != nil {
				t.Fatal(err)
			}
			paths[name] = p
		}
		for _, sub := range []string{"runner_temp", "workspace"} {
			if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		env = append(env, "GITHUB_OUTPUT="+paths["output"], "GITHUB_ENV="+paths["env"], "GITHUB_STEP_SUMMARY="+paths["summary"],
			"GITHUB_STATE="+paths["state"], "RUNNER_TEMP="+filepath.Join(dir, "runner_temp"), "GITHUB_WORKSPACE="+filepath.Join(dir, "workspace"))
	}
	if inv.prepare != nil {
		inv.prepare(dir)
	}
	args := make([]string, len(inv.args))
	for i, a := range inv.args {
		args[i] = strings.ReplaceAll(a, "$DIR", dir)
	}
	var stdout, stderr bytes.Buffer
	now := fixedStart
	ctx := inv.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	backoff := inv.backoff
	if backoff == 0 {
		backoff = 5 * time.Millisecond
	}
	code := Main(ctx, World{
		RetryBackoff:   backoff,
		AttemptTimeout: inv.attemptTimeout,
		Args:           args,
		Environ:        osenv.New(env),
		Stdout:         &stdout,
		Stderr:         &stderr,
		Users:          fakeUsers{"root": "/root"},
		Random:         &counterReader{},
		Now:            func() time.Time { return now },
	})
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String(), dir: dir}
	if inv.runner {
		r.outputsRaw = readFile(t, paths["output"])
		r.envRaw = readFile(t, paths["env"])
		r.summary = readFile(t, paths["summary"])
		r.stateRaw = readFile(t, paths["state"])
		var err error
		if r.outputs, err = runnertest.ParseFileCommands([]byte(r.outputsRaw)); err != nil {
			t.Fatalf("the runner cannot read GITHUB_OUTPUT: %v\n%s", err, r.outputsRaw)
		}
		if r.exported, err = runnertest.ParseFileCommands([]byte(r.envRaw)); err != nil {
			t.Fatalf("the runner cannot read GITHUB_ENV: %v\n%s", err, r.envRaw)
		}
	}
	autoLeakCheck(t, inv, r, env)
	return r
}

// added drops the entries earlier steps left in a file.
func added(t *testing.T, before string, entries []runnertest.Entry) []runnertest.Entry {
	t.Helper()
	earlier, err := runnertest.ParseFileCommands([]byte(before))
	if err != nil {
		t.Fatal(err)
	}
	return entries[min(len(earlier), len(entries)):]
}

// autoLeakCheck applies the masking contract to every run: on a runner,
// to every value the runner received; outside one, to every raw secret
// value in the environment, which only --format may print, and only on
// standard output.
func autoLeakCheck(t *testing.T, inv invocation, r result, env []string) {
	t.Helper()
	var names, values []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(k, "PREFECT__CONTEXT__SECRETS__"); ok {
			names = append(names, name, strings.ToUpper(name))
			values = append(values, v)
		}
	}
	// Credentials must never show, whatever the mode.
	var credentials []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "INPUT_API-KEY", "INPUT_AUTH-STRING", "PREFECT_API_KEY", "PREFECT_API_AUTH_STRING", "PREFECT__CLOUD__API_KEY":
			credentials = append(credentials, v)
		}
	}
	for i, a := range inv.args {
		if (a == "--api-key" || a == "--auth-string") && i+1 < len(inv.args) {
			credentials = append(credentials, inv.args[i+1])
		}
	}
	if inv.runner {
		values = append([]string(nil), credentials...)
		writing := len(inv.args) > 0 && inv.args[0] == WriteCommand
		for _, e := range append(added(t, inv.envBefore, r.exported), added(t, inv.outputsBefore, r.outputs)...) {
			names = append(names, e.Name)
			// The reserved outputs and a write's outputs hold names.
			if !strings.HasPrefix(e.Name, "secrets-") && !writing {
				values = append(values, e.Value)
			}
		}
		checkNoLeak(t, r, names, values...)
		return
	}
	values = append(values, credentials...)
	formatted := false
	for _, a := range inv.args {
		if strings.HasPrefix(a, "--format") {
			formatted = true
		}
	}
	if formatted {
		r.stdout = "" // the values are the point of --format
	}
	r.summary = ""
	checkNoLeak(t, r, names, values...)
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lookup returns the last value the runner would apply for name.
func lookup(entries []runnertest.Entry, name string, caseInsensitive bool) (string, bool) {
	val, found := "", false
	for _, e := range entries {
		if e.Name == name || (caseInsensitive && strings.EqualFold(e.Name, name)) {
			val, found = e.Value, true
		}
	}
	return val, found
}

// minLeakLength is the shortest value checked for on standard error and in
// the summary: shorter values ("1", "true") occur in ordinary words and
// counts, while on standard output the masks-first rule covers every length.
const minLeakLength = 4

// checkNoLeak applies the masking contract to a run: every value, and every
// non-empty trimmed line of it, may appear on standard output only after the
// ::add-mask:: that registers it; none appears on standard error or in the
// job summary.
func checkNoLeak(t *testing.T, r result, names []string, values ...string) {
	t.Helper()
	r.stderr = scrubNames(r.stderr, names)
	r.summary = scrubNames(r.summary, names)
	masks := runnertest.ParseMasks([]byte(r.stdout))
	maskAt := map[string]int{}
	for _, m := range masks {
		if _, seen := maskAt[m.Value]; !seen {
			maskAt[m.Value] = m.Offset
		}
	}
	// Blank out the mask commands themselves: they are the registration,
	// not a leak.
	scrubbed := []byte(r.stdout)
	for _, m := range masks {
		end := bytes.IndexByte(scrubbed[m.Offset:], '\n')
		if end < 0 {
			end = len(scrubbed) - m.Offset
		}
		for i := m.Offset; i < m.Offset+end; i++ {
			scrubbed[i] = 0
		}
	}
	for _, v := range values {
		pieces := []string{v}
		for _, line := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if tl := strings.TrimSpace(line); tl != "" {
				pieces = append(pieces, tl)
			}
		}
		for _, p := range pieces {
			if strings.TrimSpace(p) == "" {
				continue
			}
			if first := bytes.Index(scrubbed, []byte(p)); first >= 0 {
				at, ok := maskAt[p]
				if !ok {
					t.Errorf("value text %q is on stdout but never masked", p)
				} else if first < at {
					t.Errorf("value text %q is on stdout at %d, before its mask at %d", p, first, at)
				}
			}
			if len(p) >= minLeakLength {
				if strings.Contains(r.stderr, p) {
					t.Errorf("value text %q is on stderr", p)
				}
				if strings.Contains(r.summary, p) {
					t.Errorf("value text %q is in the job summary", p)
				}
			}
		}
	}
}

// scrubNames blanks out secret and export names: they are not values, but
// a value may happen to be part of one (a secret NULL_UC whose value is NULL).
func scrubNames(text string, names []string) string {
	sorted := append([]string(nil), names...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, n := range sorted {
		if n != "" {
			text = strings.ReplaceAll(text, n, "\x00")
		}
	}
	return text
}
