package prefect

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
)

func FuzzParseTOML(f *testing.F) {
	for _, s := range []string{
		"[context.secrets]\nA = \"x\"\nB = [1, {c = 2}]\n",
		"context.secrets.A = 1979-05-27T07:32:00.999999-07:00\n[[t]]\nx = 1\n[[t]]\n",
		"a = \"\"\"\nml\\\n  x\"\"\"\nb = 'lit'\nc = -inf\nd = 0x_ff\n",
		"[a\n", "a = 1\na = 2\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		parsed, err := ParseTOML([]byte(doc))
		if err != nil {
			var te *TOMLError
			if !errors.As(err, &te) {
				t.Fatalf("error of type %T", err)
			}
			if strings.Contains(te.Error(), "\n") {
				t.Fatalf("multi-line error %q", te.Error())
			}
			return
		}
		secrets, _ := LoadLocal(context.Background(), LocalOptions{Env: osenv.FromPairs("HOME", "/h"), Files: []*ConfigTOML{parsed}})
		for _, n := range secrets.Names() {
			_ = secrets.Lookup(n)
		}
	})
}

func FuzzLocalEnvironment(f *testing.F) {
	for _, s := range []string{"x", "$A", "${context.secrets.B}", "{'a': [1, 2j]}", "~/x", "x${context.secrets.S}", "1,2", "b'\\xff'"} {
		f.Add("S", s, "A", "$B")
	}
	f.Fuzz(func(t *testing.T, name, value, otherName, otherValue string) {
		env := osenv.New([]string{
			"HOME=/home/u",
			"PREFECT__CONTEXT__SECRETS__" + name + "=" + value,
			otherName + "=" + otherValue,
			"PREFECT__CONTEXT__SECRETS__B=" + otherValue,
		})
		for _, format := range []ValueFormat{FormatPrefect, FormatRaw} {
			secrets, _ := LoadLocal(context.Background(), LocalOptions{Env: env, Users: vectorUsers, Format: format})
			for _, n := range append(secrets.Names(), name) {
				r := secrets.Lookup(n)
				if r.Found && r.Err == nil && len(r.Text) > MaxValueBytes*2 {
					t.Fatalf("value of %d bytes", len(r.Text))
				}
			}
		}
	})
}

func FuzzRenderBackendValue(f *testing.F) {
	for _, s := range []string{`"x"`, `{"a": [1, 2.5, null]}`, `"\"{\\\"a\\\": 1}\""`, `1e400`, `"NaN"`, `[`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, format := range []ValueFormat{FormatPrefect, FormatRaw} {
			for _, gen := range []Generation{Prefect1, Prefect2, Prefect3} {
				text, null, err := RenderBackendValue([]byte(raw), format, gen)
				if err == nil && null && text != "" {
					t.Fatalf("null with text %q", text)
				}
				if err == nil && !utf8.ValidString(text) {
					t.Fatalf("invalid UTF-8 exported: %q", text)
				}
			}
		}
	})
}
