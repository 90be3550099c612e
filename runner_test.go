package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/joho/godotenv"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runnertest"
)

func TestMain(m *testing.M) {
	runnertest.ServeContainer()
	os.Exit(m.Run())
}

// requireRoot: the runner-faithful tests make mount namespaces and files
// of another user, which needs root. CI runs them as root and must never
// skip them; elsewhere they are skipped with that said.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the runner-faithful tests need root, and CI must run them")
	}
	t.Skip("the runner-faithful tests need root (.ci/run runs them as root)")
}

// hostedRunner lays out a hosted runner under a new folder that the
// runner user can reach.
func hostedRunner(t *testing.T, jobContainer string) (*runnertest.Host, string) {
	t.Helper()
	root := t.TempDir()
	// t.TempDir's folders are 0700: open the way down to the runner's.
	for p := root; p != filepath.Dir(p) && p != os.TempDir(); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h, err := runnertest.NewHost(root, "repo")
	if err != nil {
		t.Fatal(err)
	}
	h.JobContainer = jobContainer
	image := filepath.Join(root, "image")
	if err := runnertest.NewImage(image, binary(t)); err != nil {
		t.Fatal(err)
	}
	return h, image
}

func readMetadata(t *testing.T, path string) *runnertest.Metadata {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := runnertest.ReadMetadata(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func parseCommandFile(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := runnertest.ParseFileCommands(data)
	if err != nil {
		t.Fatalf("%s does not parse as the runner reads it: %v", filepath.Base(path), err)
	}
	out := map[string]string{}
	for _, e := range entries {
		out[e.Name] = e.Value
	}
	return out
}

// containerPaths finds values a later step would be handed that only the
// action's container has: every such value is a failure.
func containerPaths(values map[string]string) []string {
	var bad []string
	for name, v := range values {
		if strings.HasPrefix(v, "/github/") || strings.Contains(v, "=/github/") {
			bad = append(bad, name+"="+v)
		}
	}
	return bad
}

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// TestOnGitHubsRunner runs the built binary as GitHub's runner runs a
// Docker action (ContainerActionHandler): the image's file system with the
// runner's folders bound at /github/…, in a mount namespace of its own,
// with inputs from action.yml's defaults as the runner evaluates them,
// every environment value path-translated and runs.args evaluated with
// inputs alone. A later step, on the host as the runner user or in the job
// container under /__w, then reads every credential file and the env-file,
// and the post step, started by post-entrypoint with the main step's
// state, removes them.
func TestOnGitHubsRunner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	s, err := prefecttest.NewREST(map[string]string{"db-password": `"runner-db-s3cret"`}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddBlock(prefecttest.Block{Slug: "kubernetes-cluster-config", Name: "prod",
		Data: []byte(`{"context_name": "prod", "config": {"apiVersion": "v1", "kind": "Config", "current-context": "prod", "users": [{"name": "u", "user": {"token": "runner-k8s-token"}}]}}`)})
	s.AddBlock(prefecttest.Block{Slug: "gcp-credentials", Name: "ci", SecretFields: []string{"service_account_info.*"},
		Data: []byte(`{"service_account_info": {"type": "service_account", "project_id": "p-1", "private_key": "runner-gcp-key"}}`)})
	meta := readMetadata(t, "action.yml")

	for _, tc := range []struct {
		name, jobContainer string
		keepFiles          bool
	}{
		{"host job", "", false},
		{"job container", "4f2a9c", false},
		{"host job with keep-files", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, image := hostedRunner(t, tc.jobContainer)
			with := map[string]string{
				"secrets":  "kubernetes-cluster-config/prod\ngcp-credentials/ci\nDB=db-password\nLOCAL_TOKEN",
				"backend":  "rest",
				"api-url":  s.URL(),
				"env-file": "ci.env",
			}
			if tc.keepFiles {
				with["keep-files"] = "true"
			}
			stepEnv := map[string]string{"PREFECT__CONTEXT__SECRETS__LOCAL_TOKEN": "runner-local-token"}
			main, err := h.Prepare(meta, runnertest.Main, with, stepEnv, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Inputs arrive upper-cased with their hyphens kept, and the
			// runner's default for runner-paths starts with "{", so the
			// translation leaves its host path alone.
			for _, want := range []string{"INPUT_API-URL=" + s.URL(), "INPUT_ENV-FILE=ci.env", `INPUT_RUNNER-PATHS={"temp":"` + h.Temp + `"`, "RUNNER_TEMP=/github/runner_temp", "GITHUB_WORKSPACE=/github/workspace", "HOME=/github/home"} {
				if !hasPrefixed(main.Env, want) {
					t.Errorf("the container's environment lacks %s", want)
				}
			}
			res, err := h.Run(main, image)
			if err != nil {
				t.Fatal(err)
			}
			if res.Code != 0 {
				t.Fatalf("main step: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
			}

			// A later step: the file commands parse, and every path in
			// them is one that step has.
			env := parseCommandFile(t, main.EnvFile)
			outputs := parseCommandFile(t, main.Output)
			for _, bad := range append(containerPaths(env), containerPaths(outputs)...) {
				t.Errorf("a later step is handed a path inside the action's container: %s", bad)
			}
			if outputs["DB"] != "runner-db-s3cret" || env["LOCAL_TOKEN"] != "runner-local-token" {
				t.Errorf("outputs DB=%q, env LOCAL_TOKEN=%q", outputs["DB"], env["LOCAL_TOKEN"])
			}
			if got := outputs["secrets-found"]; got != "kubernetes-cluster-config/prod,gcp-credentials/ci,db-password,LOCAL_TOKEN" {
				t.Errorf("secrets-found = %q", got)
			}
			var exported, onHost []string
			for _, name := range []string{"KUBECONFIG", "GOOGLE_APPLICATION_CREDENTIALS"} {
				p := env[name]
				hostPath, ok := h.LaterStepPath(p)
				if !ok {
					t.Fatalf("%s=%q is not a path a later step has", name, p)
				}
				exported, onHost = append(exported, p), append(onHost, hostPath)
			}
			envFile := filepath.Join(h.Workspace, "ci.env")
			if tc.jobContainer != "" {
				exported = append(exported, "/__w/repo/repo/ci.env")
			} else {
				exported = append(exported, envFile)
			}
			onHost = append(onHost, envFile)
			reads, err := h.ReadAsLaterStep(exported)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range reads {
				want, err := os.ReadFile(onHost[i])
				if err != nil {
					t.Fatalf("%s: %v", onHost[i], err)
				}
				if r.Err != "" || r.SHA256 != sum(want) {
					t.Errorf("a later step reads %s: %s", r.Path, r.Err)
				}
				info, err := os.Stat(onHost[i])
				if err != nil {
					t.Fatal(err)
				}
				st := info.Sys().(*syscall.Stat_t)
				if st.Uid != runnertest.RunnerUID || info.Mode().Perm() != 0o600 {
					t.Errorf("%s: owner %d, mode %v; want the runner user's, 0600", r.Path, st.Uid, info.Mode().Perm())
				}
			}
			if data, err := os.ReadFile(envFile); err != nil {
				t.Fatal(err)
			} else if parsed, err := godotenv.Unmarshal(string(data)); err != nil || parsed["DB"] != "runner-db-s3cret" {
				t.Errorf("env-file: %v, DB=%q", err, parsed["DB"])
			}
			if kube, _ := os.ReadFile(onHost[0]); !strings.Contains(string(kube), "runner-k8s-token") {
				t.Errorf("kubeconfig: %q", kube)
			}

			// The post step: a fresh container, started by
			// post-entrypoint, with the main step's state.
			stateEntries, err := runnertest.ParseFileCommands(mustRead(t, main.State))
			if err != nil || len(stateEntries) == 0 {
				t.Fatalf("state %q: %v", mustRead(t, main.State), err)
			}
			post, err := h.Prepare(meta, runnertest.Post, with, stepEnv, stateEntries)
			if err != nil {
				t.Fatal(err)
			}
			res, err = h.Run(post, image)
			if err != nil {
				t.Fatal(err)
			}
			if res.Code != 0 {
				t.Fatalf("post step: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			if out := mustRead(t, post.Output); len(out) != 0 {
				t.Errorf("the post step wrote outputs: %q (it ran the main step)", out)
			}
			for _, p := range onHost {
				_, err := os.Stat(p)
				if tc.keepFiles && err != nil {
					t.Errorf("keep-files: %s is gone", p)
				}
				if !tc.keepFiles && !os.IsNotExist(err) {
					t.Errorf("the post step left %s\n%s", p, res.Stdout)
				}
			}
			// The runner user empties its temporary folder between jobs.
			entries, err := os.ReadDir(h.Temp)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				rm := exec.Command("rm", "-rf", filepath.Join(h.Temp, e.Name()))
				rm.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: runnertest.RunnerUID, Gid: runnertest.RunnerUID}}
				if out, err := rm.CombinedOutput(); err != nil {
					t.Errorf("the runner user cannot empty RUNNER_TEMP: %v\n%s", err, out)
				}
			}
		})
	}
}

func hasPrefixed(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestRunnerModelRefuses shows the model fails where the runner does:
// the old runs.args with runner.temp, and a path only the action's
// container has handed to a later step.
func TestRunnerModelRefuses(t *testing.T) {
	t.Parallel()
	old := "name: x\ndescription: y\nruns:\n  using: docker\n  image: Dockerfile\n  args:\n    - --runner-temp-host\n    - ${{ runner.temp }}\n"
	if _, err := runnertest.ReadMetadata([]byte(old)); err == nil || !strings.Contains(err.Error(), "Unrecognized named-value: 'runner'") {
		t.Errorf("the old action.yml loads: %v", err)
	}
	h := &runnertest.Host{Root: "/r", Work: "/r/home/runner/work", Temp: "/r/home/runner/work/_temp"}
	var m runnertest.Metadata
	m.Runs.Using, m.Runs.Args = "docker", []string{"${{ runner.temp }}"}
	if _, err := h.Prepare(&m, runnertest.Main, nil, nil, nil); err == nil {
		t.Errorf("runs.args evaluated runner")
	}
	if bad := containerPaths(map[string]string{"KUBECONFIG": "/github/runner_temp/prefect-secrets-x/kubeconfig"}); len(bad) != 1 {
		t.Errorf("a container path is not caught: %v", bad)
	}
	if _, ok := h.LaterStepPath("/github/runner_temp/x"); ok {
		t.Errorf("a container path is taken for a host path")
	}
	h.JobContainer = "c"
	if _, ok := h.LaterStepPath("/r/home/runner/work/_temp/x"); ok {
		t.Errorf("a host path is taken for one the job container has")
	}
}

// TestWriteOnGitHubsRunner runs the write action as the runner starts it:
// its metadata checked, its inputs as INPUT_ variables, the values in the
// step's env, and the read action's image started with runs.args.
func TestWriteOnGitHubsRunner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	s, err := prefecttest.NewREST(map[string]string{"db-password": `"old-db-value"`}, prefecttest.SharedOpenAPIPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.CSRF = true
	meta := readMetadata(t, filepath.Join("write", "action.yml"))
	// The runner builds the image from this path, relative to the action.
	if _, err := os.Stat(filepath.Join("write", meta.Runs.Image)); err != nil {
		t.Fatalf("runs.image: %v", err)
	}
	h, image := hostedRunner(t, "")
	with := map[string]string{"secrets": "DB=db-password\naws-credentials/ci@aws", "variables": "DEPLOYED=deployed-at", "api-url": s.URL()}
	stepEnv := map[string]string{"DB": "runner-new-db", "AWS_ACCESS_KEY_ID": "AKIARUNNER", "AWS_SECRET_ACCESS_KEY": "runner-aws-secret", "DEPLOYED": "2026-12-03"}
	step, err := h.Prepare(meta, runnertest.Main, with, stepEnv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(step.Args) != 1 || step.Args[0] != "write" {
		t.Fatalf("args %q", step.Args)
	}
	res, err := h.Run(step, image)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	outputs := parseCommandFile(t, step.Output)
	if outputs["updated"] != "db-password" || outputs["created"] != "aws-credentials/ci,deployed-at" || outputs["failed"] != "" {
		t.Errorf("outputs %v", outputs)
	}
	if got := string(s.Block("secret", "db-password").Data); !strings.Contains(got, "runner-new-db") {
		t.Errorf("db-password holds %s", got)
	}
	if v := s.Variable("deployed-at"); v == nil || string(v.Value) != `"2026-12-03"` {
		t.Errorf("deployed-at is %+v", v)
	}
	for _, secret := range []string{"runner-new-db", "runner-aws-secret"} {
		if strings.Contains(withoutMasks(string(res.Stdout)), secret) || strings.Contains(string(res.Stderr), secret) {
			t.Errorf("the log shows %q", secret)
		}
	}
	if p := s.Problems(); len(p) > 0 {
		t.Errorf("the server refused requests: %v", p)
	}
}
