package action

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/vectors"
)

// TestPrefectGenerations stores every recorded value in a Prefect 2 and a
// Prefect 3 server and reads them as written, and with prefect-version
// forcing the other generation.
func TestPrefectGenerations(t *testing.T) {
	t.Parallel()
	cases := vectors.MustBackend(t)
	stored := map[string]string{}
	var names []string
	for i, c := range cases {
		name := fmt.Sprintf("v-%03d", i)
		stored[name] = c.RawJSON
		names = append(names, name)
	}
	for _, tt := range []struct {
		server, input string
		prefect2      bool
	}{
		{"2.20.25", "auto", true},
		{"3.4.25", "auto", false},
		{"2.20.25", "3", false},
		{"3.4.25", "2", true},
	} {
		t.Run(tt.server+"/"+tt.input, func(t *testing.T) {
			t.Parallel()
			s := newREST(t, stored)
			s.Version = tt.server
			env := append(restEnv(s, strings.Join(names, "\n")), "INPUT_ON-EMPTY=ignore", "INPUT_PREFECT-VERSION="+tt.input)
			r := runAction(t, invocation{env: env, runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			differ := 0
			for i, c := range cases {
				got, ok := lookup(r.exported, fmt.Sprintf("V_%03d", i), false)
				want := prefect3Bare(c)
				if tt.prefect2 {
					want = prefect2Text(t, c)
				}
				if !ok || got != want {
					t.Errorf("%s: exported %q (%v), want %q", c.RawJSON, got, ok, want)
				}
				if got != c.Expect {
					differ++
				}
			}
			t.Logf("%d of %d values differ from Prefect 1's", differ, len(cases))
		})
	}
}

// prefect2Text is what Prefect 2's Secret.get gives: a stored string as
// it is; anything else as Prefect 3 reads it.
func prefect2Text(t *testing.T, c vectors.BackendCase) string {
	t.Helper()
	if strings.HasPrefix(strings.TrimSpace(c.RawJSON), `"`) {
		var s string
		if err := jsonUnmarshal(c.RawJSON, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	return prefect3Bare(c)
}

func TestPrefect2EmptySecretIsFoundAndEmpty(t *testing.T) {
	t.Parallel()
	s := newREST(t, map[string]string{"s-empty": `null`, "s-plain": `"hello world"`})
	s.Version = "2.20.25"
	r := runAction(t, invocation{env: restEnv(s, "s-empty, s-plain"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.outputs, "secrets-empty", true); got != "s-empty" {
		t.Errorf("secrets-empty = %q", got)
	}
	if got, _ := lookup(r.outputs, "secrets-found", true); got != "s-empty,s-plain" {
		t.Errorf("secrets-found = %q", got)
	}
}

func TestLoneSurrogateSecretIsUnreadable(t *testing.T) {
	t.Parallel()
	s := newREST(t, map[string]string{"s-json-lone-surrogate": `"\"\\ud800\""`, "s-plain": `"hello world"`})
	r := runAction(t, invocation{env: restEnv(s, "s-json-lone-surrogate, s-plain"), runner: true, outputsBefore: earlierOutputs})
	if r.code != ExitFailed {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stdout, "secret s-json-lone-surrogate cannot be read") || !strings.Contains(r.stdout, "lone UTF-16 surrogate") {
		t.Errorf("the secret is not named as unreadable:\n%s", r.stdout)
	}
	if r.outputsRaw != earlierOutputs || r.envRaw != "" {
		t.Errorf("files changed")
	}
}

// TestWildcardRequestCounts measures what a wildcard costs on the fake:
// one round of pages, with values.
func TestWildcardRequestCounts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name           string
		apps, others   int
		decl           string
		want, exported int
	}{
		{"app-* over 310", 250, 60, "app-*", 2, 250},
		{"* over 760", 700, 60, "*", 4, 760},
		{"app-* and explicit", 250, 60, "app-*\nother-0001", 3, 251},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			blocks := map[string]string{}
			for i := 0; i < tt.apps; i++ {
				blocks[fmt.Sprintf("app-%04d", i)] = fmt.Sprintf(`"app-value-%04d"`, i)
			}
			for i := 0; i < tt.others; i++ {
				blocks[fmt.Sprintf("other-%04d", i)] = fmt.Sprintf(`"other-value-%04d"`, i)
			}
			s := newREST(t, blocks)
			r := runAction(t, invocation{env: restEnv(s, tt.decl), runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			if got := s.Requests(); got != tt.want {
				t.Errorf("%d requests, want %d: %v", got, tt.want, s.Bodies())
			}
			if got := len(r.exported); got != tt.exported {
				t.Errorf("%d variables, want %d", got, tt.exported)
			}
		})
	}
}

// TestLikeIsASubstringMatch keeps blocks that hold the prefix elsewhere in
// their name, or in another case, out of a wildcard.
func TestLikeIsASubstringMatch(t *testing.T) {
	t.Parallel()
	s := newREST(t, map[string]string{"app-a": `"1"`, "my-app-b": `"2"`, "xapp-c": `"3"`})
	r := runAction(t, invocation{env: restEnv(s, "app*"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.outputs, "secrets-found", true); got != "app-a" {
		t.Errorf("secrets-found = %q", got)
	}
}

func TestWithoutTheFilterRoute(t *testing.T) {
	t.Parallel()
	blocks := map[string]string{}
	var names []string
	for i := 0; i < 450; i++ {
		n := fmt.Sprintf("s-%03d", i)
		blocks[n] = fmt.Sprintf(`"value-%03d"`, i)
		names = append(names, n)
	}
	decl := strings.Join(names, ",") + ",missing?"
	t.Run("values probe once", func(t *testing.T) {
		t.Parallel()
		s := newREST(t, blocks)
		s.NoFilterRoute = true
		r := runAction(t, invocation{env: restEnv(s, decl), runner: true})
		if r.code != ExitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stdout)
		}
		filters, gets := countRoutes(s.Log())
		if filters != 1 || gets != 451 {
			t.Errorf("%d filter requests and %d GETs, want 1 and 451", filters, gets)
		}
	})
	t.Run("check-only reads by name without values", func(t *testing.T) {
		t.Parallel()
		s := newREST(t, blocks)
		s.NoFilterRoute = true
		r := runAction(t, invocation{env: append(restEnv(s, decl), "INPUT_CHECK-ONLY=true"), runner: true})
		if r.code != ExitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stdout)
		}
		filters, gets := countRoutes(s.Log())
		if filters != 1 || gets != 451 {
			t.Errorf("%d filter requests and %d GETs, want 1 and 451", filters, gets)
		}
		for _, l := range s.Log() {
			if strings.Contains(l, "include_secrets=true") {
				t.Errorf("check-only asked for a value: %s", l)
			}
		}
		if got, _ := lookup(r.outputs, "secrets-missing", true); got != "missing" {
			t.Errorf("secrets-missing = %q", got)
		}
	})
	t.Run("a wildcard says it needs the route", func(t *testing.T) {
		t.Parallel()
		s := newREST(t, blocks)
		s.NoFilterRoute = true
		r := runAction(t, invocation{env: restEnv(s, "s-*"), runner: true, outputsBefore: earlierOutputs})
		if r.code != ExitFailed {
			t.Fatalf("exit %d", r.code)
		}
		if !strings.Contains(r.stdout, `listing secret blocks for "s-*" needs POST /block_documents/filter`) || !strings.Contains(r.stdout, "check api-url") {
			t.Errorf("unclear message:\n%s", r.stdout)
		}
		if n := s.Requests(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func countRoutes(log []string) (filters, gets int) {
	for _, l := range log {
		switch {
		case strings.HasPrefix(l, "POST ") && strings.Contains(l, "/block_documents/filter"):
			filters++
		case strings.HasPrefix(l, "GET "):
			gets++
		}
	}
	return filters, gets
}

// TestCheckOnlyNeverKeepsLeakedValues runs check-only against a Prefect
// 3.4 server, which answers dict values in clear without include_secrets:
// nothing of them may show anywhere.
func TestCheckOnlyNeverKeepsLeakedValues(t *testing.T) {
	t.Parallel()
	s := newREST(t, map[string]string{"v-dict": `{"user": "leaky-user", "password": "p4ssw0rd-leaked"}`, "s-plain": `"hello world"`})
	for _, decl := range []string{"v-dict, s-plain", "v-*", "*"} {
		r := runAction(t, invocation{env: append(restEnv(s, decl), "INPUT_CHECK-ONLY=true"), runner: true})
		if r.code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", decl, r.code, r.stdout)
		}
		for _, leaked := range []string{"p4ssw0rd-leaked", "leaky-user"} {
			for where, text := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "outputs": r.outputsRaw, "env": r.envRaw, "summary": r.summary} {
				if strings.Contains(text, leaked) {
					t.Errorf("%s: %q is in %s", decl, leaked, where)
				}
			}
		}
	}
	// The server did send it: the test would prove nothing otherwise.
	if !strings.Contains(strings.Join(s.Bodies(), ""), `"include_secrets":false`) {
		t.Fatal("no request without include_secrets")
	}
}

func TestBooleanFlagsTakeAValue(t *testing.T) {
	t.Parallel()
	env := []string{"PREFECT__CONTEXT__SECRETS__DB='{\"user\": \"u\", \"port\": 5432}'"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--secrets", "DB", "--parse-json", "true", "--format", "shell"}, "export DB_PORT='5432'"},
		{[]string{"--secrets", "DB", "--parse-json", "false", "--format", "shell"}, `export DB='{"user": "u", "port": 5432}'`},
		{[]string{"--check-only", "true", "--secrets", "DB", "--format", "json"}, "{}"},
		{[]string{"--check-only", "--secrets", "DB", "--format", "json"}, "{}"},
		{[]string{"--check-only=false", "--secrets", "DB", "--format", "json"}, `"DB"`},
		{[]string{"--check-only", "FALSE", "--secrets", "DB", "--format", "json"}, `"DB"`},
	}
	for _, tt := range tests {
		r := runAction(t, invocation{env: env, args: tt.args})
		if r.code != ExitOK || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, want %q\n%s", tt.args, r.code, r.stdout, tt.want, r.stderr)
		}
	}
	if r := runAction(t, invocation{env: env, args: []string{"--check-only", "yes", "--secrets", "DB"}}); r.code != ExitUsage {
		t.Errorf("--check-only yes: exit %d, want a usage error", r.code)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func TestEnvironmentSizeLimit(t *testing.T) {
	t.Parallel()
	fits := strings.Repeat("x", MaxEnvString-len("BIG=")-1)
	over := fits + "x"
	for _, tt := range []struct {
		value string
		extra []string
		code  int
	}{
		{fits, nil, ExitOK},
		{over, nil, ExitFailed},
		{over, []string{"INPUT_EXPORT-ENV=false"}, ExitOK},
	} {
		env := append([]string{"PREFECT__CONTEXT__SECRETS__BIG=" + tt.value, "INPUT_SECRETS=BIG"}, tt.extra...)
		r := runAction(t, invocation{env: env, runner: true, outputsBefore: earlierOutputs})
		if r.code != tt.code {
			t.Fatalf("%d bytes %v: exit %d, want %d\n%.400s", len(tt.value), tt.extra, r.code, tt.code, r.stdout)
		}
		if tt.code == ExitFailed {
			if !strings.Contains(r.stdout, "secret BIG: the variable BIG would take 131073 bytes") || !strings.Contains(r.stdout, "export-env: false") {
				t.Errorf("unclear message:\n%.600s", r.stdout)
			}
			if r.outputsRaw != earlierOutputs || r.envRaw != "" {
				t.Errorf("files changed")
			}
		}
	}
}

func TestActWarnsOfChangedBytes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value string
		warn  bool
	}{
		{"a\r\nb", true}, {"\nleading", true}, {"trailing\r", true}, {"plain\nlines", false},
	} {
		for _, act := range []bool{true, false} {
			env := []string{"PREFECT__CONTEXT__SECRETS__V=" + tt.value, "INPUT_SECRETS=V"}
			if act {
				env = append(env, "ACT=true")
			}
			r := runAction(t, invocation{env: env, runner: true})
			warned := strings.Contains(r.stdout, "::warning::secret V: its value holds a carriage return or starts with a newline")
			if r.code != ExitOK || warned != (tt.warn && act) {
				t.Errorf("%q act=%v: exit %d, warned %v", tt.value, act, r.code, warned)
			}
		}
	}
}

// TestMasksHoldOnAct checks the masks that act needs: pieces at "::" and
// the %0A text, JSON-escaped forms, and all of them longest first, so a
// password that starts with the user name is never cut by it.
func TestMasksHoldOnAct(t *testing.T) {
	t.Parallel()
	env := []string{
		"PREFECT__CONTEXT__SECRETS__COLONS=left::right-part",
		"PREFECT__CONTEXT__SECRETS__PCT=text%0Awith%0Dcodes",
		`PREFECT__CONTEXT__SECRETS__DB={"user": "admin", "password": "admin-s3cret-pass"}`,
		"INPUT_SECRETS=COLONS, PCT, DB", "INPUT_PARSE-JSON=true",
	}
	r := runAction(t, invocation{env: env, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	var masks []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if m, ok := strings.CutPrefix(line, "::add-mask::"); ok {
			masks = append(masks, m)
		}
	}
	for _, want := range []string{"left", "right-part", "text", "with", "codes", `{\"user\": \"admin\", \"password\": \"admin-s3cret-pass\"}`} {
		if !contains(masks, want) {
			t.Errorf("no mask %q in %q", want, masks)
		}
	}
	for i := 1; i < len(masks); i++ {
		if len(masks[i]) > len(masks[i-1]) {
			t.Errorf("mask %q comes after the shorter %q", masks[i], masks[i-1])
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
