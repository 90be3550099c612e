package pyvalue

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

// cpythonScript reads a JSON list of strings and answers, for each, what
// CPython makes of it: repr(ast.literal_eval(s)) and repr(json.loads(s)),
// or "!" when it raises.
const cpythonScript = `
import ast, json, sys

def surrogates(v):
    # A str with lone surrogates cannot be written out as UTF-8.
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, dict):
        return any(surrogates(k) or surrogates(x) for k, x in v.items())
    if isinstance(v, (list, tuple, set, frozenset)):
        return any(surrogates(x) for x in v)
    return False

def unordered(v):
    # A set holding values whose hash changes per process has no single order.
    if isinstance(v, (set, frozenset)):
        return any(isinstance(x, (str, bytes, type(None))) or unordered(x) for x in v)
    if isinstance(v, dict):
        return any(unordered(k) or unordered(x) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return any(unordered(x) for x in v)
    return False

def to_plain(v):
    if isinstance(v, dict):
        return {k: to_plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_plain(x) for x in v]
    return v

def render(s):
    # How a Secret.get result becomes exported text.
    v = ast.literal_eval(s)
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return json.dumps(v)
    if isinstance(v, (dict, list, tuple)):
        p = to_plain(v)
        try:
            return json.dumps(p, ensure_ascii=False)
        except TypeError:
            return str(p)
    return str(v)

out = []
for s in json.load(sys.stdin):
    row = []
    try:
        v = ast.literal_eval(s)
        row.append("?" if unordered(v) or surrogates(v) else render(s))
    except Exception:
        row.append("!")
    for f in (ast.literal_eval, json.loads):
        try:
            v = f(s)
            row.append("?" if unordered(v) or surrogates(v) else repr(v))
        except Exception:
            row.append("!")
    out.append(row)
json.dump(out, sys.stdout)
`

// TestAgainstCPython compares LiteralEval and Loads with the CPython on
// this machine, over generated inputs. It is skipped where there is no
// python3 of the 3.11 line (the one the recorded vectors came from).
func TestAgainstCPython(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	if v, err := exec.Command(py, "-c", "import sys; print(sys.version_info[:2] == (3, 11))").Output(); err != nil || strings.TrimSpace(string(v)) != "True" {
		t.Skip("python3 is not 3.11")
	}
	var inputs []string
	for _, s := range generateInputs(8000) {
		if utf8.ValidString(s) { // JSON carries only UTF-8 to Python unchanged
			inputs = append(inputs, s)
		}
	}
	data, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", cpythonScript)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var want [][3]string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	failures, values := 0, 0
	for i, s := range inputs {
		if want[i][0] != "!" && want[i][0] != "?" {
			values++
		}
		got := [3]string{renderOrBang(LiteralEval(s)), reprOrBang(LiteralEval(s)), reprOrBang(Loads(s))}
		for k, name := range []string{"render", "literal_eval", "json.loads"} {
			if want[i][k] == "?" || got[k] == want[i][k] {
				continue
			}
			if failures++; failures <= 25 {
				t.Errorf("%s(%q): got %s, CPython %s", name, s, got[k], want[i][k])
			}
		}
	}
	if failures > 25 {
		t.Errorf("%d more differences", failures-25)
	}
	if values < len(inputs)/4 {
		t.Errorf("only %d of %d inputs are literals; the generator is too broken to test much", values, len(inputs))
	}
	t.Logf("%d inputs, %d of them literals", len(inputs), values)
}

func renderOrBang(v Value, err error) string {
	if err != nil {
		return "!"
	}
	text, _, err := Render(v)
	if err != nil {
		return "!"
	}
	return text
}

func reprOrBang(v Value, err error) string {
	if err != nil {
		return "!"
	}
	r, err := Repr(v)
	if err != nil {
		return "!"
	}
	return r
}

// generateInputs makes literal-like strings: well-formed ones and broken
// ones, from a fixed seed.
func generateInputs(n int) []string {
	r := rand.New(rand.NewPCG(7, 11))
	atoms := []string{
		"0", "1", "-1", "42", "007", "00", "0x1F", "0o17", "0b101", "1_000", "1__0", "1_", "1e3", "1E-7", "2.5e+5",
		".5", "5.", "1e999", "-0.0", "3.141592653589793", "123456789012345678901234567890", "5j", "1.5J",
		"True", "False", "None", "true", "null", "NaN", "Infinity", "-Infinity", "...", "Ellipsis", "set()",
		"'a'", `"b"`, "'it''s'", `"a" "b"`, "'''t'''", `r'\n'`, `b'x'`, `b"\xff"`, `u'u'`, `f'x'`, `rb'\d'`,
		`'\x41'`, `'\101'`, `'\u00e9'`, `'\U0001F389'`, `'\N{DAGGER}'`, `'\q'`, `"\"q\""`, `"\u00e9"`, `"\ud83c\udf89"`,
		`'é'`, `"🎉"`, "x", "a.b", "f(1)",
	}
	seps := []string{", ", ",", " ,", ",\n ", ": ", ":", " + ", "-", "+", " ", "\n", "\t", "  "}
	var out []string
	var build func(depth int) string
	build = func(depth int) string {
		switch k := r.IntN(10); {
		case depth > 3 || k < 4:
			return atoms[r.IntN(len(atoms))]
		case k < 6:
			return "[" + list(r, build, depth, seps) + "]"
		case k < 7:
			return "(" + list(r, build, depth, seps) + ")"
		case k < 8:
			return "{" + list(r, build, depth, seps) + "}"
		default:
			var items []string
			for i := r.IntN(3); i >= 0; i-- {
				items = append(items, build(depth+1)+": "+build(depth+1))
			}
			return "{" + strings.Join(items, ", ") + "}"
		}
	}
	for len(out) < n {
		s := build(0)
		switch r.IntN(6) {
		case 0: // damage it
			if len(s) > 1 {
				i := r.IntN(len(s))
				s = s[:i] + s[i+1:]
			}
		case 1: // join two with a separator
			s = s + seps[r.IntN(len(seps))] + build(1)
		case 2: // surround with whitespace
			s = []string{" ", "\n", "\t", "\r\n", " \n "}[r.IntN(5)] + s + []string{"", " ", "\n", "  # c"}[r.IntN(4)]
		}
		out = append(out, s)
	}
	return out
}

func list(r *rand.Rand, build func(int) string, depth int, seps []string) string {
	var b strings.Builder
	for i := r.IntN(4); i >= 0; i-- {
		b.WriteString(build(depth + 1))
		if i > 0 || r.IntN(4) == 0 {
			b.WriteString([]string{", ", ",", " , ", ",\n  "}[r.IntN(4)])
		}
	}
	return b.String()
}
