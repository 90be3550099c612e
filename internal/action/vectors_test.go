package action

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/export"

	"github.com/prefect-secrets/prefect-secrets-action/internal/vectors"
)

// prefectErrorOutcomes is what the action does where Prefect itself cannot
// load the configuration: it resolves what it can and names the rest.
var prefectErrorOutcomes = map[string]struct {
	code   int               // exit code
	failed []string          // secrets reported as unreadable
	values map[string]string // secrets that still resolve
}{
	"var-chain-crash-int":         {code: 1, failed: []string{"X"}},
	"var-chain-crash-bool":        {code: 1, failed: []string{"X"}},
	"var-chain-crash-none":        {code: 1, failed: []string{"X"}},
	"var-nonconverging":           {code: 1, failed: []string{"X"}},
	"name-scalar-then-nested":     {code: 1, failed: []string{"A"}},
	"name-str-then-nested":        {code: 1, failed: []string{"A"}},
	"toml-scalar-then-env-nested": {code: 1, failed: []string{"D"}},
	// Valid TOML 1.0 that Prefect's old toml parser refused.
	"toml-heterogeneous-array": {values: map[string]string{"A": `[1, "2"]`}},
	// An unreadable configuration file is a usage error.
	"toml-syntax-error": {code: 2},
	// Prefect refuses secret names that shadow its Config methods; the
	// action has no such methods and resolves them.
	"toml-invalid-key":        {values: map[string]string{"keys": "x"}},
	"toml-dunder-key":         {values: map[string]string{"__class__": "x"}},
	"toml-nested-reserved":    {values: map[string]string{"D": `{"items": 1}`}},
	"reject-keys":             {values: map[string]string{"keys": "x", "OTHER": "fine"}},
	"reject-items":            {values: map[string]string{"items": "x", "OTHER": "fine"}},
	"reject-get":              {values: map[string]string{"get": "x", "OTHER": "fine"}},
	"reject-values":           {values: map[string]string{"values": "x", "OTHER": "fine"}},
	"reject-update":           {values: map[string]string{"update": "x", "OTHER": "fine"}},
	"reject-pop":              {values: map[string]string{"pop": "x", "OTHER": "fine"}},
	"reject-copy":             {values: map[string]string{"copy": "x", "OTHER": "fine"}},
	"reject-to_dict":          {values: map[string]string{"to_dict": "x", "OTHER": "fine"}},
	"reject-to_json":          {values: map[string]string{"to_json": "x", "OTHER": "fine"}},
	"reject-merge_update":     {values: map[string]string{"merge_update": "x", "OTHER": "fine"}},
	"reject-setdefault":       {values: map[string]string{"setdefault": "x", "OTHER": "fine"}},
	"reject-from_yaml":        {values: map[string]string{"from_yaml": "x", "OTHER": "fine"}},
	"reject-clear":            {values: map[string]string{"clear": "x", "OTHER": "fine"}},
	"reject-to_toml":          {values: map[string]string{"to_toml": "x", "OTHER": "fine"}},
	"reject-protected_keys":   {values: map[string]string{"_protected_keys": "x", "OTHER": "fine"}},
	"reject-nested":           {values: map[string]string{"A": `{"keys": 1}`}},
	"reject-dict-value":       {values: map[string]string{"A": `{"get": 1}`}},
	"reject-non-secret-upper": {values: map[string]string{"A": "fine"}},
	"reject-non-secret-top":   {values: map[string]string{"A": "fine"}},
}

// declare writes one optional, aliased entry per requested name, so every
// name (empty, with spaces, non-ASCII) has a distinct, valid export name.
func declare(names []string) (string, map[string]string) {
	var b strings.Builder
	exports := map[string]string{}
	for i, n := range names {
		q, _ := json.Marshal(n)
		alias := fmt.Sprintf("V%d", i)
		fmt.Fprintf(&b, "%s=%s?\n", alias, q)
		exports[n] = alias
	}
	return b.String(), exports
}

func TestVectorsEndToEnd(t *testing.T) {
	t.Parallel()
	for _, c := range vectors.MustLocal(t) {
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{}
			if c.ConfigTOML != nil {
				files["user-config.toml"] = *c.ConfigTOML
			}
			env := c.ProcessEnv("$DIR/user-config.toml")
			if c.PrefectError != "" {
				checkPrefectError(t, c, env, files)
				return
			}
			var ok, bad []string
			for _, n := range c.Requests {
				if c.Expect[n].Error != "" {
					bad = append(bad, n)
				} else {
					ok = append(ok, n)
				}
			}
			if len(bad) > 0 {
				decl, _ := declare(bad)
				r := runAction(t, invocation{env: append(env, "INPUT_SECRETS="+decl), runner: true, files: files, outputsBefore: "KEEP=1\n"})
				if r.code != ExitFailed {
					t.Fatalf("unreadable secrets: exit %d, want %d\n%s", r.code, ExitFailed, r.stdout)
				}
				if r.outputsRaw != "KEEP=1\n" || r.envRaw != "" {
					t.Errorf("files changed on failure:\n%s\n%s", r.outputsRaw, r.envRaw)
				}
				for _, n := range bad {
					if !strings.Contains(r.stdout, "::error::secret "+displayForTest(n)) {
						t.Errorf("no error names %q:\n%s", n, r.stdout)
					}
				}
			}
			if len(ok) == 0 {
				return
			}
			decl, exports := declare(ok)
			r := runAction(t, invocation{env: append(env, "INPUT_SECRETS="+decl), runner: true, files: files})
			if r.code != ExitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			var values []string
			for _, n := range ok {
				want := c.Expect[n]
				gotOut, inOut := lookup(r.outputs, exports[n], true)
				gotEnv, inEnv := lookup(r.exported, exports[n], false)
				if want.Missing {
					if inOut || inEnv {
						t.Errorf("%q: exported %q, want missing", n, gotOut)
					}
					continue
				}
				if !inOut || !inEnv {
					t.Errorf("%q: not exported (outputs %v, env %v), want %q", n, inOut, inEnv, *want.Value)
					continue
				}
				if gotOut != *want.Value || gotEnv != *want.Value {
					t.Errorf("%q: output %q, env %q; want %q", n, gotOut, gotEnv, *want.Value)
				}
				values = append(values, *want.Value)
			}
			checkReserved(t, c, r, ok)
			names := append([]string(nil), ok...)
			for _, n := range ok {
				names = append(names, exports[n], config.QuoteName(n))
			}
			checkNoLeak(t, r, names, values...)
		})
	}
}

// checkReserved compares secrets-missing and secrets-empty with the vector.
func checkReserved(t *testing.T, c vectors.LocalCase, r result, names []string) {
	t.Helper()
	var missing, empty []string
	for _, n := range names {
		switch want := c.Expect[n]; {
		case want.Missing:
			missing = append(missing, quoteForTest(n))
		case want.Value != nil && *want.Value == "":
			empty = append(empty, quoteForTest(n))
		}
	}
	if got, _ := lookup(r.outputs, "secrets-missing", true); got != strings.Join(missing, ",") {
		t.Errorf("secrets-missing = %q, want %q", got, strings.Join(missing, ","))
	}
	if got, _ := lookup(r.outputs, "secrets-empty", true); got != strings.Join(empty, ",") {
		t.Errorf("secrets-empty = %q, want %q", got, strings.Join(empty, ","))
	}
}

func checkPrefectError(t *testing.T, c vectors.LocalCase, env []string, files map[string]string) {
	want, ok := prefectErrorOutcomes[c.ID]
	if !ok {
		t.Fatalf("no expected outcome for Prefect error case %s (%s)", c.ID, c.PrefectError)
	}
	decl, exports := declare(c.Requests)
	r := runAction(t, invocation{env: append(env, "INPUT_SECRETS="+decl), runner: true, files: files, outputsBefore: "KEEP=1\n"})
	if r.code != want.code {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, want.code, r.stdout, r.stderr)
	}
	for _, n := range want.failed {
		if !strings.Contains(r.stdout, "::error::secret "+displayForTest(n)+" cannot be read") {
			t.Errorf("no error names %q:\n%s", n, r.stdout)
		}
	}
	if want.code == ExitUsage && !strings.Contains(r.stdout, `::error::input "config-file"`) {
		t.Errorf("usage error does not name config-file:\n%s", r.stdout)
	}
	if want.code != ExitOK && r.outputsRaw != "KEEP=1\n" {
		t.Errorf("GITHUB_OUTPUT changed on failure:\n%s", r.outputsRaw)
	}
	for n, v := range want.values {
		if got, _ := lookup(r.outputs, exports[n], true); got != v {
			t.Errorf("%q = %q, want %q", n, got, v)
		}
	}
}

func displayForTest(name string) string {
	return strings.ReplaceAll(export.Display(name), "%", "%25")
}

func quoteForTest(name string) string { return config.QuoteName(name) }

func TestVectorCopiesMatchShared(t *testing.T) {
	t.Parallel()
	shared := filepath.Join("..", "..", "..", "shared", "vectors")
	if _, err := os.Stat(shared); err != nil {
		t.Skip("../shared is not beside the project")
	}
	dir, err := vectors.Dir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"prefect1-local-public.json", "backend-values.json"} {
		want, err := os.ReadFile(filepath.Join(shared, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("testdata/vectors/%s differs from the shared vectors; copy it again", name)
		}
	}
}
