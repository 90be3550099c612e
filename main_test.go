package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/action"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runnertest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the real prefect-secrets binary once per test process, the
// way the Dockerfile does.
func binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "prefect-secrets-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "prefect-secrets")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

func runBinary(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runIn(t, "", env, "", args...)
}

func TestBinaryInRunner(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, envFile := filepath.Join(dir, "output"), filepath.Join(dir, "env")
	for _, f := range []string{out, envFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"GITHUB_OUTPUT=" + out, "GITHUB_ENV=" + envFile,
		"PREFECT__CONTEXT__SECRETS__DB_PASSWORD=bin-s3cr3t\nline2",
		"INPUT_SECRETS=DB_PASSWORD, OPT?",
	}
	code, stdout, stderr := runBinary(t, env)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	// Longest first: the JSON-escaped form, the whole value, its lines.
	if !strings.HasPrefix(stdout, "::add-mask::bin-s3cr3t\\nline2\n::add-mask::bin-s3cr3t%0Aline2\n::add-mask::bin-s3cr3t\n::add-mask::line2\n") {
		t.Errorf("masks do not come first:\n%s", stdout)
	}
	data, _ := os.ReadFile(envFile)
	entries, err := runnertest.ParseFileCommands(data)
	if err != nil || len(entries) != 1 || entries[0] != (runnertest.Entry{Name: "DB_PASSWORD", Value: "bin-s3cr3t\nline2"}) {
		t.Errorf("GITHUB_ENV read as %q, %v", entries, err)
	}
	if stderr != "" {
		t.Errorf("stderr: %q", stderr)
	}
}

func TestBinaryExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  []string
		args []string
		code int
	}{
		{[]string{"PREFECT__CONTEXT__SECRETS__A=x"}, []string{"--secrets", "A"}, 0},
		{nil, []string{"--secrets", "A"}, 1},
		{nil, []string{"--secrets", "A", "--timeout", "x"}, 2},
		{nil, []string{"--help"}, 0},
	}
	for _, tt := range tests {
		if code, _, stderr := runBinary(t, tt.env, tt.args...); code != tt.code {
			t.Errorf("%v: exit %d, want %d (%s)", tt.args, code, tt.code, stderr)
		}
	}
}

// BenchmarkProcess measures the whole process, start to exit, resolving and
// exporting N local secrets inside a runner: wall time per run and the
// peak resident memory.
func BenchmarkProcess(b *testing.B) {
	bin := binary(b)
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			env := []string{"HOME=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_ENV=" + filepath.Join(dir, "env")}
			names := make([]string, n)
			for i := range names {
				names[i] = fmt.Sprintf("SECRET_%04d", i)
				env = append(env, fmt.Sprintf("PREFECT__CONTEXT__SECRETS__%s=value-%d-%s", names[i], i, strings.Repeat("x", 32)))
			}
			env = append(env, "INPUT_SECRETS="+strings.Join(names, "\n"))
			var peak int64
			var wall time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(bin)
				cmd.Env = env
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				wall += time.Since(start)
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
					peak = ru.Maxrss
				}
				_ = os.Remove(filepath.Join(dir, "out"))
				_ = os.Remove(filepath.Join(dir, "env"))
			}
			b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "ms/run")
			b.ReportMetric(float64(peak)/1024, "peak-MB")
		})
	}
}

// TestBinaryStopsOnSIGTERM sends SIGTERM while a backend request hangs: the
// run stops at once, reports the cancellation and writes nothing.
func TestBinaryStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	g := prefecttest.NewGraphQL(map[string]string{"DB": `"x"`})
	defer g.Close()
	g.Always(prefecttest.Fault{Delay: time.Minute})
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	if err := os.WriteFile(out, []byte("EARLIER=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t))
	cmd.Env = []string{"GITHUB_OUTPUT=" + out, "INPUT_EXPORT-ENV=false", "INPUT_BACKEND=graphql", "INPUT_API-URL=" + g.URL, "INPUT_SECRETS=DB"}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.Requests() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, stdout.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if !strings.Contains(stdout.String(), "cancelled") {
		t.Errorf("no cancellation reported:\n%s", stdout.String())
	}
	if data, _ := os.ReadFile(out); string(data) != "EARLIER=1\n" {
		t.Errorf("GITHUB_OUTPUT changed: %q", data)
	}
}

// heavyLocalConfig writes a configuration near the largest accepted (16
// MiB, 10,000 keys) and declares every secret in it.
func heavyLocalConfig(t *testing.T, dir string) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[context.secrets]\n")
	names := make([]string, 0, 9000)
	for i := 0; i < 9000; i++ {
		name := fmt.Sprintf("K%04d", i)
		names = append(names, name)
		fmt.Fprintf(&b, "%s = \"%s-%d\"\n", name, strings.Repeat("x", 1700), i)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"HOME=" + dir, "INPUT_CONFIG-FILE=" + cfg, "INPUT_SECRETS=" + strings.Join(names, ","), "INPUT_SUMMARY=false",
		// 15 MB of variables would leave no later step able to start.
		"INPUT_EXPORT-ENV=false"}
}

// TestBinaryStopsOnSIGTERMDuringLocalWork signals the process while it
// resolves a large local configuration: it exits 1 and writes nothing. The
// signal comes at a quarter of the time an undisturbed run takes here.
func TestBinaryStopsOnSIGTERMDuringLocalWork(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := heavyLocalConfig(t, dir)
	run := func(signalAfter time.Duration) (int, time.Duration, string, string) {
		out, envFile := filepath.Join(dir, "output"), filepath.Join(dir, "env")
		for _, f := range []string{out, envFile} {
			if err := os.WriteFile(f, []byte("EARLIER=1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(binary(t))
		cmd.Env = append(base, "GITHUB_OUTPUT="+out, "GITHUB_ENV="+envFile)
		var stdout strings.Builder
		cmd.Stdout = &stdout
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if signalAfter > 0 {
			time.Sleep(signalAfter)
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
		err := cmd.Wait()
		took := time.Since(start)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		data, _ := os.ReadFile(out)
		return code, took, stdout.String(), string(data)
	}
	code, full, _, written := run(0)
	if code != 0 || len(written) < 9000*1700 {
		t.Fatalf("undisturbed run: exit %d, %d bytes of outputs", code, len(written))
	}
	code, _, stdout, written := run(full / 4)
	if code != 1 {
		t.Fatalf("exit %d after SIGTERM at %s of a %s run\n%.500s", code, full/4, full, stdout)
	}
	if !strings.Contains(stdout, "cancelled by a signal") {
		t.Errorf("no cancellation reported:\n%.500s", stdout)
	}
	if written != "EARLIER=1\n" {
		t.Errorf("GITHUB_OUTPUT changed: %d bytes", len(written))
	}
}

// TestBinaryRollsBackByFileIdentity makes GITHUB_ENV a symlink to
// GITHUB_OUTPUT and lets the write fail part way (a file-size limit): the
// file is restored to exactly what it held, with no NUL bytes.
func TestBinaryRollsBackByFileIdentity(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash for ulimit")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	if err := os.WriteFile(out, []byte("EARLIER=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(out, filepath.Join(dir, "env")); err != nil {
		t.Fatal(err)
	}
	// 6 KiB: room for the outputs, not for the outputs and the variables.
	cmd := exec.Command(bash, "-c", `ulimit -f 6 && exec "$0"`, binary(t))
	cmd.Env = []string{"GITHUB_OUTPUT=" + out, "GITHUB_ENV=" + filepath.Join(dir, "env"), "INPUT_SECRETS=A", "INPUT_SUMMARY=false",
		"PREFECT__CONTEXT__SECRETS__A=" + strings.Repeat("v", 4000)}
	output, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%.300s", err, output)
	}
	if !strings.Contains(string(output), "cannot write") {
		t.Errorf("no write error reported:\n%.300s", output)
	}
	if data, _ := os.ReadFile(out); string(data) != "EARLIER=1\n" {
		t.Errorf("GITHUB_OUTPUT is %d bytes after the rollback, %d of them NUL", len(data), strings.Count(string(data), "\x00"))
	}
}

// TestBinaryFilesAndPostStep runs the real binary as the main step (a gcp
// block, whose key becomes a file) and then as the post step, under the
// name the image links to it, which removes the file.
func TestBinaryFilesAndPostStep(t *testing.T) {
	t.Parallel()
	s, err := prefecttest.NewREST(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddBlock(prefecttest.Block{Slug: "gcp-credentials", Name: "ci", SecretFields: []string{"service_account_info.*"},
		Data: []byte(`{"service_account_info": {"type": "service_account", "project_id": "p-1", "private_key": "bin-private-key"}}`)})
	dir := t.TempDir()
	temp := filepath.Join(dir, "temp")
	if err := os.Mkdir(temp, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range []string{"output", "env", "state"} {
		files[f] = filepath.Join(dir, f)
		if err := os.WriteFile(files[f], nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"GITHUB_OUTPUT=" + files["output"], "GITHUB_ENV=" + files["env"], "GITHUB_STATE=" + files["state"], "RUNNER_TEMP=" + temp,
		"INPUT_BACKEND=rest", "INPUT_API-URL=" + s.URL(), "INPUT_SECRETS=gcp-credentials/ci"}
	code, stdout, stderr := runBinary(t, env)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	data, _ := os.ReadFile(files["env"])
	exported, err := runnertest.ParseFileCommands(data)
	if err != nil {
		t.Fatal(err)
	}
	var keyPath string
	for _, e := range exported {
		if e.Name == "GOOGLE_APPLICATION_CREDENTIALS" {
			keyPath = e.Value
		}
	}
	if key, err := os.ReadFile(keyPath); err != nil || !strings.Contains(string(key), "bin-private-key") {
		t.Fatalf("key file %q: %v", keyPath, err)
	}
	data, _ = os.ReadFile(files["state"])
	state, err := runnertest.ParseFileCommands(data)
	if err != nil || len(state) != 1 {
		t.Fatalf("state %q: %v", data, err)
	}
	// The runner starts the post step by post-entrypoint, a link named
	// prefect-secrets-post to the binary, with the same inputs.
	post := filepath.Join(dir, action.PostProgram)
	if err := os.Symlink(binary(t), post); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(post)
	cmd.Env = []string{"STATE_" + state[0].Name + "=" + state[0].Value, "INPUT_SECRETS=gcp-credentials/ci"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("post step: %v\n%s", err, out)
	}
	if _, err := os.Stat(keyPath); !os.IsNotExist(err) {
		t.Errorf("the post step left %s: %v\n%s", keyPath, err, out)
	}
	if entries, _ := os.ReadDir(temp); len(entries) != 0 {
		t.Errorf("the folder is left: %v", entries)
	}
}

// TestBinaryStepIsChosenByProgramName: a STATE_ variable a workflow sets
// on the main step does not turn it into the post step, and a post step
// with no saved state does not run the main step again.
func TestBinaryStepIsChosenByProgramName(t *testing.T) {
	t.Parallel()
	main := newStepFiles(t)
	env := main.environ("PREFECT__CONTEXT__SECRETS__TOKEN=step-s3cr3t", "INPUT_SECRETS=TOKEN")
	code, stdout, stderr := runBinary(t, append(env, "STATE_prefect-secrets-files=[]"))
	if code != 0 {
		t.Fatalf("main step with a STATE_ variable: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := main.read(t, main.env)["TOKEN"]; got != "step-s3cr3t" {
		t.Errorf("the main step exported TOKEN=%q\n%s", got, stdout)
	}
	// The post step, with the same inputs but no state, and fresh files.
	postFiles := newStepFiles(t)
	post := filepath.Join(postFiles.dir, action.PostProgram)
	if err := os.Symlink(binary(t), post); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(post)
	cmd.Env = postFiles.environ("PREFECT__CONTEXT__SECRETS__TOKEN=step-s3cr3t", "INPUT_SECRETS=TOKEN")
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("post step: %v\n%s", err, got)
	}
	postFiles.untouched(t) // it did not run the main step again
	if strings.Contains(string(got), "::add-mask::") {
		t.Errorf("the post step resolved secrets: %s", got)
	}
}

// TestBinaryProfiles runs the real binary for a block of every type with
// a profile, and for Prefect 1's default secrets from the environment.
func TestBinaryProfiles(t *testing.T) {
	t.Parallel()
	s, err := prefecttest.NewREST(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	for _, b := range prefecttest.CredentialBlocks {
		s.AddBlock(b)
	}
	tests := []struct {
		decl string
		env  []string
		want []string
	}{
		{"aws-credentials/prod", nil, []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"}},
		{"minio-credentials/lake", nil, []string{"AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL"}},
		{"gcp-credentials/ci", nil, []string{"GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT"}},
		{"azure-container-instance-credentials/az", nil, []string{"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"}},
		{"github-credentials/bot", nil, []string{"GH_TOKEN"}},
		{"gitlab-credentials/gl", nil, []string{"GITLAB_TOKEN", "GITLAB_HOST"}},
		{"docker-registry-credentials/hub", nil, []string{"DOCKER_USERNAME", "DOCKER_PASSWORD"}},
		{"sqlalchemy-connector/db", nil, []string{"DATABASE_URL", "PGPASSWORD"}},
		{"snowflake-connector/wh", nil, []string{"SNOWFLAKE_ACCOUNT", "SNOWFLAKE_PRIVATE_KEY_FILE"}},
		{"databricks-credentials/dbx", nil, []string{"DATABRICKS_HOST", "DATABRICKS_TOKEN"}},
		{"slack-incoming-webhook/alerts", nil, []string{"SLACK_WEBHOOK_URL"}},
		{"kubernetes-cluster-config/prod", nil, []string{"KUBECONFIG"}},
		{"AWS_CREDENTIALS@aws", []string{`PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS={"ACCESS_KEY": "AKIA1", "SECRET_ACCESS_KEY": "s"}`}, []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}},
		{"GCP_CREDENTIALS@gcp", []string{`PREFECT__CONTEXT__SECRETS__GCP_CREDENTIALS={"type": "service_account", "project_id": "p", "private_key": "k"}`}, []string{"GOOGLE_APPLICATION_CREDENTIALS", "GCP_PROJECT"}},
		{"GITHUB_ACCESS_TOKEN@github", []string{"PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN=ghp_1"}, []string{"GH_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.decl, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			envFile := filepath.Join(dir, "env")
			env := append([]string{"GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_ENV=" + envFile, "RUNNER_TEMP=" + dir,
				"INPUT_BACKEND=rest", "INPUT_API-URL=" + s.URL(), "INPUT_SECRETS=" + tt.decl}, tt.env...)
			code, stdout, stderr := runBinary(t, env)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			data, _ := os.ReadFile(envFile)
			entries, err := runnertest.ParseFileCommands(data)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, e := range entries {
				got[e.Name] = true
			}
			for _, name := range tt.want {
				if !got[name] {
					t.Errorf("%s not exported (%v)", name, got)
				}
			}
		})
	}
}
