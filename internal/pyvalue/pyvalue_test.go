package pyvalue

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Expected texts below come from CPython 3.11.

func TestLiteralEvalRepr(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"{8, 1, 16, 32, 3}", "{32, 1, 3, 8, 16}"},
		{"{100, 7, 1000000, -5}", "{1000000, -5, 100, 7}"},
		{"{1.5, 2.5, 0.5, -0.25}", "{0.5, 1.5, 2.5, -0.25}"},
		{"{(1, 2), (3, 4), (5,)}", "{(1, 2), (3, 4), (5,)}"},
		{"{1e999, 2j, -1e999}", "{-inf, 2j, inf}"},
		{"{True, 1, 1.0, 2}", "{True, 2}"},
		{"{9, 17, 25, 33, 41, 49, 57, 65, 73}", "{33, 65, 9, 41, 73, 17, 49, 25, 57}"},
		{"{" + multiplesOf13(40) + "}", "{0, 130, 260, 390, 13, 143, 273, 403, 26, 156, 286, 416, 39, 169, 299, 429, 52, 182, 312, 442, 65, 195, 325, 455, 78, 208, 338, 468, 91, 221, 351, 481, 104, 234, 364, 494, 117, 247, 377, 507}"},
		{"1+2j", "(1+2j)"},
		{"-1j", "(-0-1j)"},
		{"1.5j", "1.5j"},
		{"0j", "0j"},
		{"1e16-1e-7j", "(1e+16-1e-07j)"},
		{`"a'b"`, `"a'b"`},
		{`'a"b'`, `'a"b'`},
		{`'a\'"b'`, `'a\'"b'`},
		{`'\x00\x7f\u200b\xa0é\U0001f389'`, `'\x00\x7f\u200b\xa0é🎉'`},
		{`b'a\'b\x00\xff"\\'`, `b'a\'b\x00\xff"\\'`},
		{`'\N{snowman}'`, `'☃'`},
		{`'\N{CJK UNIFIED IDEOGRAPH-4E00}'`, `'一'`},
		{"(1,)", "(1,)"},
		{"[1, (2, 3), {4: 5}]", "[1, (2, 3), {4: 5}]"},
		{"{'a': 1, 'a': 2}", "{'a': 2}"},
		{"set()", "set()"},
		{"...", "Ellipsis"},
		{"0o17 + 0j", "(15+0j)"},
		{"  \t42", "42"},
		{"\f42", "42"},
		{"[1,\n  2] # comment", "[1, 2]"},
		{"'a' 'b' \\\n 'c'", "'abc'"},
		{"1_000_000", "1000000"},
		{"0_0", "0"},
		{"07.5", "7.5"},
		{"07j", "7j"},
		{"(((((1)))))", "1"},
	}
	for _, tt := range tests {
		v, err := LiteralEval(tt.src)
		if err != nil {
			t.Errorf("LiteralEval(%q): %v", tt.src, err)
			continue
		}
		got, err := Repr(v)
		if err != nil || got != tt.want {
			t.Errorf("repr(literal_eval(%q)) = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}

func multiplesOf13(n int) string {
	parts := make([]string, n)
	for i := range parts {
		v, _ := Repr(NewInt(int64(i * 13)))
		parts[i] = v
	}
	return strings.Join(parts, ", ")
}

func TestLiteralEvalRejects(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"", "  ", "x", "True False", "1 2", "--5", "+True", "1+2", "1j+1", "(1+2j)+3j",
		"[1] + [2]", "{[1]: 2}", "{[1]}", "{1: 2, 3}", "f'x'", "'a' b'b'", "b'é'", "07", "1__0", "1_",
		"0x", "0o8", "0b2", "5L", "1e", "1e+", "'\\x4'", "'\\N{NO SUCH NAME}'", "'\\ud800'",
		"'unterminated", "'''x''", "1,\n 2", "\n 42", "1\n2", "set(1)", "frozenset()", "a.b",
		"1 if True else 2", "lambda: 1", "[*x]", "{**x}", "print(1)", "x[0]", "~1", "1*2", "1;2",
		"'a\nb'", "\x00", strings.Repeat("[", 201) + strings.Repeat("]", 201), strings.Repeat("1", 4301),
		"\xff", "1 if", "Ellipsis", "None.x",
	} {
		if v, err := LiteralEval(src); err == nil {
			r, _ := Repr(v)
			t.Errorf("LiteralEval(%q) = %s, want an error", src, r)
		} else if !errors.Is(err, ErrNotLiteral) {
			t.Errorf("LiteralEval(%q): error %v does not wrap ErrNotLiteral", src, err)
		}
	}
	if _, err := LiteralEval(strings.Repeat("[", 200) + strings.Repeat("]", 200)); err != nil {
		t.Errorf("200 nested brackets: %v", err)
	}
	if _, err := LiteralEval(strings.Repeat("1", 4300)); err != nil {
		t.Errorf("4300 digits: %v", err)
	}
}

func TestFloatRepr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    float64
		want string
	}{
		{0.30000000000000004, "0.30000000000000004"}, {1e22, "1e+22"}, {1e-7, "1e-07"},
		{123456789012345680.0, "1.2345678901234568e+17"}, {5e-324, "5e-324"}, {2.5e-5, "2.5e-05"},
		{-1e16, "-1e+16"}, {1e16 - 2, "9999999999999998.0"}, {0.001, "0.001"}, {0, "0.0"},
		{math.Copysign(0, -1), "-0.0"}, {math.Inf(1), "inf"}, {math.NaN(), "nan"},
	}
	for _, tt := range tests {
		if got := FloatRepr(tt.f); got != tt.want {
			t.Errorf("FloatRepr(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string // a Python literal
		want string
		null bool
	}{
		{"None", "", true},
		{"'x'", "x", false},
		{"True", "true", false},
		{"(1, 'a', None)", `[1, "a", null]`, false},
		{"{1: 'a', None: 2, True: 3, 1.5: 4}", `{"1": 3, "null": 2, "1.5": 4}`, false},
		{"{(1, 2): 3}", "{(1, 2): 3}", false},
		{"{'a': b'x'}", "{'a': b'x'}", false},
		{"[1e999, -1e999]", "[Infinity, -Infinity]", false},
		{"{'s': 'tab\\tquote\"nl\\n\\x01é'}", `{"s": "tab\tquote\"nl\n\u0001é"}`, false},
		{"b'x'", "b'x'", false},
		{"{3, 1, 2}", "{1, 2, 3}", false},
		{"[(1, 2j)]", "[[1, 2j]]", false},
	}
	for _, tt := range tests {
		v, err := LiteralEval(tt.src)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		got, null, err := Render(v)
		if err != nil || got != tt.want || null != tt.null {
			t.Errorf("Render(%s) = %q, %v, %v; want %q, %v", tt.src, got, null, err, tt.want, tt.null)
		}
	}
	big, _ := LiteralEval("0x" + strings.Repeat("f", 4000))
	if _, _, err := Render(big); !errors.Is(err, ErrIntTooLong) {
		t.Errorf("rendering a 4800-digit int: %v, want ErrIntTooLong", err)
	}
}

func TestLoads(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{`{"b": 1, "a": [true, null, 1.5e3, "x\u00e9"], "b": 2}`, `{'b': 2, 'a': [True, None, 1500.0, 'xé']}`},
		{" \n\t42\r ", "42"},
		{"NaN", "nan"},
		{"-Infinity", "-inf"},
		{`"\ud83c\udf89"`, "'🎉'"},
		{"-0", "0"},
		{"1E400", "inf"},
		{"12345678901234567890", "12345678901234567890"},
	}
	for _, tt := range tests {
		v, err := Loads(tt.src)
		if err != nil {
			t.Errorf("Loads(%q): %v", tt.src, err)
			continue
		}
		if got, _ := Repr(v); got != tt.want {
			t.Errorf("Loads(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
	for _, bad := range []string{"", " ", "01", "1.", ".5", "[1,]", `{"a":1,}`, "{'a': 1}", "tru", `"\x"`, "\"a\nb\"", `"\ud800"`, "[1] x", "\ufeff1", `{1: 2}`, "+1", "0x10", "nan", "[" + strings.Repeat("[", MaxJSONDepth)} {
		if _, err := Loads(bad); err == nil {
			t.Errorf("Loads(%q) succeeded, want an error", bad)
		}
	}
	if _, err := Loads(strings.Repeat("9", 4301)); !errors.Is(err, ErrIntTooLong) {
		t.Errorf("4301-digit number: %v, want ErrIntTooLong", err)
	}
	if v, err := LoadsBytes("\x00\x34\x00\x32"); err != nil {
		t.Errorf("UTF-16-BE bytes: %v", err)
	} else if r, _ := Repr(v); r != "42" {
		t.Errorf("UTF-16-BE bytes = %s", r)
	}
	if _, err := LoadsBytes("\xff"); !errors.Is(err, ErrUndecodable) {
		t.Errorf("invalid UTF-8 bytes: %v", err)
	}
}

func FuzzLiteralEval(f *testing.F) {
	for _, s := range []string{"{1: [2, (3,)]}", "'a\\N{snowman}'", "b'\\xff'", "1+2j", "{3, 1.5, (1,)}", "0x_ff", "\n[\n1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := LiteralEval(src)
		if err != nil {
			if !errors.Is(err, ErrNotLiteral) {
				t.Fatalf("error %v does not wrap ErrNotLiteral", err)
			}
			return
		}
		if _, err := Repr(v); err != nil && !errors.Is(err, ErrIntTooLong) {
			t.Fatalf("repr: %v", err)
		}
		_, _, _ = Render(v)
	})
}

func FuzzLoads(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5, "x"]}`, "NaN", `"\ud83c\udf89"`, "[[[]]]", "-0.0e-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := Loads(src)
		if err != nil {
			return
		}
		// What Loads reads, Dumps writes back as a document that reads
		// the same.
		var b strings.Builder
		if err := Dumps(&b, v); err != nil {
			if errors.Is(err, ErrIntTooLong) {
				return
			}
			t.Fatalf("dumps: %v", err)
		}
		v2, err := Loads(b.String())
		if err != nil {
			t.Fatalf("re-reading %q: %v", b.String(), err)
		}
		r1, _ := Repr(v)
		r2, _ := Repr(v2)
		if r1 != r2 && !strings.Contains(r1, "nan") {
			t.Fatalf("round trip changed %s into %s", r1, r2)
		}
	})
}
