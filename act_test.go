package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// actBinary finds nektos/act: $ACT_BINARY, or act on PATH. .ci/run
// installs it; elsewhere the test is skipped.
func actBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACT_BINARY"); p != "" {
		return p
	}
	p, err := exec.LookPath("act")
	if err != nil {
		t.Skip("nektos/act is not installed (.ci/run installs it)")
	}
	return p
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestUnderAct runs the built binary as a step of a workflow under a real
// nektos/act (the engine of Gitea and Forgejo runners) in host mode. Later
// steps compare what they read, as variables and as step outputs, with the
// expected bytes by hash, and act's whole log is searched for every value
// and every piece of one: the masks must hold on act too.
func TestUnderAct(t *testing.T) {
	t.Parallel()
	act := actBinary(t)
	bin := binary(t)
	dir := t.TempDir()

	secrets := map[string]string{
		"ML":     "first-line-aa\nsecond-line-bb\nthird-line-cc",
		"COLONS": "left-part::right-part",
		"PCT":    "pct-value%0Asecond-pct%0Dthird-pct",
		"INNER":  "inner-s3cr3t",
		"OUTER":  "outer-inner-s3cr3t-tail",
		"DB":     `{"user": "admin-user", "password": "admin-user-s3cret-pw"}`,
	}
	for i := 0; i < 100; i++ {
		secrets[fmt.Sprintf("BULK_%03d", i)] = fmt.Sprintf("bulk-value-%03d-%x", i, sha(fmt.Sprint(i))[:12])
	}
	// What later steps must read: DB is split by parse-json.
	exported := map[string]string{}
	for name, v := range secrets {
		exported[name] = v
	}
	delete(exported, "DB")
	exported["DB_USER"] = "admin-user"
	exported["DB_PASSWORD"] = "admin-user-s3cret-pw"

	names := make([]string, 0, len(secrets))
	var values strings.Builder
	for name, v := range secrets {
		names = append(names, name)
		fmt.Fprintf(&values, "export PREFECT__CONTEXT__SECRETS__%s=%s\n", name, shellQuote(v))
	}
	sort.Strings(names)
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("values.env", values.String())

	exportNames := make([]string, 0, len(exported))
	for n := range exported {
		exportNames = append(exportNames, n)
	}
	sort.Strings(exportNames)
	var check strings.Builder
	check.WriteString("h() { printf %s \"$1\" | sha256sum | cut -d' ' -f1; }\nfail=0\n")
	for _, n := range exportNames {
		fmt.Fprintf(&check, "[ \"$(h \"$%s\")\" = %s ] || { echo \"variable %s differs\"; fail=1; }\n", n, sha(exported[n]), n)
		fmt.Fprintf(&check, "[ \"$(h \"$OUT_%s\")\" = %s ] || { echo \"output %s differs\"; fail=1; }\n", n, sha(exported[n]), n)
	}
	check.WriteString("[ \"$fail\" = 0 ] && echo ALL-HASHES-MATCH\nexit \"$fail\"\n")
	write("check.sh", check.String())

	var outputs strings.Builder
	for _, n := range exportNames {
		fmt.Fprintf(&outputs, "          OUT_%s: ${{ steps.resolve.outputs.%s }}\n", n, n)
	}
	workflow := `on: push
jobs:
  secrets:
    runs-on: ubuntu-latest
    steps:
      - id: resolve
        env:
          BIN: ` + bin + `
          INPUT_SECRETS: ` + strings.Join(names, ",") + `
          INPUT_PARSE-JSON: "true"
        run: . ` + filepath.Join(dir, "values.env") + ` && "$BIN"
      - env:
` + outputs.String() + `        run: sh ` + filepath.Join(dir, "check.sh") + `
      - id: missing
        continue-on-error: true
        env:
          BIN: ` + bin + `
          INPUT_SECRETS: NOT_DEFINED_ANYWHERE
        run: '"$BIN"'
      - env:
          OUTCOME: ${{ steps.missing.outcome }}
        run: test "$OUTCOME" = failure && echo MISSING-FAILED
`
	write(".github/workflows/act.yml", workflow)

	start := time.Now()
	cmd := exec.Command(act, "push", "-v", "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode",
		"-W", ".github/workflows/act.yml", "--container-architecture", "linux/amd64")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	log := string(out)
	if keep := os.Getenv("ACT_LOG"); keep != "" {
		_ = os.WriteFile(keep, out, 0o600)
	}
	t.Logf("act ran in %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("act: %v\n%s", err, tail(log))
	}
	for _, marker := range []string{"ALL-HASHES-MATCH", "MISSING-FAILED"} {
		if !strings.Contains(log, marker) {
			t.Errorf("no %s in act's log:\n%s", marker, tail(log))
		}
	}
	for name, v := range secrets {
		for _, piece := range leakPieces(v) {
			if strings.Contains(log, piece) {
				i := strings.Index(log, piece)
				t.Errorf("act's log shows %q of secret %s: …%s…", piece, name, log[max(0, i-80):min(len(log), i+len(piece)+40)])
			}
		}
	}
}

// leakPieces are the texts of a value that must never appear: the value,
// its lines, its pieces between "::" and the %0A and %0D texts, and its
// JSON leaves, each at least 4 bytes long (shorter ones occur in ordinary
// log words).
func leakPieces(v string) []string {
	out := []string{v}
	pieces := []string{v}
	for _, sep := range []string{"\n", "::", "%0A", "%0D", `"`} {
		var next []string
		for _, p := range pieces {
			next = append(next, strings.Split(p, sep)...)
		}
		pieces = next
	}
	for _, p := range pieces {
		p = strings.Trim(p, " {}:,")
		if len(p) >= 4 && p != "user" && p != "password" {
			out = append(out, p)
		}
	}
	return out
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}
