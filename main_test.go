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
	cmd := exec.Command(binary(t), args...)
	cmd.Env = env
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
	if !strings.HasPrefix(stdout, "::add-mask::bin-s3cr3t%0Aline2\n::add-mask::bin-s3cr3t\n::add-mask::line2\n") {
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
