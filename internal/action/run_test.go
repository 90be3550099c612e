package action

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joho/godotenv"

	"github.com/prefect-secrets/prefect-secrets-action/internal/runnertest"
)

const (
	earlierOutputs = "EARLIER=1\nEARLIER_ML<<ghadelimiter_0\nkept\nghadelimiter_0\n"
	earlierEnv     = "EARLIER_ENV=yes\n"
	earlierSummary = "## earlier step\n"
)

func TestBadInputs(t *testing.T) {
	t.Parallel()
	secret := "PREFECT__CONTEXT__SECRETS__DB=s3cr3t-value"
	tests := []struct {
		name  string
		env   []string
		files map[string]string
		input string // the input the error must name
	}{
		{"unknown backend", []string{"INPUT_BACKEND=nope"}, nil, "backend"},
		{"unknown value format", []string{"INPUT_VALUE-FORMAT=json"}, nil, "value-format"},
		{"unknown on-missing", []string{"INPUT_ON-MISSING=maybe"}, nil, "on-missing"},
		{"unknown on-empty", []string{"INPUT_ON-EMPTY=sometimes"}, nil, "on-empty"},
		{"bad duration", []string{"INPUT_TIMEOUT=5x"}, nil, "timeout"},
		{"negative duration", []string{"INPUT_TIMEOUT=-1s"}, nil, "timeout"},
		{"zero duration", []string{"INPUT_TIMEOUT=0s"}, nil, "timeout"},
		{"negative retries", []string{"INPUT_RETRIES=-1"}, nil, "retries"},
		{"word retries", []string{"INPUT_RETRIES=many"}, nil, "retries"},
		{"negative mask length", []string{"INPUT_MASK-MIN-LENGTH=-3"}, nil, "mask-min-length"},
		{"bool yes", []string{"INPUT_EXPORT-ENV=yes"}, nil, "export-env"},
		{"bool 1", []string{"INPUT_CHECK-ONLY=1"}, nil, "check-only"},
		{"bool on", []string{"INPUT_SUMMARY=on"}, nil, "summary"},
		{"bool maybe", []string{"INPUT_PARSE-JSON=maybe"}, nil, "parse-json"},
		{"broken local TOML", []string{"INPUT_LOCAL-SECRETS=[context.secrets]\nA = "}, nil, "local-secrets"},
		{"TOML duplicate key", []string{"INPUT_LOCAL-SECRETS=[context.secrets]\nA = 1\nA = 2"}, nil, "local-secrets"},
		{"missing config file", []string{"INPUT_CONFIG-FILE=$DIR/nope.toml"}, nil, "config-file"},
		{"config file is a directory", []string{"INPUT_CONFIG-FILE=$DIR"}, nil, "config-file"},
		{"broken config file", []string{"INPUT_CONFIG-FILE=$DIR/bad.toml"}, map[string]string{"bad.toml": "[context.secrets\n"}, "config-file"},
		{"broken PREFECT__USER_CONFIG_PATH", []string{"PREFECT__USER_CONFIG_PATH=$DIR/bad.toml"}, map[string]string{"bad.toml": "x = = 1\n"}, "config-file"},
		{"empty secrets", []string{"INPUT_SECRETS="}, nil, "secrets"},
		{"comments only", []string{"INPUT_SECRETS=# nothing\n  # here"}, nil, "secrets"},
		{"invalid alias", []string{"INPUT_SECRETS=1BAD=DB"}, nil, "secrets"},
		{"alias with dash", []string{"INPUT_SECRETS=MY-ALIAS=DB"}, nil, "secrets"},
		{"refused GITHUB_ name", []string{"INPUT_SECRETS=GITHUB_TOKEN"}, nil, "secrets"},
		{"refused NODE_OPTIONS", []string{"INPUT_SECRETS=node_options"}, nil, "secrets"},
		{"refused HOME alias", []string{"INPUT_SECRETS=HOME=DB"}, nil, "secrets"},
		{"refused RUNNER_ alias", []string{"INPUT_SECRETS=RUNNER_X=DB"}, nil, "secrets"},
		{"alias collision", []string{"INPUT_SECRETS=Token=DB, TOKEN=OTHER"}, nil, "secrets"},
		{"derived collision", []string{"INPUT_SECRETS=db-pass\nDB_PASS"}, nil, "secrets"},
		{"unclosed quote", []string{`INPUT_SECRETS="db`}, nil, "secrets"},
		{"bad JSON escape", []string{`INPUT_SECRETS="a\q"`}, nil, "secrets"},
		{"text after quoted name", []string{`INPUT_SECRETS="a" b`}, nil, "secrets"},
		{"wildcard with alias", []string{"INPUT_SECRETS=X=AWS_*"}, nil, "secrets"},
		{"unquoted space", []string{"INPUT_SECRETS=my secret"}, nil, "secrets"},
		{"no usable export name", []string{`INPUT_SECRETS=""`}, nil, "secrets"},
		{"garbage certificate", []string{"INPUT_CA-CERTIFICATE=-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"}, nil, "ca-certificate"},
		{"unreadable certificate file", []string{"INPUT_CA-CERTIFICATE=$DIR/none.pem"}, nil, "ca-certificate"},
		{"api-url with local backend", []string{"INPUT_BACKEND=local", "INPUT_API-URL=https://api.prefect.cloud/api"}, nil, "api-url"},
	}
	if len(tests) < 25 {
		t.Fatalf("only %d bad-input cases", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"HOME=/github/home", secret, "INPUT_SECRETS=DB"}
			env = append(tt.env, env...) // the case's INPUT_ wins: first of duplicates
			r := runAction(t, invocation{
				env: env, files: tt.files, runner: true,
				outputsBefore: earlierOutputs, envBefore: earlierEnv, summaryBefore: earlierSummary,
			})
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s", r.code, ExitUsage, r.stdout)
			}
			want := `::error::input "` + tt.input + `"`
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout does not name the input (%s):\n%s", want, r.stdout)
			}
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				if !strings.HasPrefix(line, "::error::") {
					t.Errorf("unexpected line %q", line)
				}
			}
			if r.outputsRaw != earlierOutputs || r.envRaw != earlierEnv || r.summary != earlierSummary {
				t.Errorf("files changed:\noutputs %q\nenv %q\nsummary %q", r.outputsRaw, r.envRaw, r.summary)
			}
			checkNoLeak(t, r, nil, "s3cr3t-value")
		})
	}
}

func TestAllProblemsReportedTogether(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{
		"INPUT_SECRETS=GITHUB_X", "INPUT_TIMEOUT=x", "INPUT_RETRIES=y", "INPUT_BACKEND=z",
	}, runner: true})
	if r.code != ExitUsage {
		t.Fatalf("exit %d", r.code)
	}
	for _, in := range []string{"secrets", "timeout", "retries", "backend"} {
		if !strings.Contains(r.stdout, `::error::input "`+in+`"`) {
			t.Errorf("problem with %s not reported:\n%s", in, r.stdout)
		}
	}
}

func TestCommandLineUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--secrets", "A", "--no-such-flag"}, "command line"},
		{[]string{"--secrets", "A", "extra"}, "command line"},
		{[]string{"--secrets", "A", "--format", "yaml"}, `input "format"`},
		{[]string{"--secrets", "A", "--timeout", "soon"}, `input "timeout"`},
	}
	for _, tt := range tests {
		r := runAction(t, invocation{env: []string{"PATH=/bin"}, args: tt.args})
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %s", tt.args, r.code, r.stderr, r.stdout, tt.want)
		}
	}
}

func TestMissingRequiredSecretFails(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{
		env:           []string{"PREFECT__CONTEXT__SECRETS__PRESENT=v4lue-here", "INPUT_SECRETS=PRESENT\nABSENT"},
		runner:        true,
		outputsBefore: earlierOutputs, envBefore: earlierEnv,
	})
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stdout, "::error::secret ABSENT was not found") {
		t.Errorf("no error for ABSENT:\n%s", r.stdout)
	}
	if r.outputsRaw != earlierOutputs || r.envRaw != earlierEnv {
		t.Errorf("files changed on failure")
	}
	if !strings.Contains(r.summary, "`ABSENT` | - | - | missing") {
		t.Errorf("summary does not report ABSENT:\n%s", r.summary)
	}
	checkNoLeak(t, r, []string{"PRESENT", "ABSENT"}, "v4lue-here")
}

func TestPolicies(t *testing.T) {
	t.Parallel()
	base := []string{"PREFECT__CONTEXT__SECRETS__EMPTY=", "PREFECT__CONTEXT__SECRETS__NONE=None", "INPUT_SECRETS=EMPTY, NONE, GONE"}
	tests := []struct {
		name     string
		env      []string
		code     int
		warnings int
		exported bool
	}{
		{"missing warn", []string{"INPUT_ON-MISSING=warn"}, ExitOK, 3, true},
		{"missing ignore, empty ignore", []string{"INPUT_ON-MISSING=ignore", "INPUT_ON-EMPTY=ignore"}, ExitOK, 0, true},
		{"empty fail", []string{"INPUT_ON-MISSING=ignore", "INPUT_ON-EMPTY=fail"}, ExitFailed, 0, false},
		{"missing fail", nil, ExitFailed, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runAction(t, invocation{env: append(tt.env, base...), runner: true})
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stdout)
			}
			if got := strings.Count(r.stdout, "::warning::"); got != tt.warnings {
				t.Errorf("%d warnings, want %d\n%s", got, tt.warnings, r.stdout)
			}
			v, ok := lookup(r.exported, "EMPTY", false)
			if ok != tt.exported || v != "" {
				t.Errorf("EMPTY exported=%v %q, want exported=%v", ok, v, tt.exported)
			}
			if tt.exported {
				if got, _ := lookup(r.outputs, "secrets-empty", true); got != "EMPTY,NONE" {
					t.Errorf("secrets-empty = %q", got)
				}
				if got, _ := lookup(r.outputs, "secrets-missing", true); got != "GONE" {
					t.Errorf("secrets-missing = %q", got)
				}
			}
		})
	}
}

func TestOptionalSecretNeverFails(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{"INPUT_SECRETS=GONE?, AWS_*?"}, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout, "::warning::") || strings.Contains(r.stdout, "::error::") {
		t.Errorf("optional secrets annotated:\n%s", r.stdout)
	}
	if got, _ := lookup(r.outputs, "secrets-missing", true); got != "GONE,AWS_*" {
		t.Errorf("secrets-missing = %q", got)
	}
}

func TestCheckOnly(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{
		"PREFECT__CONTEXT__SECRETS__TOKEN=ch3ck-only-value", "PREFECT__CONTEXT__SECRETS__BLANK=",
		"INPUT_SECRETS=TOKEN, BLANK, GONE?", "INPUT_CHECK-ONLY=true",
	}, runner: true, outputsBefore: earlierOutputs, envBefore: earlierEnv})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if r.envRaw != earlierEnv {
		t.Errorf("check-only wrote GITHUB_ENV: %q", r.envRaw)
	}
	if _, ok := lookup(r.outputs, "TOKEN", true); ok {
		t.Error("check-only exported a value as an output")
	}
	want := map[string]string{"secrets-found": "TOKEN,BLANK", "secrets-missing": "GONE", "secrets-empty": "BLANK"}
	for k, v := range want {
		if got, _ := lookup(r.outputs, k, true); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if strings.Contains(r.stdout, "ch3ck-only-value") {
		t.Error("check-only printed the value")
	}
	checkNoLeak(t, r, []string{"TOKEN"}, "ch3ck-only-value")
}

func TestReservedOutputsWithoutExportOutputs(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{
		"PREFECT__CONTEXT__SECRETS__A=alpha-value", "INPUT_SECRETS=A", "INPUT_EXPORT-OUTPUTS=false",
	}, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d", r.code)
	}
	if _, ok := lookup(r.outputs, "A", true); ok {
		t.Error("A written as an output with export-outputs false")
	}
	if got, _ := lookup(r.outputs, "secrets-found", true); got != "A" {
		t.Errorf("secrets-found = %q", got)
	}
	if got, _ := lookup(r.exported, "A", false); got != "alpha-value" {
		t.Errorf("env A = %q", got)
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{
		`PREFECT__CONTEXT__SECRETS__DB={"user": "admin", "pass-word": "hunter22", "port": 5432, "opts": {"ssl": true, "modes": ["a", "b"]}, "none": null, "empty": {}}`,
		`PREFECT__CONTEXT__SECRETS__LD={"PRELOAD": "/tmp/evil.so", "ok": "fine-value"}`,
		"PREFECT__CONTEXT__SECRETS__PLAIN=not-json-at-all",
		"INPUT_SECRETS=DB, LD, PLAIN", "INPUT_PARSE-JSON=true",
	}, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	want := map[string]string{
		"DB_USER": "admin", "DB_PASS_WORD": "hunter22", "DB_PORT": "5432", "DB_OPTS_SSL": "true",
		"DB_OPTS_MODES": `["a", "b"]`, "DB_NONE": "", "DB_EMPTY": "{}", "PLAIN": "not-json-at-all",
	}
	for k, v := range want {
		if got, ok := lookup(r.exported, k, false); !ok || got != v {
			t.Errorf("%s = %q (exported %v), want %q", k, got, ok, v)
		}
	}
	// Every leaf of LD would be an LD_* variable.
	for _, gone := range []string{"DB", "LD", "LD_PRELOAD", "LD_OK"} {
		if _, ok := lookup(r.exported, gone, false); ok {
			t.Errorf("%s exported", gone)
		}
	}
	if !strings.Contains(r.stdout, "::warning::") || !strings.Contains(r.stdout, "LD_PRELOAD") {
		t.Errorf("skipped LD_PRELOAD not reported:\n%s", r.stdout)
	}
	checkNoLeak(t, r, []string{"DB", "LD", "PLAIN"}, "hunter22", "admin", "5432", "fine-value", "/tmp/evil.so")
}

func TestParseJSONCollision(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{
		`PREFECT__CONTEXT__SECRETS__A={"b": "one-value"}`, "PREFECT__CONTEXT__SECRETS__A_B=two-value",
		"INPUT_SECRETS=A, A_B", "INPUT_PARSE-JSON=true",
	}, runner: true, outputsBefore: earlierOutputs})
	if r.code != ExitFailed || r.outputsRaw != earlierOutputs {
		t.Fatalf("exit %d, outputs %q; want a failure with files unchanged", r.code, r.outputsRaw)
	}
	if !strings.Contains(r.stdout, "A: exports A_B, which A_B exports too") {
		t.Errorf("collision not reported:\n%s", r.stdout)
	}
}

func TestWildcards(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{
		"PREFECT__CONTEXT__SECRETS__AWS_KEY=key-value-1", "PREFECT__CONTEXT__SECRETS__AWS_SECRET=key-value-2",
		"PREFECT__CONTEXT__SECRETS__aws-other=key-value-3", "PREFECT__CONTEXT__SECRETS__PATH=/evil/bin",
		"PREFECT__CONTEXT__SECRETS__LD_PRELOAD=/evil.so", "PREFECT__CONTEXT__SECRETS__OTHER=x",
		"INPUT_SECRETS=AWS_*, aws*, PAT*, LD_*, NOPE_*, AWS_KEY",
	}, runner: true})
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want 1 (NOPE_* matches nothing)\n%s", r.code, r.stdout)
	}
	r = runAction(t, invocation{env: []string{
		"PREFECT__CONTEXT__SECRETS__AWS_KEY=key-value-1", "PREFECT__CONTEXT__SECRETS__AWS_SECRET=key-value-2",
		"PREFECT__CONTEXT__SECRETS__aws-other=key-value-3", "PREFECT__CONTEXT__SECRETS__PATH=/evil/bin",
		"PREFECT__CONTEXT__SECRETS__LD_PRELOAD=/evil.so", "PREFECT__CONTEXT__SECRETS__OTHER=x",
		"INPUT_SECRETS=AWS_*, aws*, PAT*, LD_*, NOPE_*?, AWS_KEY",
	}, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	for k, v := range map[string]string{"AWS_KEY": "key-value-1", "AWS_SECRET": "key-value-2", "AWS_OTHER": "key-value-3"} {
		if got, _ := lookup(r.exported, k, false); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"PATH", "LD_PRELOAD", "OTHER"} {
		if _, ok := lookup(r.exported, k, false); ok {
			t.Errorf("%s exported", k)
		}
	}
	if got, _ := lookup(r.outputs, "secrets-found", true); got != "AWS_KEY,AWS_SECRET,aws-other" {
		t.Errorf("secrets-found = %q", got)
	}
	if !strings.Contains(r.summary, "skipped") {
		t.Errorf("summary lacks skipped rows:\n%s", r.summary)
	}
	checkNoLeak(t, r, []string{"AWS_KEY", "AWS_SECRET", "aws-other", "AWS_OTHER", "PATH", "LD_PRELOAD"}, "key-value-1", "key-value-2", "key-value-3")
}

// TestHostileValues exports values built to break file-command framing and
// checks the runner applies exactly the intended names and values.
func TestHostileValues(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"INJECT_FIXED":  "x\n_GitHubActionsFileCommandDelimeter_\nLD_PRELOAD=/tmp/x.so\n",
		"INJECT_RANDOM": "a\nghadelimiter_00000000000000000000000000000000\nEVIL=1\n",
		"HEREDOC":       "NAME<<EOF\nEOF\n",
		"EQUALS":        "A=B=C",
		"CRLF":          "line1\r\nline2\r\n",
		"LEADING_NL":    "\n\nx",
		"ONLY_NL":       "\n",
		"BOM":           "\ufeffbom",
		"INVALID_UTF8":  "a\xff\xfeb",
	}
	var env []string
	var names []string
	for k, v := range values {
		env = append(env, "PREFECT__CONTEXT__SECRETS__"+k+"="+v)
		names = append(names, k)
	}
	env = append(env, "INPUT_SECRETS="+strings.Join(names, ","), "INPUT_VALUE-FORMAT=raw", "INPUT_MASK-MIN-LENGTH=1")
	r := runAction(t, invocation{env: env, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	for _, entries := range [][]struct{ Name, Value string }{toPairs(r.exported), toPairs(r.outputs)} {
		for _, e := range entries {
			want, known := values[e.Name]
			if strings.HasPrefix(e.Name, "secrets-") {
				continue
			}
			if !known {
				t.Errorf("unexpected name %q applied", e.Name)
			} else if e.Value != want {
				t.Errorf("%s = %q, want %q", e.Name, e.Value, want)
			}
		}
	}
	if len(r.exported) != len(values) {
		t.Errorf("%d env entries, want %d", len(r.exported), len(values))
	}
}

func toPairs(entries []runnertest.Entry) []struct{ Name, Value string } {
	out := make([]struct{ Name, Value string }, len(entries))
	for i, e := range entries {
		out[i].Name, out[i].Value = e.Name, e.Value
	}
	return out
}

func TestOutsideRunner(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{
		env:  []string{"PREFECT__CONTEXT__SECRETS__TOKEN=t0ken-value"},
		args: []string{"--secrets", "TOKEN, GONE?"},
	})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "::") {
		t.Errorf("workflow commands outside a runner:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "TOKEN") || !strings.Contains(r.stdout, "found") {
		t.Errorf("no summary table:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "t0ken-value") {
		t.Error("value printed without --format")
	}
}

func TestFlagWinsOverInput(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{
		env:  []string{"PREFECT__CONTEXT__SECRETS__A=flag-wins", "INPUT_SECRETS=NOT_THIS", "INPUT_ON-MISSING=fail"},
		args: []string{"--secrets=A", "--format=json"},
	})
	if r.code != ExitOK || !strings.Contains(r.stdout, `"A": "flag-wins"`) {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
}

// roundTripValues are values every --format must carry byte for byte.
var roundTripValues = map[string]string{
	"SIMPLE":  "hello",
	"QUOTES":  `it's "quoted" \ back\slash`,
	"NEWLINE": "line1\nline2\r\nline3\n",
	"SHELLY":  "$(touch /tmp/pwned) `id` $HOME ${X} !!",
	"UNICODE": "héllo 🎉 \u2028 \u2029",
	"CONTROL": "tab\there\x1b[0m\x07",
	"EMPTY":   "",
	"HASH":    "a # not a comment",
	"SPACES":  "  padded  ",
}

func formatInvocation(format string) invocation {
	var env, names []string
	for k, v := range roundTripValues {
		env = append(env, "PREFECT__CONTEXT__SECRETS__"+k+"="+v)
		names = append(names, k)
	}
	return invocation{env: env, args: []string{"--secrets", strings.Join(names, ","), "--format", format, "--value-format", "raw", "--on-empty", "ignore"}}
}

func TestFormatShellRoundTrip(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	r := runAction(t, formatInvocation("shell"))
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	script := filepath.Join(t.TempDir(), "env.sh")
	if err := os.WriteFile(script, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, want := range roundTripValues {
		out, err := exec.Command(sh, "-c", `eval "$(cat "$1")"; printf '%s' "$`+k+`"`, "sh", script).Output()
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if string(out) != want {
			t.Errorf("%s: shell read %q, want %q", k, out, want)
		}
	}
}

// TestFormatDotenvRoundTrip: the values the shared dialect carries read
// back exactly (export's tests read them with four parsers); the ones no
// dialect carries are refused, each named, with nothing printed.
func TestFormatDotenvRoundTrip(t *testing.T) {
	t.Parallel()
	r := runAction(t, formatInvocation("dotenv"))
	if r.code != ExitFailed || r.stdout != "" || !(strings.Contains(r.stderr, "QUOTES: the value has a single quote") || strings.Contains(r.stderr, "NEWLINE: the value has a carriage return")) {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	carried := map[string]string{}
	var env, names []string
	for k, v := range roundTripValues {
		if k == "QUOTES" || k == "NEWLINE" {
			continue // a quote with specials; a carriage return
		}
		carried[k] = v
		env = append(env, "PREFECT__CONTEXT__SECRETS__"+k+"="+v)
		names = append(names, k)
	}
	r = runAction(t, invocation{env: env, args: []string{"--secrets", strings.Join(names, ","), "--format", "dotenv", "--value-format", "raw", "--on-empty", "ignore"}})
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got, err := godotenv.Unmarshal(r.stdout)
	if err != nil {
		t.Fatalf("dotenv parser: %v\n%s", err, r.stdout)
	}
	if len(got) != len(carried) {
		t.Errorf("%d entries, want %d", len(got), len(carried))
	}
	for k, want := range carried {
		if got[k] != want {
			t.Errorf("%s: dotenv read %q, want %q", k, got[k], want)
		}
	}
}

func TestFormatJSONRoundTrip(t *testing.T) {
	t.Parallel()
	r := runAction(t, formatInvocation("json"))
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("JSON: %v\n%s", err, r.stdout)
	}
	for k, want := range roundTripValues {
		if got[k] != want {
			t.Errorf("%s: JSON read %q, want %q", k, got[k], want)
		}
	}
}

func TestFormatJSONRefusesInvalidUTF8(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{env: []string{"PREFECT__CONTEXT__SECRETS__B=\xff"}, args: []string{"--secrets", "B", "--format", "json"}})
	if r.code != ExitFailed || r.stdout != "" || !strings.Contains(r.stderr, "UTF-8") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := runAction(t, invocation{args: []string{"--help"}})
	if r.code != ExitOK || !strings.Contains(r.stdout, "--secrets") || !strings.Contains(r.stdout, "--format") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}
