package prefect

import (
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/vectors"
)

func TestBackendValueVectors(t *testing.T) {
	t.Parallel()
	cases := vectors.MustBackend(t)
	for _, c := range cases {
		got, null, err := RenderBackendValue([]byte(c.RawJSON), FormatPrefect)
		if err != nil {
			t.Errorf("%s: %v", c.RawJSON, err)
			continue
		}
		if got != c.Expect || null != c.Empty {
			t.Errorf("%s: got %q null=%v, want %q null=%v", c.RawJSON, got, null, c.Expect, c.Empty)
		}
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
		got, _, err := RenderBackendValue([]byte(tt.raw), FormatRaw)
		if err != nil || got != tt.want {
			t.Errorf("raw %s: got %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	if _, _, err := RenderBackendValue([]byte(`{"unterminated`), FormatPrefect); err == nil {
		t.Error("malformed JSON: want an error")
	}
}
