package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runnertest"
)

// stepFiles are a step's file commands, temporary folder and workspace on
// a runner that runs the binary directly.
type stepFiles struct {
	dir, output, env, state, temp, workspace string
}

func newStepFiles(t *testing.T) stepFiles {
	t.Helper()
	dir := t.TempDir()
	f := stepFiles{dir: dir, output: filepath.Join(dir, "output"), env: filepath.Join(dir, "env"), state: filepath.Join(dir, "state"),
		temp: filepath.Join(dir, "temp"), workspace: filepath.Join(dir, "workspace")}
	for _, d := range []string{f.temp, f.workspace} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{f.output, f.env, f.state} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f stepFiles) environ(extra ...string) []string {
	return append([]string{"GITHUB_OUTPUT=" + f.output, "GITHUB_ENV=" + f.env, "GITHUB_STATE=" + f.state,
		"RUNNER_TEMP=" + f.temp, "GITHUB_WORKSPACE=" + f.workspace}, extra...)
}

func (f stepFiles) read(t *testing.T, path string) map[string]string {
	t.Helper()
	return parseCommandFile(t, path)
}

// untouched fails the test when any file command was written.
func (f stepFiles) untouched(t *testing.T) {
	t.Helper()
	for _, p := range []string{f.output, f.env, f.state} {
		if data, _ := os.ReadFile(p); len(data) != 0 {
			t.Errorf("%s was written: %q", filepath.Base(p), data)
		}
	}
}

func restServer(t *testing.T) *prefecttest.REST {
	t.Helper()
	s, err := prefecttest.NewREST(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestBinaryWildcardNamesThatTakeOverLaterSteps: a wildcard exports no
// name that a shell, loader, runtime, package manager or the runner reads;
// a declared one is exported, with a warning.
func TestBinaryWildcardNamesThatTakeOverLaterSteps(t *testing.T) {
	t.Parallel()
	s := restServer(t)
	hostile := map[string]string{
		"shellopts": "xtrace", "ps4": "$(touch /tmp/owned)", "pythonpath": "/tmp/evil", "pythonstartup": "/tmp/evil.py",
		"java-tool-options": "-javaagent:/tmp/a.jar", "perl5opt": "-Mevil", "rubyopt": "-revil", "goflags": "-toolexec=/tmp/x",
		"git-ssh-command": "/tmp/x", "https-proxy": "http://attacker:3128", "pip-index-url": "http://attacker/simple",
		"glibc-tunables": "glibc.malloc.check=3", "ld-preload": "/tmp/x.so", "bash-env": "/tmp/x", "path": "/tmp",
		"node-options": "--require /tmp/x.js", "npm-config-registry": "http://attacker",
	}
	for name, v := range hostile {
		s.AddSecret(name, fmt.Sprintf("%q", v))
	}
	s.AddSecret("safe-one", `"fine-value-1"`)
	s.AddVariable("pythonstartup", `"/tmp/evil.py"`)
	s.AddVariable("ok_var", `"fine-var"`)
	f := newStepFiles(t)
	code, stdout, stderr := runBinary(t, f.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(),
		"INPUT_SECRETS=*\nPYTHONPATH=safe-one", "INPUT_VARIABLES=*"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	env := f.read(t, f.env)
	for name := range env {
		if name != "SAFE_ONE" && name != "PYTHONPATH" && name != "OK_VAR" {
			t.Errorf("the wildcard exported %s", name)
		}
	}
	if env["SAFE_ONE"] != "fine-value-1" || env["OK_VAR"] != "fine-var" || env["PYTHONPATH"] != "fine-value-1" {
		t.Errorf("env %v", env)
	}
	for _, want := range []string{
		"::warning::secret shellopts is not exported: SHELLOPTS is read by bash",
		"::warning::secret ld-preload is not exported: LD_PRELOAD is read by the dynamic loader",
		"::warning::secret https-proxy is not exported: HTTPS_PROXY is read by every HTTP client",
		"::warning::variable pythonstartup is not exported: PYTHONSTARTUP is read by Python",
		"::warning::secret safe-one is exported as PYTHONPATH, which Python reads in every later step",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("missing %q in\n%s", want, stdout)
		}
	}
}

// TestBinaryEnvFileStaysInTheWorkspace: a folder link inside the
// workspace never carries the env-file out of it.
func TestBinaryEnvFileStaysInTheWorkspace(t *testing.T) {
	t.Parallel()
	f := newStepFiles(t)
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(f.workspace, "deploy")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runBinary(t, f.environ("PREFECT__CONTEXT__SECRETS__TOKEN=env-file-s3cret", "INPUT_SECRETS=TOKEN", "INPUT_ENV-FILE=deploy/ci.env"))
	if code != 1 || !strings.Contains(stdout, "::error::env-file:") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("the env-file went outside the workspace: %v", entries)
	}
	f.untouched(t)
}

// TestBinaryCheckOnlyHasNoExportClash: two blocks of one type are checked
// together, since check-only exports nothing.
func TestBinaryCheckOnlyHasNoExportClash(t *testing.T) {
	t.Parallel()
	s := restServer(t)
	for _, name := range []string{"prod", "staging"} {
		s.AddBlock(prefecttest.Block{Slug: "aws-credentials", Name: name, SecretFields: []string{"aws_secret_access_key"},
			Data: []byte(`{"aws_access_key_id": "AKIA` + name + `", "aws_secret_access_key": "sk-` + name + `"}`)})
	}
	f := newStepFiles(t)
	env := f.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_SECRETS=aws-credentials/prod\naws-credentials/staging")
	code, stdout, stderr := runBinary(t, append(env, "INPUT_CHECK-ONLY=true"))
	if code != 0 {
		t.Fatalf("check-only: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := f.read(t, f.output)["secrets-found"]; got != "aws-credentials/prod,aws-credentials/staging" {
		t.Errorf("secrets-found %q", got)
	}
	// Exporting both is still the clash it was.
	g := newStepFiles(t)
	code, stdout, _ = runBinary(t, g.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_SECRETS=aws-credentials/prod\naws-credentials/staging"))
	if code != 2 || !strings.Contains(stdout, "both export") {
		t.Errorf("export: exit %d\n%s", code, stdout)
	}
}

// TestBinaryMasksDerivedForms: a password a profile puts into a URL is
// masked in its escaped form, and a kubeconfig's token when the file
// profile writes the YAML text.
func TestBinaryMasksDerivedForms(t *testing.T) {
	t.Parallel()
	s := restServer(t)
	s.AddBlock(prefecttest.Block{Slug: "sqlalchemy-connector", Name: "db", SecretFields: []string{"connection_info.password"},
		Data: []byte(`{"connection_info": {"driver": "postgresql+psycopg2", "username": "app", "password": "p@ss/w:rd", "host": "::1", "database": "d"}}`)})
	s.AddSecret("kube", `"apiVersion: v1\nusers:\n- name: ci\n  user:\n    token: kube-tok-9\n"`)
	f := newStepFiles(t)
	code, stdout, stderr := runBinary(t, f.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_SECRETS=sqlalchemy-connector/db\nKUBE=kube@file"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	masks := map[string]bool{}
	for _, m := range runnertest.ParseMasks([]byte(stdout)) {
		masks[m.Value] = true
	}
	for _, want := range []string{"p%40ss%2Fw%3Ard", "p@ss/w:rd", "kube-tok-9"} {
		if !masks[want] {
			t.Errorf("%q is not masked", want)
		}
	}
	env := f.read(t, f.env)
	if env["DATABASE_URL"] != "postgresql+psycopg2://app:p%40ss%2Fw%3Ard@[::1]/d" || env["PGHOST"] != "::1" || env["PGPORT"] != "" {
		t.Errorf("DATABASE_URL %q, PGHOST %q, PGPORT %q", env["DATABASE_URL"], env["PGHOST"], env["PGPORT"])
	}
}

// TestBinaryVariablesAsStrictAsSecrets: one bound for every wildcard of a
// run, the secret rules for matched variable names, and the environment's
// total size.
func TestBinaryVariablesAsStrictAsSecrets(t *testing.T) {
	t.Parallel()
	t.Run("one bound across secrets and variables", func(t *testing.T) {
		t.Parallel()
		s := restServer(t)
		for i := 0; i < 5001; i++ {
			s.AddSecret(fmt.Sprintf("s-%05d", i), `"v"`)
			s.AddVariable(fmt.Sprintf("v_%05d", i), `"v"`)
		}
		f := newStepFiles(t)
		code, stdout, _ := runBinary(t, f.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_SECRETS=s-*", "INPUT_VARIABLES=v_*"))
		if code != 1 || !strings.Contains(stdout, "match more than 10000 names together") {
			t.Errorf("exit %d\n%.2000s", code, stdout)
		}
		f.untouched(t)
	})
	t.Run("matched names", func(t *testing.T) {
		t.Parallel()
		s := restServer(t)
		s.AddSecret("shared", `"from-secret"`)
		s.AddVariable("shared", `"from-variable"`)
		s.AddVariable(`bad$(touch x)`, `"x"`)
		s.AddVariable("", `"empty-name"`)
		s.AddVariable("fine", `"ok"`)
		f := newStepFiles(t)
		code, stdout, stderr := runBinary(t, f.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_SECRETS=*", "INPUT_VARIABLES=*"))
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		env := f.read(t, f.env)
		if len(env) != 2 || env["SHARED"] != "from-secret" || env["FINE"] != "ok" {
			t.Errorf("env %v", env)
		}
		for _, want := range []string{`::warning::variable shared is not exported: export name "SHARED" is taken by shared`, `::warning::variable "bad$(touch x)" is not exported: a matched name may hold only`, `::warning::variable "" is not exported`} {
			if !strings.Contains(stdout, want) {
				t.Errorf("missing %q in\n%s", want, stdout)
			}
		}
	})
	t.Run("the environment's total size", func(t *testing.T) {
		t.Parallel()
		s := restServer(t)
		var names []string
		for i := 0; i < 20; i++ {
			s.AddVariable(fmt.Sprintf("big_%02d", i), fmt.Sprintf("%q", strings.Repeat("x", 120<<10)))
			names = append(names, fmt.Sprintf("big_%02d", i))
		}
		f := newStepFiles(t)
		code, stdout, _ := runBinary(t, f.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_VARIABLES="+strings.Join(names, ",")))
		if code != 1 || !strings.Contains(stdout, "a later step can start with") {
			t.Errorf("exit %d\n%.3000s", code, stdout)
		}
		f.untouched(t)
		// As outputs only, they go.
		g := newStepFiles(t)
		code, stdout, _ = runBinary(t, g.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_VARIABLES="+strings.Join(names, ","), "INPUT_EXPORT-ENV=false"))
		if code != 0 {
			t.Errorf("export-env false: exit %d\n%.3000s", code, stdout)
		}
	})
}

// TestBinaryNestedBlockMarker: an unsaved nested block carries the
// server's block_type_slug key in its parent's data, which is not a field
// and is not exported.
func TestBinaryNestedBlockMarker(t *testing.T) {
	t.Parallel()
	s := restServer(t)
	// As the recorded server returns an S3Bucket whose credentials were
	// not saved as a block of their own.
	s.AddBlock(prefecttest.Block{Slug: "s3-bucket", Name: "data", SecretFields: []string{"credentials.aws_secret_access_key"},
		Data: []byte(`{"bucket_name": "b-1", "credentials": {"aws_access_key_id": "AKIAX", "aws_secret_access_key": "sk-nested", "block_type_slug": "aws-credentials"}, "bucket_folder": ""}`)})
	f := newStepFiles(t)
	code, stdout, stderr := runBinary(t, f.environ("INPUT_BACKEND=rest", "INPUT_API-URL="+s.URL(), "INPUT_SECRETS=BUCKET=s3-bucket/data"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	env := f.read(t, f.env)
	if _, ok := env["BUCKET_CREDENTIALS_BLOCK_TYPE_SLUG"]; ok {
		t.Errorf("the server's marker is exported: %v", env)
	}
	if env["BUCKET_CREDENTIALS_AWS_SECRET_ACCESS_KEY"] != "sk-nested" || env["BUCKET_BUCKET_NAME"] != "b-1" {
		t.Errorf("env %v", env)
	}
}

// TestBinaryEnvFileRefusesWhatNoReaderCarries: a value that compose,
// godotenv, node's dotenv and sh cannot all read back fails the step,
// naming the variable, and nothing is written.
func TestBinaryEnvFileRefusesWhatNoReaderCarries(t *testing.T) {
	t.Parallel()
	f := newStepFiles(t)
	code, stdout, stderr := runBinary(t, f.environ(`PREFECT__CONTEXT__SECRETS__WIN_PATH=C:\dir\`, "INPUT_SECRETS=WIN_PATH", "INPUT_ENV-FILE=ci.env"))
	if code != 1 || !strings.Contains(stdout, "::error::env-file: WIN_PATH: the value ends in a backslash") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(f.workspace, "ci.env")); !os.IsNotExist(err) {
		t.Errorf("the env-file was written: %v", err)
	}
	f.untouched(t)
}
