package action

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
)

// hostileEnv points the action at a hostile server, for either protocol.
func hostileEnv(h *prefecttest.Hostile, protocol, secrets string, extra ...string) []string {
	apiURL := h.URL
	if protocol == "rest" {
		apiURL = h.RESTURL()
	}
	return append([]string{"HOME=/github/home", "INPUT_BACKEND=" + protocol, "INPUT_API-URL=" + apiURL,
		"INPUT_API-KEY=" + testKey, "INPUT_SECRETS=" + secrets, "INPUT_RETRIES=0"}, extra...)
}

// checkUntouched asserts a failed run left the runner's files as they were.
func checkUntouched(t *testing.T, r result) {
	t.Helper()
	if r.outputsRaw != earlierOutputs || r.envRaw != "" {
		t.Errorf("files changed by a failed run:\nGITHUB_OUTPUT %q\nGITHUB_ENV %q", r.outputsRaw, r.envRaw)
	}
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{"rest", "graphql"} {
		for _, status := range []int{301, 302, 303, 307, 308} {
			for _, decl := range []string{"db", "app-*"} {
				t.Run(fmt.Sprintf("%s/%d/%s", protocol, status, decl), func(t *testing.T) {
					t.Parallel()
					sink := prefecttest.NewSink()
					defer sink.Close()
					h := prefecttest.NewHostile(prefecttest.HostileRedirect)
					defer h.Close()
					h.Status, h.Target = status, sink.URL
					r := runAction(t, invocation{env: hostileEnv(h, protocol, decl), runner: true, outputsBefore: earlierOutputs})
					if r.code != ExitFailed {
						t.Fatalf("exit %d, want %d\n%s", r.code, ExitFailed, r.stdout)
					}
					if got := sink.Received(); len(got) != 0 {
						t.Fatalf("the redirect target received %d requests (Authorization %q)", len(got), got[0].Get("Authorization"))
					}
					target, _ := url.Parse(sink.URL)
					if want := fmt.Sprintf("redirected (HTTP %d) to %s", status, target.Host); !strings.Contains(r.stdout, want) {
						t.Errorf("the error does not say %q:\n%s", want, r.stdout)
					}
					checkUntouched(t, r)
				})
			}
		}
	}
}

// TestOnlyTheAPIOriginGetsCredentials sends a redirect to the same host on
// another port, and one to another scheme: neither is followed.
func TestOnlyTheAPIOriginGetsCredentials(t *testing.T) {
	t.Parallel()
	sink := prefecttest.NewSink()
	defer sink.Close()
	h := prefecttest.NewHostile(prefecttest.HostileRedirect)
	defer h.Close()
	h.Status = 307
	h.Target = strings.Replace(sink.URL, "127.0.0.1", "localhost", 1)
	r := runAction(t, invocation{env: hostileEnv(h, "rest", "db"), runner: true, outputsBefore: earlierOutputs})
	if r.code != ExitFailed || len(sink.Received()) != 0 {
		t.Fatalf("exit %d, sink got %d requests", r.code, len(sink.Received()))
	}
}

func TestHostileNamesNeverReachOutputs(t *testing.T) {
	t.Parallel()
	bad := []string{"app-`touch X`", `app-x" ; touch Y ; echo "`, "app-$(touch Z)", "app-a\nb", "app-\x1b[31m", "app-x,y"}
	for _, protocol := range []string{"rest", "graphql"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			h := prefecttest.NewHostile(prefecttest.HostileNames)
			defer h.Close()
			h.Names = append([]string{"app-ok", "app-fine.v2/x"}, bad...)
			r := runAction(t, invocation{env: hostileEnv(h, protocol, "app-*"), runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			found, _ := lookup(r.outputs, "secrets-found", true)
			if want := "app-fine.v2/x,app-ok"; found != want {
				t.Errorf("secrets-found = %q, want %q", found, want)
			}
			for _, e := range append(r.outputs, r.exported...) {
				if strings.ContainsAny(e.Name+e.Value, "`$\"\n\x1b;") {
					t.Errorf("an export carries a hostile name: %q=%q", e.Name, e.Value)
				}
			}
			for _, n := range bad {
				if !strings.Contains(r.stdout, jsonQuoted(n)) {
					t.Errorf("skipped name %q is not reported as a JSON string:\n%s", n, r.stdout)
				}
			}
			// What GitHub does with the README's old example: substitute the
			// output into a script, then run it.
			dir := t.TempDir()
			script := `echo "` + found + `"`
			cmd := exec.Command("sh", "-c", script)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a name ran a command: %v", entries)
			}
		})
	}
}

func jsonQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestEndlessListingsStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     prefecttest.HostileMode
		protocol string
		count    int
		want     string
		maxReqs  int
	}{
		{"rest ignores offset", prefecttest.HostileRepeatPages, "rest", 0, "it had already sent", 2},
		{"rest pages forever", prefecttest.HostileEndlessPages, "rest", 0, `more than 10000 names start with "app-"`, 51},
		{"graphql lists 100000", prefecttest.HostileHugeListing, "graphql", 100000, `more than 10000 names start with "app-"`, 1},
		{"rest sends 20000 in a page", prefecttest.HostileHugeListing, "rest", 20000, `the server sent 20000 documents for a page of 200`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := prefecttest.NewHostile(tt.mode)
			defer h.Close()
			h.Prefix, h.Count = "app-", tt.count
			r := runAction(t, invocation{env: hostileEnv(h, tt.protocol, "app-*"), runner: true, outputsBefore: earlierOutputs})
			if r.code != ExitFailed {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			if !strings.Contains(r.stdout, tt.want) {
				t.Errorf("no %q in\n%s", tt.want, r.stdout)
			}
			if n := h.Requests(); n > tt.maxReqs {
				t.Errorf("%d requests, want at most %d", n, tt.maxReqs)
			}
			checkUntouched(t, r)
		})
	}
}

// TestServerTextIsCleaned runs every protocol and error status against a
// server that echoes credentials and sends control characters, on a
// runner and on a terminal.
func TestServerTextIsCleaned(t *testing.T) {
	t.Parallel()
	const localValue = "local-value-4242"
	for _, protocol := range []string{"rest", "graphql"} {
		for _, status := range []int{400, 422, 500} {
			for _, mode := range []prefecttest.HostileMode{prefecttest.HostileEcho, prefecttest.HostileControl} {
				for _, runner := range []bool{true, false} {
					name := fmt.Sprintf("%s/%d/mode%d/runner=%v", protocol, status, mode, runner)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						h := prefecttest.NewHostile(mode)
						defer h.Close()
						h.Status, h.Echo = status, localValue
						env := hostileEnv(h, protocol, "LOCAL\nremote", "PREFECT__CONTEXT__SECRETS__LOCAL="+localValue)
						r := runAction(t, invocation{env: env, runner: runner, outputsBefore: earlierOutputs})
						if r.code != ExitFailed {
							t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
						}
						log := r.stdout + r.stderr
						for _, secret := range []string{testKey, localValue} {
							if strings.Contains(log, secret) && !(runner && onlyInMasks(r.stdout, secret)) {
								t.Errorf("%q is quoted in the log:\n%s", secret, log)
							}
						}
						if mode == prefecttest.HostileEcho && !strings.Contains(log, "***") {
							t.Errorf("the echo is not redacted:\n%s", log)
						}
						checkCleanLog(t, log)
						if runner {
							checkUntouched(t, r)
						}
					})
				}
			}
		}
	}
}

// TestBasicAuthEchoIsRedacted has the server quote the basic-auth header.
func TestBasicAuthEchoIsRedacted(t *testing.T) {
	t.Parallel()
	h := prefecttest.NewHostile(prefecttest.HostileEcho)
	defer h.Close()
	h.Status = 422
	env := []string{"INPUT_BACKEND=rest", "INPUT_API-URL=" + h.RESTURL(), "INPUT_AUTH-STRING=admin:hunter2-long", "INPUT_SECRETS=db"}
	r := runAction(t, invocation{env: env})
	if r.code != ExitFailed {
		t.Fatalf("exit %d", r.code)
	}
	for _, s := range []string{"hunter2-long", "YWRtaW46aHVudGVyMi1sb25n"} {
		if strings.Contains(r.stderr, s) {
			t.Errorf("%q is on stderr: %s", s, r.stderr)
		}
	}
}

// onlyInMasks reports whether every occurrence of s on stdout is in an
// ::add-mask:: line.
func onlyInMasks(stdout, s string) bool {
	for _, line := range strings.Split(stdout, "\n") {
		if strings.Contains(line, s) && !strings.HasPrefix(line, "::add-mask::") {
			return false
		}
	}
	return true
}

// checkCleanLog asserts no control character, no invalid UTF-8, and no
// workflow command but the action's own.
func checkCleanLog(t *testing.T, log string) {
	t.Helper()
	commands := 0
	if !utf8.ValidString(log) {
		t.Errorf("the log is not valid UTF-8")
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "::add-mask::") {
			continue
		}
		for _, c := range line {
			if c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 && c < 0xa0 || c == '\u202e' {
				t.Errorf("control character %U in line %q", c, line)
			}
		}
		if strings.Contains(line, "##[") {
			t.Errorf("a forged workflow command: %q", line)
		}
		if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "::") {
			commands++
		}
	}
	// The action's own ::error:: line is the only workflow command a
	// failed backend read prints, besides the masks.
	if commands > 1 {
		t.Errorf("%d workflow commands besides masks in:\n%s", commands, log)
	}
}

func TestHugeRetryAfterFailsAtOnce(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{"rest", "graphql"} {
		for _, after := range []string{"9223372037", "18446744074", "99999999999999999999", "86400"} {
			t.Run(protocol+"/"+after, func(t *testing.T) {
				t.Parallel()
				h := prefecttest.NewHostile(prefecttest.HostileRetryAfter)
				defer h.Close()
				h.RetryAfter = after
				start := time.Now()
				r := runAction(t, invocation{env: hostileEnv(h, protocol, "db", "INPUT_RETRIES=10"), runner: true, outputsBefore: earlierOutputs})
				if r.code != ExitFailed {
					t.Fatalf("exit %d", r.code)
				}
				if n := h.Requests(); n != 1 {
					t.Errorf("%d requests, want 1", n)
				}
				if !strings.Contains(r.stdout, "beyond the timeout") {
					t.Errorf("no Retry-After explanation:\n%s", r.stdout)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("took %s", d)
				}
				checkUntouched(t, r)
			})
		}
	}
}

func TestBrokenSuccessfulBodiesAreErrors(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{"rest", "graphql"} {
		for _, body := range []string{"null", " null \n", "[] []", `{"data": {}} {}`, `[{"name": "db", "data": {"value": "x"}}] trailing`, ""} {
			for _, decl := range []string{"db", "db\nOPT?"} {
				t.Run(fmt.Sprintf("%s/%q/%q", protocol, body, decl), func(t *testing.T) {
					t.Parallel()
					h := prefecttest.NewHostile(prefecttest.HostileBody)
					defer h.Close()
					h.Body = body
					r := runAction(t, invocation{env: hostileEnv(h, protocol, decl, "INPUT_ON-MISSING=ignore"), runner: true, outputsBefore: earlierOutputs})
					if r.code != ExitFailed {
						t.Fatalf("exit %d: a broken answer was taken for missing secrets\n%s", r.code, r.stdout)
					}
					checkUntouched(t, r)
				})
			}
		}
	}
}

func TestSpecialRunnerFilesAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	specials := map[string]string{"fifo": fifo, "device": "/dev/zero", "directory": dir, "proc": "/proc/self/mem"}
	for kind, path := range specials {
		for _, variable := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"} {
			t.Run(kind+"/"+variable, func(t *testing.T) {
				t.Parallel()
				if _, err := os.Stat(path); err != nil {
					t.Skip(err)
				}
				env := []string{"PREFECT__CONTEXT__SECRETS__A=value-a", "INPUT_SECRETS=A"}
				files := map[string]string{"GITHUB_OUTPUT": "$DIR/out", "GITHUB_ENV": "$DIR/env", "GITHUB_STEP_SUMMARY": "$DIR/sum"}
				files[variable] = path
				for k, v := range files {
					env = append(env, k+"="+v)
				}
				r := runWithin(t, 20*time.Second, invocation{env: env})
				if r.code != ExitUsage {
					t.Fatalf("exit %d\n%s", r.code, r.stdout)
				}
				if !strings.Contains(r.stdout, `input "`+variable+`"`) || !strings.Contains(r.stdout, "not a regular file") && !strings.Contains(r.stdout, "pseudo-file") {
					t.Errorf("the error does not name %s as not a regular file:\n%s", variable, r.stdout)
				}
				for _, f := range []string{"out", "env", "sum"} {
					if _, err := os.Stat(filepath.Join(r.dir, f)); err == nil {
						t.Errorf("%s was written", f)
					}
				}
			})
		}
		t.Run(kind+"/config-file", func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(path); err != nil {
				t.Skip(err)
			}
			r := runWithin(t, 20*time.Second, invocation{env: []string{"INPUT_SECRETS=A", "INPUT_CONFIG-FILE=" + path}})
			if r.code != ExitUsage || !strings.Contains(r.stderr, `input "config-file"`) {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

func TestConfigFileSizeLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big.toml")
	content := "[context.secrets]\nA = \"" + strings.Repeat("x", 16<<20) + "\"\n"
	if err := os.WriteFile(big, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runAction(t, invocation{env: []string{"INPUT_SECRETS=A", "INPUT_CONFIG-FILE=" + big}})
	if r.code != ExitUsage || !strings.Contains(r.stderr, `input "config-file"`) || !strings.Contains(r.stderr, "larger than 16 MiB") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	// The fallback path is held to the same limit.
	r = runAction(t, invocation{env: []string{"INPUT_SECRETS=A", "PREFECT__USER_CONFIG_PATH=" + big}})
	if r.code != ExitUsage || !strings.Contains(r.stderr, "larger than 16 MiB") {
		t.Fatalf("fallback: exit %d\n%s", r.code, r.stderr)
	}
}

// runWithin runs the action, failing the test rather than hanging when it
// does not return in time.
func runWithin(t *testing.T, limit time.Duration, inv invocation) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runAction(t, inv) }()
	select {
	case r := <-done:
		return r
	case <-time.After(limit):
		t.Fatalf("the run did not return within %s", limit)
		return result{}
	}
}

func TestExpansionBombs(t *testing.T) {
	t.Parallel()
	// Each value below the 16 MiB a value may reach, all of them together
	// past what a run may produce.
	var refs strings.Builder
	refs.WriteString("[context.secrets]\nBIG = \"" + strings.Repeat("x", 4<<20) + "\"\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&refs, "S%d = \"${context.secrets.BIG}-%d\"\n", i, i)
	}
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"$VAR", []string{"X=$X$X$X$X$X$X$X$X", "PREFECT__CONTEXT__SECRETS__BOMB='$X'", "INPUT_SECRETS=BOMB"}, `secret BOMB cannot be read: expanding $VAR and ${...} would produce more than 64 MiB`},
		{"$VAR in TOML", []string{"X=$X$X$X$X$X$X$X$X", "INPUT_LOCAL-SECRETS=[context.secrets]\nBOMB = '$X'\n", "INPUT_SECRETS=BOMB"}, `secret BOMB cannot be read: expanding`},
		{"${...}", []string{"INPUT_LOCAL-SECRETS=" + refs.String(), "INPUT_SECRETS=S19"}, `secret S19 cannot be read: expanding $VAR and ${...} would produce more than 64 MiB`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runAction(t, invocation{env: append(tt.env, "HOME=/h"), runner: true, outputsBefore: earlierOutputs})
			if r.code != ExitFailed {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			if !strings.Contains(r.stdout, tt.want) {
				t.Errorf("no %q in\n%s", tt.want, r.stdout)
			}
			checkUntouched(t, r)
		})
	}
}

func TestTooManyTOMLKeysIsAUsageError(t *testing.T) {
	t.Parallel()
	var doc strings.Builder
	doc.WriteString("[context.secrets]\n")
	for i := 0; i <= 10000; i++ {
		fmt.Fprintf(&doc, "K%d = 1\n", i)
	}
	start := time.Now()
	r := runAction(t, invocation{env: []string{"INPUT_SECRETS=K1", "INPUT_LOCAL-SECRETS=" + doc.String()}})
	if r.code != ExitUsage || !strings.Contains(r.stderr, `input "local-secrets": TOML document refused: more than 10000 keys`) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s to refuse", d)
	}
}

func TestCancelledRunWritesNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := contextCancelled()
	defer cancel()
	r := runAction(t, invocation{
		env:    []string{"PREFECT__CONTEXT__SECRETS__A=value-a", "INPUT_SECRETS=A"},
		runner: true, outputsBefore: earlierOutputs, ctx: ctx,
	})
	if r.code != ExitFailed || !strings.Contains(r.stdout, "cancelled by a signal") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	checkUntouched(t, r)
	if r.summary != "" {
		t.Errorf("summary written: %q", r.summary)
	}
}

func TestBrokenEnvironmentSecretIsFromEnv(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{"A=$B", "B=42", "PREFECT__CONTEXT__SECRETS__S=$A", "INPUT_SECRETS=S"}, runner: true})
	if r.code != ExitFailed {
		t.Fatalf("exit %d", r.code)
	}
	if !strings.Contains(r.summary, "| `S` | - | `env` | error |") {
		t.Errorf("the summary does not say env:\n%s", r.summary)
	}
}

func TestReservedOutputsHoldNoControlBytes(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{"INPUT_SECRETS=\"a\\u0001b\"?\n\"c\\u007fd\"?\n\"e\\u0085f\"?", "INPUT_ON-MISSING=ignore"}, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	missing, _ := lookup(r.outputs, "secrets-missing", true)
	for _, c := range missing {
		if c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 {
			t.Errorf("secrets-missing holds %U: %q", c, missing)
		}
	}
	if want := `"a\u0001b","c\u007fd","e\u0085f"`; missing != want {
		t.Errorf("secrets-missing = %q, want %q", missing, want)
	}
	r = runAction(t, invocation{env: []string{"INPUT_SECRETS=a\x01b"}, runner: true})
	if r.code != ExitUsage {
		t.Errorf("a bare name with a control character: exit %d", r.code)
	}
}

func TestUnderscoreIsRefused(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{"PREFECT__CONTEXT__SECRETS___=x", "INPUT_SECRETS=_"}, runner: true})
	if r.code != ExitUsage || !strings.Contains(r.stdout, `export name "_" is refused`) {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	h := prefecttest.NewHostile(prefecttest.HostileNames)
	defer h.Close()
	h.Names = []string{"-", "_"}
	r = runAction(t, invocation{env: hostileEnv(h, "rest", "*"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("wildcard: exit %d\n%s", r.code, r.stdout)
	}
	for _, e := range append(r.outputs, r.exported...) {
		if e.Name == "_" {
			t.Errorf("_ was exported")
		}
	}
}

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }

func contextCancelled() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx, cancel
}
