package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
)

// TestActionYAMLMatchesInputs keeps action.yml and the inputs the code
// reads in agreement: names, defaults, descriptions and outputs.
func TestActionYAMLMatchesInputs(t *testing.T) {
	t.Parallel()
	checkActionYAML(t, filepath.Join("..", "..", "action.yml"), Inputs, Outputs, "Dockerfile", nil)
}

// TestWriteActionYAMLMatchesInputs does the same for the write action,
// which runs the read action's image as `prefect-secrets write`.
func TestWriteActionYAMLMatchesInputs(t *testing.T) {
	t.Parallel()
	checkActionYAML(t, filepath.Join("..", "..", "write", "action.yml"), WriteInputs, WriteOutputs, "../Dockerfile", []string{"write"})
}

func checkActionYAML(t *testing.T, path string, inputs []Input, outputs []struct{ Name, Description string }, image string, args []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Inputs map[string]struct {
			Description string  `yaml:"description"`
			Default     *string `yaml:"default"`
			Required    bool    `yaml:"required"`
		} `yaml:"inputs"`
		Outputs map[string]struct {
			Description string `yaml:"description"`
		} `yaml:"outputs"`
		Runs struct {
			Using string   `yaml:"using"`
			Image string   `yaml:"image"`
			Args  []string `yaml:"args"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	code := map[string]Input{}
	for _, in := range inputs {
		code[in.Name] = in
		y, ok := doc.Inputs[in.Name]
		if !ok {
			t.Errorf("input %q is read by the code but not declared in action.yml", in.Name)
			continue
		}
		if y.Default == nil || *y.Default != in.Default {
			t.Errorf("input %q: action.yml default %v, code default %q", in.Name, y.Default, in.Default)
		}
		if y.Description != in.Description {
			t.Errorf("input %q: descriptions differ", in.Name)
		}
	}
	for name := range doc.Inputs {
		if _, ok := code[name]; !ok {
			t.Errorf("input %q is declared in action.yml but the code never reads it", name)
		}
	}
	if len(doc.Outputs) != len(outputs) {
		t.Errorf("action.yml declares %d outputs, the code writes %d reserved ones", len(doc.Outputs), len(outputs))
	}
	for _, o := range outputs {
		y, ok := doc.Outputs[o.Name]
		if !ok {
			t.Errorf("output %q missing from action.yml", o.Name)
		} else if y.Description != o.Description {
			t.Errorf("output %q: descriptions differ", o.Name)
		}
	}
	if doc.Runs.Using != "docker" || doc.Runs.Image != image || !slices.Equal(doc.Runs.Args, args) {
		t.Errorf("runs: %+v", doc.Runs)
	}
}

func TestParseDeclarations(t *testing.T) {
	t.Parallel()
	text := `
DB_PASSWORD                 # a secret name
DEPLOY_KEY=github-deploy    # ALIAS=NAME
SLACK_WEBHOOK?              # optional
AWS_*                       # wildcard
"name, with comma"          # quoted
a#b, "x\ny"?, P="with \"quote\""
# a comment line, with a comma
  "pre fix"*?
`
	got, problems := ParseDeclarations(text)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []Declaration{
		{Name: "DB_PASSWORD", Export: "DB_PASSWORD", Declared: "DB_PASSWORD"},
		{Name: "github-deploy", Export: "DEPLOY_KEY", Declared: "github-deploy", Aliased: true},
		{Name: "SLACK_WEBHOOK", Export: "SLACK_WEBHOOK", Optional: true, Declared: "SLACK_WEBHOOK"},
		{Name: "AWS_", Wildcard: true, Declared: "AWS_*"},
		{Name: "name, with comma", Export: "NAME__WITH_COMMA", Declared: `"name, with comma"`},
		{Name: "a#b", Export: "A_B", Declared: "a#b"},
		{Name: "x\ny", Export: "X_Y", Optional: true, Declared: `"x\ny"`},
		{Name: `with "quote"`, Export: "P", Declared: `"with \"quote\""`, Aliased: true},
		{Name: "pre fix", Wildcard: true, Optional: true, Declared: `"pre fix"*`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d declarations, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("declaration %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseBlockDeclarations(t *testing.T) {
	t.Parallel()
	got, problems := ParseDeclarations("aws-credentials/prod\nCREDS=gcp-credentials/ci?\nsecret/db-password\nKUBECONFIG=KUBE_CONFIG@file\nSLACK_HOOK@slack\nmy-type/app-*\n\"odd name\"@github")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []Declaration{
		{Name: "prod", Export: "PROD", Declared: "aws-credentials/prod", Slug: "aws-credentials"},
		{Name: "ci", Export: "CREDS", Declared: "gcp-credentials/ci", Slug: "gcp-credentials", Aliased: true, Optional: true},
		{Name: "db-password", Export: "DB_PASSWORD", Declared: "db-password", Slug: "secret"},
		{Name: "KUBE_CONFIG", Export: "KUBECONFIG", Declared: "KUBE_CONFIG", Aliased: true, Profile: "file"},
		{Name: "SLACK_HOOK", Export: "SLACK_HOOK", Declared: "SLACK_HOOK", Profile: "slack"},
		{Name: "app-", Declared: "my-type/app-*", Slug: "my-type", Wildcard: true},
		{Name: "odd name", Export: "ODD_NAME", Declared: `"odd name"`, Profile: "github"},
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("declaration %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"x@nope", "aws-credentials/a\naws-credentials/b", "A@aws\nB@aws", "github-credentials/x\nGH_TOKEN"} {
		if _, problems := ParseDeclarations(bad); len(problems) == 0 {
			t.Errorf("%q accepted", bad)
		}
	}
	// Two blocks of one known type collide unless aliased.
	if _, problems := ParseDeclarations("aws-credentials/a\nB=aws-credentials/b"); len(problems) != 0 {
		t.Errorf("aliased: %v", problems)
	}
}

func TestExportName(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"db-password": "DB_PASSWORD", "9lives": "_9LIVES", "ÜNÏ": "_N_", "a.b c": "A_B_C",
		"\xff": "_", "already_OK": "ALREADY_OK", "": "",
	}
	for in, want := range tests {
		if got := ExportName(in); got != want {
			t.Errorf("ExportName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseEnvironmentFallbacks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	userCfg := filepath.Join(dir, "user.toml")
	if err := os.WriteFile(userCfg, []byte("[context.secrets]\nA = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := osenv.FromPairs(
		"HOME", dir, "CFGDIR", dir,
		"INPUT_SECRETS", "A", "INPUT_TIMEOUT", "2m", "INPUT_RETRIES", "5",
		"PREFECT__USER_CONFIG_PATH", "$CFGDIR/user.toml",
		"GITHUB_OUTPUT", filepath.Join(dir, "out"), "GITHUB_ENV", filepath.Join(dir, "env"), "RUNNER_DEBUG", "1",
	)
	cfg, err := Parse(Sources{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timeout.String() != "2m0s" || cfg.Retries != 5 || !cfg.Runner.Active || !cfg.Runner.Debug {
		t.Errorf("cfg = %+v", cfg)
	}
	if cfg.Files[0] == nil {
		t.Error("PREFECT__USER_CONFIG_PATH with $VAR was not read")
	}
	if cfg.Backend.Kind != BackendLocal || cfg.OnMissing != Fail || cfg.OnEmpty != Warn || !cfg.ExportEnv {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func FuzzParseDeclarations(f *testing.F) {
	for _, s := range []string{"A, B=c, D?, E_*", `"a,b"?, X="\u00e9"`, "# c\nA #c", `"unterminated`, "=x", "A=", "?*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		decls, problems := ParseDeclarations(text)
		for _, p := range problems {
			if strings.Contains(p, "\n") {
				t.Fatalf("problem spans lines: %q", p)
			}
		}
		if len(problems) > 0 {
			return
		}
		seen := map[string]bool{}
		for _, d := range decls {
			if d.Wildcard {
				continue
			}
			if !validExport.MatchString(d.Export) || RefusedExport(d.Export) != "" {
				t.Fatalf("accepted export name %q", d.Export)
			}
			u := strings.ToUpper(d.Export)
			if seen[u] {
				t.Fatalf("accepted colliding export %q", d.Export)
			}
			seen[u] = true
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add("A, B?", "auto", "60s", "3", "prefect", "fail", "https://api.prefect.cloud/api")
	f.Add("X=y", "rest", "1m", "0", "raw", "warn", "")
	f.Add("", "graphql", "-1s", "x", "json", "maybe", "ftp://host")
	f.Fuzz(func(t *testing.T, secrets, backend, timeout, retries, format, onMissing, apiURL string) {
		env := osenv.FromPairs(
			"INPUT_SECRETS", secrets, "INPUT_BACKEND", backend, "INPUT_TIMEOUT", timeout,
			"INPUT_RETRIES", retries, "INPUT_VALUE-FORMAT", format, "INPUT_ON-MISSING", onMissing,
			"INPUT_API-URL", apiURL, "HOME", "/nonexistent",
		)
		cfg, err := Parse(Sources{Env: env})
		if err != nil {
			ue, ok := err.(*UsageError)
			if !ok || len(ue.Problems) == 0 {
				t.Fatalf("error %T %v", err, err)
			}
			for _, p := range ue.Problems {
				if strings.ContainsAny(p, "\r\n") || !strings.HasPrefix(p, "input \"") {
					t.Fatalf("problem is not one line naming an input: %q", p)
				}
			}
			return
		}
		if cfg.Timeout <= 0 || cfg.Retries < 0 || len(cfg.Secrets) == 0 {
			t.Fatalf("accepted an invalid configuration: %+v", cfg)
		}
	})
}

// TestRunnerPaths reads the input the runner fills in: the host path as
// is on the host, the job container's view in a container job, nothing
// outside a runner, and a clear problem for anything else.
func TestRunnerPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value, want, problem string
	}{
		{"", "", ""},
		{`{"temp":"/home/runner/work/_temp","job-container":null}`, "/home/runner/work/_temp", ""},
		{`{"temp":"/home/runner/work/_temp","job-container":""}`, "/home/runner/work/_temp", ""},
		{`{"temp":"/opt/runner/_work/_temp/","job-container":"abc"}`, "/__w/_temp", ""},
		{`{"temp":null,"job-container":null}`, "", ""},
		{`{"temp":"relative/_temp","job-container":null}`, "", `input "runner-paths": the temporary folder "relative/_temp" is not an absolute path`},
		{`{"temp":"/a/../b"}`, "", "not an absolute path"},
		{`{"temp":"/t","other":1}`, "", `input "runner-paths": not the JSON the runner fills in`},
		{`/home/runner/work/_temp`, "", `input "runner-paths": not the JSON the runner fills in`},
		{`{"temp":"/t"} {}`, "", "not the JSON"},
	}
	for _, tt := range tests {
		env := osenv.New([]string{"PREFECT__CONTEXT__SECRETS__A=x", "INPUT_SECRETS=A", "INPUT_RUNNER-PATHS=" + tt.value})
		cfg, err := Parse(Sources{Env: env})
		if tt.problem != "" {
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("%q: error %v, want %q", tt.value, err, tt.problem)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.value, err)
			continue
		}
		if cfg.HostTemp != tt.want {
			t.Errorf("%q: HostTemp %q, want %q", tt.value, cfg.HostTemp, tt.want)
		}
	}
	// Outside a runner the input has no default: the template is never read.
	var help strings.Builder
	Usage(&help, ModeAction)
	if strings.Contains(help.String(), "runner-paths") {
		t.Errorf("the help lists runner-paths")
	}
}

// TestProgramReadsRule applies the rule to 200 common environment variable
// names: every name the attack used and every runtime, loader, shell and
// package manager setting is refused from a wildcard; the credentials CI
// jobs are given pass.
func TestProgramReadsRule(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "common-env-names.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var refused, passed []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if DangerousExport(line) != "" {
			refused = append(refused, line)
		} else {
			passed = append(passed, line)
		}
	}
	if n := len(refused) + len(passed); n != 200 {
		t.Fatalf("%d names, want 200", n)
	}
	t.Logf("refused %d of 200: %s", len(refused), strings.Join(refused, " "))
	t.Logf("passed %d: %s", len(passed), strings.Join(passed, " "))
	for _, name := range []string{"SHELLOPTS", "PS4", "JAVA_TOOL_OPTIONS", "PYTHONPATH", "PYTHONSTARTUP", "PERL5OPT", "RUBYOPT",
		"NODE_OPTIONS", "GOFLAGS", "GIT_SSH_COMMAND", "GIT_ASKPASS", "HTTPS_PROXY", "no_proxy", "PIP_INDEX_URL", "GLIBC_TUNABLES",
		"LD_PRELOAD", "LD_LIBRARY_PATH", "BASH_ENV", "ENV", "PATH", "HOME", "GITHUB_TOKEN", "RUNNER_TEMP", "KUBECONFIG", "DOCKER_HOST"} {
		if DangerousExport(name) == "" {
			t.Errorf("%s passes", name)
		}
	}
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "DATABASE_URL",
		"GH_TOKEN", "NPM_TOKEN", "SLACK_WEBHOOK_URL", "MAILGUN_API_KEY", "API_KEY", "PGPASSWORD", "DOCKER_PASSWORD", "VAULT_TOKEN",
		"PREFECT_API_KEY", "DATABRICKS_TOKEN", "SENTRY_DSN"} {
		if why := DangerousExport(name); why != "" {
			t.Errorf("%s is refused: %s", name, why)
		}
	}
}
