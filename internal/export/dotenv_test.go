package export

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/joho/godotenv"
)

// dotenvClasses are the kinds of value a dotenv file must carry, each with
// whether the shared dialect refuses it.
var dotenvClasses = []struct {
	name, value string
	refused     bool
}{
	{"dollar", "pa$word", false},
	{"lone dollar", "$", false},
	{"braces", "a${HOME}b", false},
	{"command substitution", "$(touch /tmp/owned)", false},
	{"backticks", "`touch /tmp/owned`", false},
	{"double quotes", `say "hi"`, false},
	{"escaped quote", `\"`, false},
	{"backslashes", `a\b\\c`, false},
	{"backslash n", `a\nb`, false},
	{"backslash before a newline", "a\\\nb", false},
	{"newline", "line1\nline2", false},
	{"newline at the end", "v\n", false},
	{"newline at the start", "\nv", false},
	{"a line like an entry", "x\nY=evil\nexport Z=1", false},
	{"tab", "a\tb", false},
	{"control characters", "a\x01b\x1b[0m\x07\x7f", false},
	{"non-ASCII", "héllo ✓ 🎉 \u2028\u2029", false},
	{"hash", "a #not a comment", false},
	{"hash first", "#start", false},
	{"equals", "a=b==", false},
	{"empty", "", false},
	{"trailing spaces", "v  ", false},
	{"leading spaces", "  v", false},
	{"only spaces", "   ", false},
	{"single quote", "it's", false},
	{"single quote and spaces", "it's a value # here", false},
	{"carriage return", "a\rb", true},
	{"CRLF", "a\r\nb", true},
	{"ending in a backslash", `ends\`, true},
	{"ending in two backslashes", `ends\\`, true},
	{"single quote and dollar", "it's $5", true},
	{"single quote and backslash", `it's \ here`, true},
	{"single quote and newline", "it's\nhere", true},
}

// nodeDotenv is node's dotenv package, which .ci/run installs and names
// in NODE_DOTENV; elsewhere node's part is skipped, never in CI.
func nodeDotenv(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NODE_DOTENV")
	if _, err := exec.LookPath("node"); err != nil || dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must read dotenv files with node's dotenv: set NODE_DOTENV (.ci/run installs it)")
		}
		t.Log("node's dotenv is not installed (.ci/run installs it and sets NODE_DOTENV); reading with compose, godotenv and sh only")
		return ""
	}
	return dir
}

// TestDotenvReadsBackEverywhere writes every value class and reads the
// file back with compose-go's dotenv (with every variable of its
// environment set, to catch expansion), joho/godotenv, node's dotenv and
// `set -a; . file` in sh: each value reads back exactly in all four, or is
// refused with an error naming its variable.
func TestDotenvReadsBackEverywhere(t *testing.T) {
	t.Parallel()
	node := nodeDotenv(t)
	dir := t.TempDir()
	for _, c := range dotenvClasses {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			entries := []Entry{{Name: "BEFORE", Value: "b"}, {Name: "X_VALUE", Value: c.value}, {Name: "AFTER", Value: "a"}}
			text, err := Dotenv(entries)
			if c.refused {
				if err == nil || !strings.HasPrefix(err.Error(), "X_VALUE: ") {
					t.Fatalf("not refused by name: %v\n%s", err, text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"BEFORE": "b", "X_VALUE": c.value, "AFTER": "a"}
			check := func(parser string, got map[string]string, err error) {
				t.Helper()
				if err != nil {
					t.Errorf("%s: %v\n%s", parser, err, text)
					return
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s read %s = %q, want %q\n%s", parser, k, got[k], v, text)
					}
				}
				if len(got) != len(want) {
					t.Errorf("%s read %d variables, want %d: %q", parser, len(got), len(want), got)
				}
			}
			got, err := composedotenv.UnmarshalWithLookup(text, func(string) (string, bool) { return "FROM-COMPOSE-ENV", true })
			check("compose-go", got, err)
			got, err = godotenv.Unmarshal(text)
			check("godotenv", got, err)

			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".env")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err = readWith(t, "sh", "-c", `set -a; . "$1"; for n in BEFORE X_VALUE AFTER; do eval "v=\$$n"; printf '%s\0%s\0' "$n" "$v"; done`, "sh", path)
			check("sh", got, err)
			if node != "" {
				got, err = readWith(t, "node", "-e", `const d = require(process.argv[1]); const r = d.parse(require("fs").readFileSync(process.argv[2]));
for (const [k, v] of Object.entries(r)) process.stdout.write(k + "\0" + v + "\0");`, filepath.Join(node, "node_modules", "dotenv"), path)
				check("node dotenv", got, err)
			}
		})
	}
}

// readWith runs a reader that prints NAME\0VALUE\0 pairs.
func readWith(t *testing.T, name string, args ...string) (map[string]string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	parts := strings.Split(string(out), "\x00")
	got := map[string]string{}
	for i := 0; i+1 < len(parts); i += 2 {
		got[parts[i]] = parts[i+1]
	}
	return got, nil
}

// FuzzDotenv: whatever the value, Dotenv refuses it by name or writes a
// file that compose-go and godotenv read back exactly (the slower sh and
// node readers are in TestDotenvReadsBackEverywhere).
func FuzzDotenv(f *testing.F) {
	for _, c := range dotenvClasses {
		f.Add(c.value)
	}
	f.Fuzz(func(t *testing.T, v string) {
		text, err := Dotenv([]Entry{{Name: "A", Value: "1"}, {Name: "V", Value: v}, {Name: "Z", Value: "2"}})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "V: ") {
				t.Fatalf("error does not name the variable: %v", err)
			}
			return
		}
		want := map[string]string{"A": "1", "V": v, "Z": "2"}
		got, err := composedotenv.UnmarshalWithLookup(text, func(string) (string, bool) { return "X", true })
		if err != nil || len(got) != 3 {
			t.Fatalf("compose-go: %v %q\n%q", err, got, text)
		}
		for k, w := range want {
			if got[k] != w {
				t.Fatalf("compose-go read %s = %q, want %q\n%q", k, got[k], w, text)
			}
		}
		got, err = godotenv.Unmarshal(text)
		if err != nil || len(got) != 3 {
			t.Fatalf("godotenv: %v %q\n%q", err, got, text)
		}
		for k, w := range want {
			if got[k] != w {
				t.Fatalf("godotenv read %s = %q, want %q\n%q", k, got[k], w, text)
			}
		}
	})
}
