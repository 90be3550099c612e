package action

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/joho/godotenv"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runnertest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/secretfile"
)

func credentialServer(t *testing.T) *prefecttest.REST {
	t.Helper()
	s := newREST(t, map[string]string{"db-password": `"plain-secret-0001"`})
	for _, b := range prefecttest.CredentialBlocks {
		s.AddBlock(b)
	}
	s.AddVariable("deploy_env", `"staging"`)
	s.AddVariable("replicas", `3`)
	s.AddVariable("feature_flags", `{"beta": true}`)
	return s
}

// exported is what later steps see: the variables, read back as the runner
// reads GITHUB_ENV.
func exported(r result) map[string]string {
	out := map[string]string{}
	for _, e := range r.exported {
		out[e.Name] = e.Value
	}
	return out
}

func TestProfilesEndToEnd(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	tests := []struct {
		decl  string
		want  map[string]string
		files map[string]string // variable naming a file, to its content
	}{
		{"aws-credentials/prod", map[string]string{"AWS_ACCESS_KEY_ID": "AKIAPROD0001", "AWS_SECRET_ACCESS_KEY": "prod-secret-key-0001", "AWS_SESSION_TOKEN": "", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}, nil},
		{"minio-credentials/lake", map[string]string{"AWS_ACCESS_KEY_ID": "minio-admin", "AWS_SECRET_ACCESS_KEY": "minio-pass-0001", "AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "http://minio:9000"}, nil},
		{"gcp-credentials/ci", map[string]string{"CLOUDSDK_CORE_PROJECT": "proj-ci", "GOOGLE_CLOUD_PROJECT": "proj-ci", "GCLOUD_PROJECT": "proj-ci", "GCP_PROJECT": "proj-ci", "CLOUDSDK_PROJECT": "proj-ci"},
			map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": `{"type": "service_account", "project_id": "proj-ci", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIBgcp\n-----END PRIVATE KEY-----\n", "client_email": "ci@proj-ci.iam.gserviceaccount.com"}`}},
		{"azure-container-instance-credentials/az", map[string]string{"AZURE_CLIENT_ID": "az-client-id", "AZURE_TENANT_ID": "az-tenant-id", "AZURE_CLIENT_SECRET": "az-secret-0001"}, nil},
		{"github-credentials/bot", map[string]string{"GH_TOKEN": "ghp_bottoken0001"}, nil},
		{"gitlab-credentials/gl", map[string]string{"GITLAB_TOKEN": "glpat-0001", "GITLAB_HOST": "https://gitlab.example.com"}, nil},
		{"docker-registry-credentials/hub", map[string]string{"DOCKER_USERNAME": "hub-user", "DOCKER_PASSWORD": "hp", "DOCKER_REGISTRY": "docker.io"}, nil},
		{"sqlalchemy-connector/db", map[string]string{"DATABASE_URL": "postgresql+psycopg2://app-user:p%40ss%2Fw0rd@db.internal:5432/app", "PGHOST": "db.internal", "PGPORT": "5432", "PGUSER": "app-user", "PGPASSWORD": "p@ss/w0rd", "PGDATABASE": "app"}, nil},
		{"snowflake-connector/wh", map[string]string{"SNOWFLAKE_ACCOUNT": "acc-1", "SNOWFLAKE_USER": "sf-user", "SNOWFLAKE_PASSWORD": "sf-pass-0001", "SNOWFLAKE_ROLE": "LOADER", "SNOWFLAKE_DATABASE": "DB", "SNOWFLAKE_WAREHOUSE": "WH", "SNOWFLAKE_SCHEMA": "PUBLIC"},
			map[string]string{"SNOWFLAKE_PRIVATE_KEY_FILE": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIsf\n-----END ENCRYPTED PRIVATE KEY-----\n"}},
		{"databricks-credentials/dbx", map[string]string{"DATABRICKS_HOST": "https://dbc-1.cloud.databricks.com", "DATABRICKS_TOKEN": "dapi0001"}, nil},
		{"slack-incoming-webhook/alerts", map[string]string{"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/xyz"}, nil},
		{"kubernetes-cluster-config/prod", nil, map[string]string{"KUBECONFIG": `{"apiVersion": "v1", "users": [{"name": "u", "user": {"token": "k8s-token-0001"}}], "current-context": "prod"}`}},
		{"my-config/app", map[string]string{"APP_ENDPOINT": "https://app.internal", "APP_RETRIES": "3", "APP_NESTED_KEY": "nested-value-01"}, nil},
		{"CI=aws-credentials/prod", map[string]string{"CI_AWS_ACCESS_KEY_ID": "AKIAPROD0001", "CI_REGION_NAME": "eu-west-1", "CI_AWS_CLIENT_PARAMETERS_VERIFY": "true"}, nil},
		{"DB_SECRET=db-password@file", nil, map[string]string{"DB_SECRET": "plain-secret-0001"}},
	}
	for _, tt := range tests {
		t.Run(tt.decl, func(t *testing.T) {
			t.Parallel()
			r := runAction(t, invocation{env: restEnv(s, tt.decl), runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			got := exported(r)
			for name, want := range tt.want {
				if v, ok := got[name]; !ok || v != want {
					t.Errorf("%s = %q (%v), want %q", name, v, ok, want)
				}
				if out, _ := lookup(r.outputs, name, true); out != want {
					t.Errorf("output %s = %q, want %q", name, out, want)
				}
			}
			for name, content := range tt.files {
				checkCredentialFile(t, r, got[name], content)
			}
			want := strings.TrimSuffix(tt.decl[strings.Index(tt.decl, "=")+1:], "@file")
			if found, _ := lookup(r.outputs, "secrets-found", true); found != want {
				t.Errorf("secrets-found = %q, want %q", found, want)
			}
		})
	}
}

// checkCredentialFile checks a file the action wrote: under RUNNER_TEMP in
// a folder of its own, mode 0600, with exactly the content.
func checkCredentialFile(t *testing.T, r result, path, content string) {
	t.Helper()
	temp := filepath.Join(r.dir, "runner_temp")
	if !strings.HasPrefix(path, temp+string(filepath.Separator)+"prefect-secrets-") {
		t.Fatalf("file %q is not in a folder of its own under RUNNER_TEMP", path)
	}
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Mode().IsRegular() || info.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want a regular file of mode 0600", path, info.Mode())
	}
	if dir, err := os.Stat(filepath.Dir(path)); err != nil || dir.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, %v", dir.Mode(), err)
	}
	if data, _ := os.ReadFile(path); string(data) != content {
		t.Errorf("%s holds %q, want %q", path, data, content)
	}
	if !strings.Contains(r.stateRaw, "prefect-secrets-files<<") || !strings.Contains(r.stateRaw, path) {
		t.Errorf("GITHUB_STATE does not list %s:\n%s", path, r.stateRaw)
	}
}

// TestPrefect1AndBlocksExportAlike holds each Prefect 1 default secret, set
// in the environment, against the block of the same kind.
func TestPrefect1AndBlocksExportAlike(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	pairs := []struct{ env, decl, block string }{
		{`PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS={"ACCESS_KEY": "AKIAPROD0001", "SECRET_ACCESS_KEY": "prod-secret-key-0001", "REGION": "eu-west-1"}`, "AWS_CREDENTIALS@aws", "aws-credentials/prod"},
		{`PREFECT__CONTEXT__SECRETS__GITHUB_ACCESS_TOKEN=ghp_bottoken0001`, "GITHUB_ACCESS_TOKEN@github", "github-credentials/bot"},
		{`PREFECT__CONTEXT__SECRETS__SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/xyz`, "SLACK_WEBHOOK_URL@slack", "slack-incoming-webhook/alerts"},
		{`PREFECT__CONTEXT__SECRETS__GCP_CREDENTIALS={"type": "service_account", "project_id": "proj-ci", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIBgcp\n-----END PRIVATE KEY-----\n", "client_email": "ci@proj-ci.iam.gserviceaccount.com"}`, "GCP_CREDENTIALS@gcp", "gcp-credentials/ci"},
	}
	for _, p := range pairs {
		t.Run(p.decl, func(t *testing.T) {
			t.Parallel()
			p1 := runAction(t, invocation{env: append(restEnv(s, p.decl), p.env), runner: true})
			block := runAction(t, invocation{env: restEnv(s, p.block), runner: true})
			if p1.code != ExitOK || block.code != ExitOK {
				t.Fatalf("exit %d and %d\n%s\n%s", p1.code, block.code, p1.stdout, block.stdout)
			}
			a, b := exported(p1), exported(block)
			for name := range b {
				va, vb := a[name], b[name]
				if strings.Contains(vb, "prefect-secrets-") { // a file: compare contents
					da, _ := os.ReadFile(va)
					db, _ := os.ReadFile(vb)
					va, vb = string(da), string(db)
				}
				if va != vb {
					t.Errorf("%s: Prefect 1 %q, block %q", name, va, vb)
				}
			}
			if len(a) != len(b) {
				t.Errorf("Prefect 1 exports %v, the block %v", keys(a), keys(b))
			}
		})
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestProfileErrors(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	for _, tt := range []struct{ decl, want string }{
		{"gcp-credentials/file-only", `gcp-credentials/file-only: profile gcp: field "service_account_file" is a path on the flow's host`},
		{"db-password@aws", `db-password: profile aws: needs an object, and the value is a string`},
	} {
		r := runAction(t, invocation{env: restEnv(s, tt.decl), runner: true, outputsBefore: earlierOutputs})
		if r.code != ExitFailed || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%s: exit %d\n%s", tt.decl, r.code, r.stdout)
		}
		if r.outputsRaw != earlierOutputs || r.envRaw != "" {
			t.Errorf("%s: files changed", tt.decl)
		}
		if entries, _ := os.ReadDir(filepath.Join(r.dir, "runner_temp")); len(entries) != 0 {
			t.Errorf("%s: credential files left behind", tt.decl)
		}
	}
	// Two profiles exporting one variable are refused before any request.
	r := runAction(t, invocation{env: restEnv(s, "aws-credentials/prod, minio-credentials/lake"), runner: true})
	if r.code != ExitUsage || !strings.Contains(r.stdout, `both export "AWS_ACCESS_KEY_ID"`) {
		t.Errorf("collision: exit %d\n%s", r.code, r.stdout)
	}
}

// TestCredentialMasks checks that every leaf is masked, short secret
// fields too, and derived values.
func TestCredentialMasks(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	r := runAction(t, invocation{env: restEnv(s, "docker-registry-credentials/hub, sqlalchemy-connector/db, kubernetes-cluster-config/prod"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	masks := map[string]bool{}
	for _, m := range runnertest.ParseMasks([]byte(r.stdout)) {
		masks[m.Value] = true
	}
	for _, want := range []string{
		"hp",        // a secret field shorter than mask-min-length
		"hub-user",  // a plain field
		"p@ss/w0rd", // a component
		"postgresql+psycopg2://app-user:p%40ss%2Fw0rd@db.internal:5432/app", // derived
		"k8s-token-0001", // a token inside a plain kubeconfig dict
	} {
		if !masks[want] {
			t.Errorf("%q is not masked", want)
		}
	}
}

func TestCredentialFilesAreSafe(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	for _, tc := range []struct{ name, paths, want string }{
		{"host path from runner-paths", `{"temp":"/home/runner/work/_temp","job-container":null}`, "/home/runner/work/_temp/"},
		{"host path, no job container", `{"temp":"/home/runner/work/_temp","job-container":""}`, "/home/runner/work/_temp/"},
		{"job container", `{"temp":"/home/runner/work/_temp","job-container":"4f2a"}`, "/__w/_temp/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runAction(t, invocation{env: append(restEnv(s, "kubernetes-cluster-config/prod"), "INPUT_RUNNER-PATHS="+tc.paths), runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			got := exported(r)["KUBECONFIG"]
			if !strings.HasPrefix(got, tc.want+"prefect-secrets-") {
				t.Errorf("KUBECONFIG = %q, want it under %s", got, tc.want)
			}
			local := filepath.Join(r.dir, "runner_temp", strings.TrimPrefix(got, tc.want))
			if _, err := os.Stat(local); err != nil {
				t.Errorf("the file is not under RUNNER_TEMP: %v", err)
			}
		})
	}
	t.Run("symlink in the way", func(t *testing.T) {
		t.Parallel()
		// The folder's name comes from the run's random source: plant a
		// symlink where the first run's folder will be.
		probe := runAction(t, invocation{env: restEnv(s, "kubernetes-cluster-config/prod"), runner: true})
		name := filepath.Base(filepath.Dir(exported(probe)["KUBECONFIG"]))
		dir := t.TempDir()
		target := filepath.Join(dir, "elsewhere")
		if err := os.Mkdir(target, 0o755); err != nil {
			t.Fatal(err)
		}
		env := append(restEnv(s, "kubernetes-cluster-config/prod"), "RUNNER_TEMP="+dir)
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		r := runAction(t, invocation{env: env, runner: true, outputsBefore: earlierOutputs})
		if r.code != ExitFailed || !strings.Contains(r.stdout, "cannot create the folder for credential files") {
			t.Fatalf("exit %d\n%s", r.code, r.stdout)
		}
		if entries, _ := os.ReadDir(target); len(entries) != 0 || r.outputsRaw != earlierOutputs {
			t.Errorf("something was written through the symlink or to the outputs")
		}
	})
	t.Run("never half written", func(t *testing.T) {
		t.Parallel()
		// The outputs file cannot be opened (its folder does not exist):
		// the credential files already made must go too.
		env := append(restEnv(s, "gcp-credentials/ci"), "GITHUB_OUTPUT=$DIR/missing-folder/output")
		r := runAction(t, invocation{env: env, runner: true})
		if r.code != ExitFailed {
			t.Fatalf("exit %d\n%s", r.code, r.stdout)
		}
		if entries, _ := os.ReadDir(filepath.Join(r.dir, "runner_temp")); len(entries) != 0 {
			t.Errorf("credential files left behind: %v", entries)
		}
		if r.envRaw != "" || r.stateRaw != "" {
			t.Errorf("GITHUB_ENV written, or GITHUB_STATE names files: %q", r.stateRaw)
		}
	})
}

func TestPostStepRemovesFiles(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	r := runAction(t, invocation{env: append(restEnv(s, "gcp-credentials/ci, snowflake-connector/wh"), "INPUT_ENV-FILE=ci.env"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	state, err := runnertest.ParseFileCommands([]byte(r.stateRaw))
	if err != nil || len(state) != 1 {
		t.Fatalf("state %q, %v", r.stateRaw, err)
	}
	files, err := secretfile.Decode(state[0].Value)
	if err != nil || len(files) != 3 {
		t.Fatalf("files %v, %v", files, err)
	}
	// One file replaced by another at the same path: left alone.
	replaced := files[1].Path
	if err := os.Remove(replaced); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(replaced, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	post := runMain(t, []string{"STATE_" + state[0].Name + "=" + state[0].Value})
	if post.code != ExitOK {
		t.Fatalf("post exit %d", post.code)
	}
	for i, f := range files {
		_, err := os.Lstat(f.Path)
		if i == 1 {
			if err != nil {
				t.Errorf("the replaced file was removed")
			}
			continue
		}
		if err == nil {
			t.Errorf("%s was not removed", f.Path)
		}
	}
	if !strings.Contains(post.stdout, "::warning::credential file "+replaced+": no longer the file that was written") {
		t.Errorf("the replaced file is not reported:\n%s", post.stdout)
	}
	// keep-files keeps them.
	kept := runAction(t, invocation{env: restEnv(s, "kubernetes-cluster-config/prod"), runner: true})
	st, _ := runnertest.ParseFileCommands([]byte(kept.stateRaw))
	post = runMain(t, []string{"STATE_" + st[0].Name + "=" + st[0].Value, "INPUT_KEEP-FILES= True "})
	if _, err := os.Stat(exported(kept)["KUBECONFIG"]); err != nil || post.code != ExitOK {
		t.Errorf("keep-files: %v, exit %d", err, post.code)
	}
}

// TestPostStepFileIdentity: a file rewritten in place with its size and
// mtime put back is no longer the file written (its ctime moved), and
// the post step leaves it.
func TestPostStepFileIdentity(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	r := runAction(t, invocation{env: restEnv(s, "kubernetes-cluster-config/prod"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	state, err := runnertest.ParseFileCommands([]byte(r.stateRaw))
	if err != nil || len(state) != 1 {
		t.Fatalf("state %q, %v", r.stateRaw, err)
	}
	path := exported(r)["KUBECONFIG"]
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	forged := []byte(strings.Repeat("x", len(data)))
	time.Sleep(10 * time.Millisecond) // a coarse clock must see the ctime move
	if err := os.WriteFile(path, forged, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	post := runMain(t, []string{"STATE_" + state[0].Name + "=" + state[0].Value})
	if got, _ := os.ReadFile(path); string(got) != string(forged) {
		t.Errorf("the rewritten file was removed or changed\n%s", post.stdout)
	}
	if !strings.Contains(post.stdout, "no longer the file that was written") {
		t.Errorf("not reported:\n%s", post.stdout)
	}
}

// runMain runs the binary's entry point as the post step gets it: the
// main step's inputs and its saved state.
func runMain(t *testing.T, env []string) result {
	t.Helper()
	var stdout, stderr strings.Builder
	env = append(env, "INPUT_SECRETS=would-be-resolved-by-a-main-step")
	code := Main(t.Context(), World{Program: "/ko-app/" + PostProgram, Environ: osenv.New(env), Stdout: &stdout, Stderr: &stderr, Now: time.Now})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestEnvFile(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	env := append(restEnv(s, "aws-credentials/prod, DB=db-password"), "INPUT_ENV-FILE=deploy/ci.env", "INPUT_VARIABLES=deploy_env")
	r := runWithDirs(t, invocation{env: env, runner: true}, "workspace/deploy")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	path := filepath.Join(r.dir, "workspace", "deploy", "ci.env")
	info, err := os.Lstat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("env-file: %v, %v", info, err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	parsed, err := godotenv.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range exported(r) {
		if parsed[name] != want {
			t.Errorf("env-file %s = %q, want %q", name, parsed[name], want)
		}
	}
	if parsed["DB"] != "plain-secret-0001" || parsed["DEPLOY_ENV"] != "staging" || len(parsed) != len(exported(r)) {
		t.Errorf("env-file holds %v", keys(parsed))
	}
	// An existing file is never replaced.
	r = runWithDirs(t, invocation{env: append(env[:len(env):len(env)], "INPUT_ENV-FILE=taken.env"), runner: true, outputsBefore: earlierOutputs}, "workspace/taken.env")
	if r.code != ExitFailed || r.outputsRaw != earlierOutputs {
		t.Errorf("an existing env-file: exit %d", r.code)
	}
	for _, bad := range []string{"/abs.env", "../out.env", "a/../../b.env"} {
		if r := runAction(t, invocation{env: append(restEnv(s, "db-password"), "INPUT_ENV-FILE="+bad), runner: true}); r.code != ExitUsage {
			t.Errorf("env-file %q: exit %d", bad, r.code)
		}
	}
}

// runWithDirs runs the action after making a folder (or, for a name with a
// dot, a file) under the run's directory; the harness names that directory
// $DIR only once it exists, so the path is created through a file entry.
func runWithDirs(t *testing.T, inv invocation, make string) result {
	t.Helper()
	if inv.files == nil {
		inv.files = map[string]string{}
	}
	inv.prepare = func(dir string) {
		p := filepath.Join(dir, make)
		if strings.Contains(filepath.Base(make), ".") {
			_ = os.MkdirAll(filepath.Dir(p), 0o755)
			_ = os.WriteFile(p, []byte("EXISTING=1\n"), 0o600)
			return
		}
		_ = os.MkdirAll(p, 0o755)
	}
	return runAction(t, inv)
}

func TestVariables(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	env := append(restEnv(s, "db-password"), "INPUT_VARIABLES=deploy_env\nREPLICAS=replicas\nfeature*\nnope?")
	r := runAction(t, invocation{env: env, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	got := exported(r)
	for name, want := range map[string]string{"DEPLOY_ENV": "staging", "REPLICAS": "3", "FEATURE_FLAGS": `{"beta": true}`, "DB_PASSWORD": "plain-secret-0001"} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	for _, m := range runnertest.ParseMasks([]byte(r.stdout)) {
		if m.Value == "staging" {
			t.Errorf("a variable was masked")
		}
	}
	if found, _ := lookup(r.outputs, "secrets-found", true); found != "db-password" {
		t.Errorf("secrets-found = %q", found)
	}
	if !strings.Contains(r.summary, "| `deploy_env` | `DEPLOY_ENV` | `variable` | found | 27 hours ago |") {
		t.Errorf("summary:\n%s", r.summary)
	}
	// Export names are shared with secrets.
	r = runAction(t, invocation{env: append(restEnv(s, "DEPLOY_ENV=db-password"), "INPUT_VARIABLES=deploy_env"), runner: true})
	if r.code != ExitUsage {
		t.Errorf("a shared export name: exit %d", r.code)
	}
	// Only variables: secrets may be empty.
	r = runAction(t, invocation{env: []string{"INPUT_BACKEND=rest", "INPUT_API-URL=" + s.URL(), "INPUT_API-KEY=" + testKey, "INPUT_VARIABLES=replicas"}, runner: true})
	if r.code != ExitOK || exported(r)["REPLICAS"] != "3" {
		t.Errorf("variables alone: exit %d\n%s", r.code, r.stdout)
	}
}

func TestCheckOnlyBlocks(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	r := runAction(t, invocation{env: append(restEnv(s, "aws-credentials/prod, gcp-credentials/absent?, my-config/*"), "INPUT_CHECK-ONLY=true"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if found, _ := lookup(r.outputs, "secrets-found", true); found != "aws-credentials/prod,my-config/app" {
		t.Errorf("secrets-found = %q", found)
	}
	if missing, _ := lookup(r.outputs, "secrets-missing", true); missing != "gcp-credentials/absent" {
		t.Errorf("secrets-missing = %q", missing)
	}
	for _, b := range s.Bodies() {
		if strings.Contains(b, `"include_secrets":true`) {
			t.Errorf("check-only asked for values: %s", b)
		}
	}
	if r.envRaw != "" || strings.Contains(r.stateRaw, "prefect-secrets-") && !strings.Contains(r.stateRaw, "\n[]\n") {
		t.Errorf("check-only wrote variables or files")
	}
}

// TestMixedReadsRequestCount is the budget of a typical job: 50 secrets,
// 10 credential blocks of 5 types and 20 variables in at most 3 requests.
func TestMixedReadsRequestCount(t *testing.T) {
	t.Parallel()
	s, decl, vars := mixedServer(t)
	r := runAction(t, invocation{env: append(restEnv(s, decl), "INPUT_VARIABLES="+vars), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if n := s.Requests(); n > 3 {
		t.Errorf("%d requests, want at most 3", n)
	}
	if got := len(r.exported); got != 50+10+20 {
		t.Errorf("%d variables exported", got)
	}
}

// mixedServer holds 50 Secret blocks, 10 blocks of 5 types (flattened
// under aliases) and 20 Variables, and the declarations that read them.
func mixedServer(t testing.TB) (*prefecttest.REST, string, string) {
	blocks := map[string]string{}
	var decl, vars []string
	for i := 0; i < 50; i++ {
		blocks[fmt.Sprintf("s-%02d", i)] = fmt.Sprintf(`"secret-value-%02d"`, i)
		decl = append(decl, fmt.Sprintf("s-%02d", i))
	}
	s, err := prefecttest.NewREST(blocks, prefecttest.SharedOpenAPIPath())
	if err != nil {
		t.Fatal(err)
	}
	s.APIKey = testKey
	t.Cleanup(s.Close)
	for i := 0; i < 10; i++ {
		slug := []string{"t-one", "t-two", "t-three", "t-four", "t-five"}[i%5]
		name := fmt.Sprintf("b-%02d", i)
		s.AddBlock(prefecttest.Block{Slug: slug, Name: name, Data: json.RawMessage(fmt.Sprintf(`{"key": "block-value-%02d"}`, i))})
		decl = append(decl, fmt.Sprintf("B%02d=%s/%s", i, slug, name))
	}
	for i := 0; i < 20; i++ {
		s.AddVariable(fmt.Sprintf("v_%02d", i), fmt.Sprintf(`"var-%02d"`, i))
		vars = append(vars, fmt.Sprintf("v_%02d", i))
	}
	return s, strings.Join(decl, "\n"), strings.Join(vars, "\n")
}

// TestGoldenCredentials keeps what the runner sees of a run with blocks,
// profiles, a file, a block wildcard and Variables: masks, the log, the
// files commands and the job summary with each document's age.
func TestGoldenCredentials(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	decl := "aws-credentials/prod\nkubernetes-cluster-config/prod\nAPPCFG=my-config/app\nmy-config/*\ngithub-credentials/absent?\nDB=db-password"
	r := runAction(t, invocation{env: append(restEnv(s, decl), "INPUT_VARIABLES=deploy_env, feature*"), runner: true})
	host := strings.TrimPrefix(s.Server.URL, "http://")
	clean := func(text string) string {
		return strings.ReplaceAll(strings.ReplaceAll(text, r.dir, "$DIR"), host, "$HOST")
	}
	var b strings.Builder
	b.WriteString("==== exit\n" + string(rune('0'+r.code)) + "\n")
	for _, part := range []struct{ title, body string }{
		{"stdout", r.stdout}, {"GITHUB_OUTPUT", r.outputsRaw}, {"GITHUB_ENV", r.envRaw},
		{"GITHUB_STATE", r.stateRaw}, {"GITHUB_STEP_SUMMARY", r.summary},
	} {
		if part.body != "" {
			b.WriteString("==== " + part.title + "\n" + clean(part.body))
		}
	}
	// The state records inode numbers and times, which differ per run.
	got := inodes.ReplaceAllString(b.String(), `"dev":0,"ino":0,"size":$1,"mtime":0,"ctime":0`)
	compareGolden(t, "runner-credentials", got)
}

var inodes = regexp.MustCompile(`"dev":\d+,"ino":\d+,"size":(\d+),"mtime":\d+,"ctime":\d+`)

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestBlocksWithoutTheFilterRoute reads blocks by type and name, one GET
// each, where the server lacks the filter route.
func TestBlocksWithoutTheFilterRoute(t *testing.T) {
	t.Parallel()
	s := credentialServer(t)
	s.NoFilterRoute = true
	r := runAction(t, invocation{env: restEnv(s, "github-credentials/bot, docker-registry-credentials/hub, db-password, slack-incoming-webhook/absent?"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	got := exported(r)
	if got["GH_TOKEN"] != "ghp_bottoken0001" || got["DOCKER_USERNAME"] != "hub-user" || got["DB_PASSWORD"] != "plain-secret-0001" {
		t.Errorf("exported %v", keys(got))
	}
	var paths []string
	for _, l := range s.Log() {
		if strings.HasPrefix(l, "GET ") {
			paths = append(paths, strings.TrimPrefix(l, "GET "))
		}
	}
	sort.Strings(paths)
	want := []string{
		"/api/block_types/slug/docker-registry-credentials/block_documents/name/hub?include_secrets=true",
		"/api/block_types/slug/github-credentials/block_documents/name/bot?include_secrets=true",
		"/api/block_types/slug/secret/block_documents/name/db-password?include_secrets=true",
		"/api/block_types/slug/slack-incoming-webhook/block_documents/name/absent?include_secrets=true",
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("GETs:\n%s", strings.Join(paths, "\n"))
	}
}
