package prefect

import (
	"errors"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
	"github.com/prefect-secrets/prefect-secrets-action/internal/vectors"
)

// want is what gen's Secret.get gives for a recorded Prefect 1 case: the
// vectors are Prefect 1's; Prefect 3 differs only for bare non-finite
// floats, Prefect 2 returns a stored string as it is.
func want(c vectors.BackendCase, gen Generation) (string, bool) {
	v, err := pyvalue.Loads(c.RawJSON)
	if err != nil {
		return c.Expect, c.Empty
	}
	if s, ok := v.(pyvalue.Str); ok {
		if gen == Prefect2 {
			return string(s), false
		}
		if inner, err := pyvalue.Loads(string(s)); err == nil {
			v = inner
		}
	}
	if gen == Prefect3 {
		switch c.Expect {
		case "Infinity", "-Infinity", "NaN":
			if _, isFloat := v.(pyvalue.Float); isFloat {
				return map[string]string{"Infinity": "inf", "-Infinity": "-inf", "NaN": "nan"}[c.Expect], false
			}
		}
	}
	return c.Expect, c.Empty
}

func TestBackendValueVectors(t *testing.T) {
	t.Parallel()
	cases := vectors.MustBackend(t)
	for _, gen := range []Generation{Prefect1, Prefect2, Prefect3} {
		differ := 0
		for _, c := range cases {
			got, null, err := RenderBackendValue([]byte(c.RawJSON), FormatPrefect, gen)
			if err != nil {
				t.Errorf("generation %d, %s: %v", gen, c.RawJSON, err)
				continue
			}
			wantText, wantNull := want(c, gen)
			if got != wantText || null != wantNull {
				t.Errorf("generation %d, %s: got %q null=%v, want %q null=%v", gen, c.RawJSON, got, null, wantText, wantNull)
			}
			if got != c.Expect {
				differ++
			}
		}
		t.Logf("generation %d: %d of %d cases differ from Prefect 1", gen, differ, len(cases))
	}
}

func TestBackendValueGenerations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw      string
		gen      Generation
		want     string
		wantNull bool
	}{
		{`1e400`, Prefect3, "inf", false},
		{`-1e400`, Prefect3, "-inf", false},
		{`NaN`, Prefect3, "nan", false},
		{`"-Infinity"`, Prefect3, "-inf", false},
		{`[1e400]`, Prefect3, "[Infinity]", false},
		{`{"a": NaN}`, Prefect3, `{"a": NaN}`, false},
		{`1e400`, Prefect1, "Infinity", false},
		{`1e16`, Prefect3, "1e+16", false},
		{`"\"quoted\""`, Prefect2, `"quoted"`, false},
		{`"\"quoted\""`, Prefect3, `quoted`, false},
		{`"{\"a\":1}"`, Prefect2, `{"a":1}`, false},
		{`"1e3"`, Prefect2, `1e3`, false},
		{`"null"`, Prefect2, `null`, false},
		{`"\\u00e9"`, Prefect2, `\u00e9`, false},
		{`null`, Prefect2, ``, true},
		{`""`, Prefect2, ``, false},
		{`42`, Prefect2, `42`, false},
	}
	for _, tt := range tests {
		got, null, err := RenderBackendValue([]byte(tt.raw), FormatPrefect, tt.gen)
		if err != nil || got != tt.want || null != tt.wantNull {
			t.Errorf("%s as generation %d: %q null=%v err=%v; want %q null=%v", tt.raw, tt.gen, got, null, err, tt.want, tt.wantNull)
		}
	}
}

func TestLoneSurrogatesAreUnreadable(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`"\"\\ud800\""`, `"\ud800"`, `"\"\\udc00x\""`, `{"a": "\ud800"}`, `"[\"\\ud800\\u0041\"]"`} {
		for _, gen := range []Generation{Prefect1, Prefect2, Prefect3} {
			if gen == Prefect2 && raw == `"\"\\ud800\""` {
				continue // Prefect 2 does not decode the string: 8 characters of text
			}
			if gen == Prefect2 && (raw == `"\"\\udc00x\""` || raw == `"[\"\\ud800\\u0041\"]"`) {
				continue
			}
			_, _, err := RenderBackendValue([]byte(raw), FormatPrefect, gen)
			if !errors.Is(err, pyvalue.ErrLoneSurrogate) {
				t.Errorf("%s as generation %d: %v, want a lone-surrogate error", raw, gen, err)
			}
		}
	}
	// A pair is one character, not two lone halves.
	if got, _, err := RenderBackendValue([]byte(`"\"\\ud83c\\udf89\""`), FormatPrefect, Prefect3); err != nil || got != "🎉" {
		t.Errorf("surrogate pair: %q, %v", got, err)
	}
}

func TestBackendValueRaw(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, want string }{
		{`"42"`, "42"},
		{`"{\"a\": 1}"`, `{"a": 1}`},
		{`{"b":2,"a":1}`, `{"b":2,"a":1}`},
		{` 1e3 `, `1e3`},
		{`null`, `null`},
		{`"line\nbreak"`, "line\nbreak"},
	}
	for _, tt := range tests {
		for _, gen := range []Generation{Prefect1, Prefect2, Prefect3} {
			got, _, err := RenderBackendValue([]byte(tt.raw), FormatRaw, gen)
			if err != nil || got != tt.want {
				t.Errorf("raw %s: got %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		}
	}
	if _, _, err := RenderBackendValue([]byte(`{"unterminated`), FormatPrefect, Prefect3); err == nil {
		t.Error("malformed JSON: want an error")
	}
}
