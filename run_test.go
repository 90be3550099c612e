package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
)

// runIn runs the binary in dir with stdin, and returns its exit status
// and output.
func runIn(t *testing.T, dir string, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// baseEnv is a minimal environment with a PATH for the commands run.
func baseEnv(t *testing.T, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, extra...)
}

func TestBinaryRunCommand(t *testing.T) {
	t.Parallel()
	secret := "run-s3cr3t-value"
	multi := "first-line-of-it\nsecond-line-of-it"
	env := baseEnv(t, "PREFECT__CONTEXT__SECRETS__DB_PASSWORD="+secret, "PREFECT__CONTEXT__SECRETS__MULTI="+multi, "KEPT=from-parent")
	dir := t.TempDir()
	marker := filepath.Join(dir, "started")
	tests := []struct {
		name, script, stdin string
		args                []string
		code                int
		stdout, stderr      string // substrings; "" not checked
		notStarted          bool
	}{
		{name: "environment and exit status", script: `echo "$KEPT"; test "$DB_PASSWORD" = "` + secret + `" && exit 3`, code: 3, stdout: "from-parent\n"},
		// Values split across writes are the masker's own tests; here a
		// pause could pass its 100 ms bound on a busy machine.
		{name: "stdout and stderr masked", script: `echo "pw=$DB_PASSWORD"; echo "$MULTI"; echo "e:$DB_PASSWORD" >&2`,
			stdout: "pw=***\n***\n***\n", stderr: "e:***\n"},
		{name: "json-escaped form masked", script: `printf '{"v":"%s"}\n' 'first-line-of-it\nsecond-line-of-it'`, stdout: `{"v":"***"}`},
		{name: "binary passes through", script: `printf '\000\377\376 keep \001\n'`, stdout: "\x00\xff\xfe keep \x01\n"},
		{name: "stdin passes through", script: `cat`, stdin: "line one\nline two\n", stdout: "line one\nline two\n"},
		{name: "killed by a signal", script: `kill -KILL $$`, code: 128 + 9},
		{name: "missing secret starts nothing", args: []string{"--secrets", "DB_PASSWORD, NOWHERE"}, script: "touch " + marker, code: 1, stderr: `secret NOWHERE was not found`, notStarted: true},
		{name: "no mask", args: []string{"--secrets", "DB_PASSWORD", "--no-mask"}, script: `echo "$DB_PASSWORD"`, stdout: secret + "\n", stderr: "--no-mask: the command's output is not masked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = []string{"--secrets", "DB_PASSWORD, MULTI"}
			}
			args = append(append([]string{"run"}, args...), "--", "sh", "-c", tt.script)
			code, stdout, stderr := runIn(t, dir, env, tt.stdin, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout %q\nstderr %q", code, tt.code, stdout, stderr)
			}
			if tt.stdout != "" && !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout %q lacks %q", stdout, tt.stdout)
			}
			if tt.stderr != "" && !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
			if tt.name != "no mask" {
				for _, v := range []string{secret, "first-line-of-it", "second-line-of-it"} {
					if strings.Contains(stdout+stderr, v) {
						t.Errorf("the output shows %q: %q %q", v, stdout, stderr)
					}
				}
			}
			if _, err := os.Stat(marker); tt.notStarted && err == nil {
				t.Errorf("the command was started")
			}
		})
	}
}

func TestBinaryRunRefusesBadCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := baseEnv(t, "PREFECT__CONTEXT__SECRETS__A=x")
	for _, args := range [][]string{
		{"run", "--secrets", "A", "--", "no-such-command-here"},
		{"run", "--secrets", "A", "--", plain},
		{"run", "--secrets", "A", "--", dir},
		{"run", "--secrets", "A"},
		{"run", "--secrets", "A", "--env-file", "x.env", "--", "true"},
		{"run", "--secrets", "A", "--check-only", "--", "true"},
		{"run", "--secrets", "A", "--format", "shell", "--", "true"},
		{"check", "--secrets", "A", "--", "true"},
	} {
		code, stdout, stderr := runIn(t, dir, env, "", args...)
		if code != 2 || stderr == "" || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// TestBinaryRunForwardsSignals: each signal the tool gets reaches the
// command's process group, and the tool exits as the command does.
func TestBinaryRunForwardsSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			name := strings.TrimPrefix(strings.ToUpper(signalName(sig)), "SIG")
			// The trap is in a grandchild too: the whole group gets it. (A
			// background job of sh ignores SIGINT and SIGQUIT, so the
			// grandchild runs in the foreground.)
			script := fmt.Sprintf(`trap 'echo parent got %[1]s; exit 7' %[1]s; sh -c "trap 'echo child got %[1]s; exit 0' %[1]s; echo ready; while :; do sleep 0.02; done"; sleep 5`, name)
			cmd := exec.Command(binary(t), "run", "--secrets", "A", "--", "sh", "-c", script)
			cmd.Env = baseEnv(t, "PREFECT__CONTEXT__SECRETS__A=x")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewReader(out)
			if l, err := lines.ReadString('\n'); err != nil || l != "ready\n" {
				t.Fatalf("%q, %v; stderr %s", l, err, stderr.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(lines)
			_ = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 7 {
				t.Errorf("exit %d, want 7 (the command's); output %q, stderr %q", code, rest, stderr.String())
			}
			if !strings.Contains(string(rest), "child got "+name) || !strings.Contains(string(rest), "parent got "+name) {
				t.Errorf("output %q", rest)
			}
		})
	}
}

func signalName(s syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGINT: "INT", syscall.SIGTERM: "TERM", syscall.SIGHUP: "HUP", syscall.SIGQUIT: "QUIT"}[s]
}

// TestBinaryRunRemovesCredentialFiles: the files profiles make exist while
// the command runs and are gone after it, whatever its outcome.
func TestBinaryRunRemovesCredentialFiles(t *testing.T) {
	t.Parallel()
	s := restServer(t)
	s.AddBlock(prefecttest.Block{Slug: "gcp-credentials", Name: "ci", SecretFields: []string{"service_account_info.*"},
		Data: []byte(`{"service_account_info": {"type": "service_account", "project_id": "p-1", "private_key": "run-gcp-key-text"}}`)})
	for _, exit := range []string{"exit 0", "exit 5", "kill -TERM $$"} {
		dir := t.TempDir()
		env := baseEnv(t, "PREFECT_API_URL="+s.URL(), "TMPDIR="+dir)
		code, stdout, stderr := runIn(t, dir, env, "", "run", "--secrets", "gcp-credentials/ci", "--",
			"sh", "-c", `echo "$GOOGLE_APPLICATION_CREDENTIALS"; test -s "$GOOGLE_APPLICATION_CREDENTIALS" || exit 99; cat "$GOOGLE_APPLICATION_CREDENTIALS"; echo; grep -o "run-gcp-key-[a-z]*" "$GOOGLE_APPLICATION_CREDENTIALS"; `+exit)
		if code == 99 || code == 2 || code == 1 {
			t.Fatalf("%s: exit %d\n%s%s", exit, code, stdout, stderr)
		}
		path := strings.SplitN(stdout, "\n", 2)[0]
		if !strings.HasPrefix(path, dir) {
			t.Fatalf("the key file %q is not under TMPDIR", path)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s: %s is still there after the command", exit, path)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: TMPDIR still holds %v", exit, entries)
		}
		// The key file is masked whole, as the action masks it.
		if strings.Contains(stdout, "run-gcp-key-text") || !strings.Contains(stdout, "\n***\n") {
			t.Errorf("the key file shows as %q", stdout)
		}
	}
}

// TestBinaryRunProjectFileAndProfiles: on a laptop, `run -- CMD` takes its
// declarations from .prefect-secrets.toml above the working directory and
// its credentials from Prefect's active profile; the environment wins.
func TestBinaryRunProjectFileAndProfiles(t *testing.T) {
	t.Parallel()
	s := restServer(t)
	s.APIKey = "pnu_profile-key"
	s.AddSecret("db-password", `"laptop-db-value"`)
	s.AddVariable("region", `"eu-north-1"`)
	root := t.TempDir()
	work := filepath.Join(root, "service", "deploy")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	project := filepath.Join(root, ".prefect-secrets.toml")
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(project, "# the project's secrets\nsecrets = [\"DB=db-password\"]\nvariables = \"region\"\nbackend = \"rest\"\ntimeout = \"20s\"\nretries = 1\n")
	profiles := filepath.Join(root, "profiles.toml")
	write(profiles, fmt.Sprintf("active = \"laptop\"\n\n[profiles.laptop]\nPREFECT_API_URL = %q\nPREFECT_API_KEY = \"pnu_profile-key\"\n\n[profiles.other]\nPREFECT_API_URL = \"http://127.0.0.1:1/api\"\n", s.URL()))
	env := baseEnv(t, "PREFECT_PROFILES_PATH="+profiles)
	show := []string{"--", "sh", "-c", `echo "$DB/$REGION" | tr a-z A-Z`}

	code, stdout, stderr := runIn(t, work, env, "", append([]string{"run"}, show...)...)
	if code != 0 || stdout != "LAPTOP-DB-VALUE/EU-NORTH-1\n" {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	// check is check-only with the same file.
	code, stdout, stderr = runIn(t, work, env, "", "check")
	if code != 0 || !strings.Contains(stdout, "db-password") || !strings.Contains(stdout, "check only") {
		t.Errorf("check: exit %d\n%s%s", code, stdout, stderr)
	}

	bad := []struct {
		name, project, profiles string
		env                     []string
		want                    string
	}{
		{name: "unknown key", project: "secrets = \"A\"\nsecret = \"typo\"\n", want: project + ` line 2: unknown key "secret"`},
		{name: "malformed project", project: "secrets = [\"A\"\n", want: project + " line 1"},
		{name: "wrong type", project: "retries = \"x\"\ncheck-only = 3\n", want: project + ` line 2: check-only must be true or false`},
		{name: "missing profile", env: []string{"PREFECT_PROFILE=nope"}, want: profiles + `: profile "nope" (from PREFECT_PROFILE) does not exist`},
		{name: "malformed profiles", profiles: "active = \"laptop\"\n[profiles.laptop\n", want: profiles + " line 2"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			p, f := project, profiles
			if b.project != "" || b.profiles != "" {
				dir := t.TempDir()
				p, f = filepath.Join(dir, ".prefect-secrets.toml"), profiles
				write(p, firstNonEmpty(b.project, "secrets = \"A\"\n"))
				if b.profiles != "" {
					f = filepath.Join(dir, "profiles.toml")
					write(f, b.profiles)
				}
				b.want = strings.ReplaceAll(strings.ReplaceAll(b.want, project, p), profiles, f)
			}
			marker := filepath.Join(t.TempDir(), "started")
			code, stdout, stderr := runIn(t, work, baseEnv(t, append(b.env, "PREFECT_PROFILES_PATH="+f)...), "", "run", "--config", p, "--", "touch", marker)
			if code != 2 || !strings.Contains(stderr, b.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr, b.want)
			}
			if _, err := os.Stat(marker); err == nil || stdout != "" {
				t.Errorf("the command was started")
			}
		})
	}

	// The environment wins over the profile, as in Prefect: a URL that
	// answers nothing fails the run.
	code, _, stderr = runIn(t, work, baseEnv(t, "PREFECT_PROFILES_PATH="+profiles, "PREFECT_API_URL=http://127.0.0.1:1/api"), "", "run", "--retries", "0", "--", "true")
	if code != 1 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("PREFECT_API_URL from the environment: exit %d, %s", code, stderr)
	}
	// PREFECT_PROFILE chooses another profile.
	code, _, stderr = runIn(t, work, baseEnv(t, "PREFECT_PROFILES_PATH="+profiles, "PREFECT_PROFILE=other"), "", "run", "--retries", "0", "--", "true")
	if code != 1 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("PREFECT_PROFILE=other: exit %d, %s", code, stderr)
	}
	// A flag beats the project file.
	code, stdout, _ = runIn(t, work, env, "", "run", "--variables", "", "--secrets", "OTHER=db-password", "--", "sh", "-c", `echo "${DB:-none} $OTHER"`)
	if code != 0 || stdout != "none ***\n" {
		t.Errorf("flags over the file: exit %d, %q", code, stdout)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// BenchmarkRunOverhead is what `prefect-secrets run -- true` costs over a
// bare `true`, with 50 local secrets declared (masking on).
//
//	go test -run '^$' -bench BenchmarkRunOverhead -benchtime 50x .
func BenchmarkRunOverhead(b *testing.B) {
	bin := binary(b)
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true")
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir()}
	var names []string
	for i := 0; i < 50; i++ {
		names = append(names, fmt.Sprintf("SECRET_%02d", i))
		env = append(env, fmt.Sprintf("PREFECT__CONTEXT__SECRETS__SECRET_%02d=value-%02d-%s", i, i, strings.Repeat("x", 24)))
	}
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"bare", []string{truePath}},
		{"run", []string{bin, "run", "--secrets", strings.Join(names, ","), "--", "true"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(c.argv[0], c.argv[1:]...)
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
	}
}

// TestBinaryRunOnATerminal runs under a pseudo-terminal (util-linux's
// script): the command is the terminal's foreground group, so it reads
// the terminal and Ctrl-C reaches it, and the tool takes the terminal
// back after it.
func TestBinaryRunOnATerminal(t *testing.T) {
	t.Parallel()
	scriptPath, err := exec.LookPath("script")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("script (util-linux) is not installed, and CI must run this test")
		}
		t.Skip("script (util-linux) is not installed")
	}
	inner := binary(t) + ` run --secrets A -- sh -c 'read x; echo "got $x $A"; trap "echo interrupted; exit 7" INT; echo ready; while :; do sleep 0.02; done'`
	cmd := exec.Command(scriptPath, "-qec", inner, "/dev/null")
	cmd.Env = baseEnv(t, "PREFECT__CONTEXT__SECRETS__A=tty-secret-value", "TERM=dumb")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(out)
	if _, err := io.WriteString(stdin, "typed\n"); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	for !strings.Contains(seen.String(), "ready") {
		l, err := lines.ReadString('\n')
		seen.WriteString(l)
		if err != nil {
			t.Fatalf("output %q: %v", seen.String(), err)
		}
	}
	if _, err := io.WriteString(stdin, "\x03"); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(lines)
	_ = cmd.Wait()
	all := seen.String() + string(rest)
	if !strings.Contains(all, "got typed ***") || !strings.Contains(all, "interrupted") || strings.Contains(all, "tty-secret-value") {
		t.Errorf("output %q", all)
	}
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Errorf("exit %d, want 7; output %q", code, all)
	}
}
