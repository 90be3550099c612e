package export

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runnertest"
)

func TestFormatEntriesRoundTrip(t *testing.T) {
	t.Parallel()
	entries := []Entry{
		{"A", "plain"}, {"B", ""}, {"C", "\n"}, {"D", "x\n_GitHubActionsFileCommandDelimeter_\nEVIL=1"},
		{"E", "ghadelimiter_00000000000000000000000000000000"}, {"secrets-found", "A,B"},
	}
	data, err := FormatEntries(rand.Reader, entries)
	if err != nil {
		t.Fatal(err)
	}
	got, err := runnertest.ParseFileCommands(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(entries) {
		t.Fatalf("got %d entries, want %d", len(got), len(entries))
	}
	for i, e := range entries {
		if got[i].Name != e.Name || got[i].Value != e.Value {
			t.Errorf("entry %d = %q, want %q", i, got[i], e)
		}
	}
}

func TestFormatEntriesRefusesBadNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "A=B", "A<<B", "A\nB", "1A", "A B", "é"} {
		if _, err := FormatEntries(rand.Reader, []Entry{{name, "v"}}); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}

// fixedReader always yields the same bytes, so the delimiter it makes can
// be planted in a value.
type fixedReader struct{ calls int }

func (f *fixedReader) Read(p []byte) (int, error) {
	f.calls++
	for i := range p {
		p[i] = byte(f.calls / 3) // the first two draws are equal
	}
	return len(p), nil
}

func TestFormatEntriesRedrawsACollidingDelimiter(t *testing.T) {
	t.Parallel()
	planted := "ghadelimiter_" + strings.Repeat("00", 16)
	data, err := FormatEntries(&fixedReader{}, []Entry{{"A", "x\n" + planted + "\nB=1"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := runnertest.ParseFileCommands(data)
	if err != nil || len(got) != 1 || got[0].Value != "x\n"+planted+"\nB=1" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func FuzzFormatEntries(f *testing.F) {
	f.Add("NAME", "value")
	f.Add("A_1", "x\r\ny\n_GitHubActionsFileCommandDelimeter_\nZ=1\n")
	f.Add("B", "ghadelimiter_abc\n\xff\xfe<<EOF\n")
	f.Add("secrets-found", strings.Repeat("long value ", 10000))
	f.Fuzz(func(t *testing.T, name, value string) {
		data, err := FormatEntries(rand.Reader, []Entry{{name, value}, {"AFTER", "sentinel"}})
		if err != nil {
			if validName(name) {
				t.Fatalf("valid name %q refused: %v", name, err)
			}
			return
		}
		got, err := runnertest.ParseFileCommands(data)
		if err != nil {
			t.Fatalf("runner cannot read the file: %v", err)
		}
		if len(got) != 2 || got[0].Name != name || got[0].Value != value || got[1] != (runnertest.Entry{Name: "AFTER", Value: "sentinel"}) {
			t.Fatalf("runner read %q", got)
		}
	})
}

func TestAppendAllRollsBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := filepath.Join(dir, "output")
	if err := os.WriteFile(first, []byte("EARLIER=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := AppendAll([]Append{
		{Path: first, Data: []byte("NEW=1\n")},
		{Path: dir, Data: []byte("X=1\n")}, // a directory cannot be opened for writing
	})
	if err == nil {
		t.Fatal("want an error")
	}
	got, _ := os.ReadFile(first)
	if string(got) != "EARLIER=1\n" {
		t.Errorf("first file = %q, want it rolled back", got)
	}
}

func TestAppendAllSamePathTwice(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := AppendAll([]Append{{Path: p, Data: []byte("A=1\n")}, {Path: p, Data: []byte("B=2\n")}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "A=1\nB=2\n" {
		t.Errorf("got %q", got)
	}
}

func TestMaskDecoded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		min   int
		want  []string
	}{
		{"", 4, nil},
		{"  \t", 4, nil},
		{"s3cret", 4, []string{"s3cret"}},
		{"a\r\nb\rc\n\n  d  ", 4, []string{"a\r\nb\rc\n\n  d  ", "a", "b", "c", "d", `a\r\nb\rc\n\n  d  `}},
		{`{"user": "admin", "pin": "12", "port": 5432, "ok": true, "nested": ["deep-one"]}`, 4,
			[]string{`{"user": "admin", "pin": "12", "port": 5432, "ok": true, "nested": ["deep-one"]}`,
				`{\"user\": \"admin\", \"pin\": \"12\", \"port\": 5432, \"ok\": true, \"nested\": [\"deep-one\"]}`, "admin", "5432", "deep-one"}},
		{`{"key": "line1\nline2"}`, 4, []string{`{"key": "line1\nline2"}`, `{\"key\": \"line1\\nline2\"}`, "line1\nline2", "line1", "line2", `line1\nline2`}},
		{"user::pa%0Ass%0Dword", 4, []string{"user::pa%0Ass%0Dword", "user", "pa", "ss", "word"}},
		{"a<b&c", 1, []string{"a<b&c", `a\u003cb\u0026c`}},
	}
	for _, tt := range tests {
		decoded, _ := pyvalue.Loads(tt.value)
		got := MaskDecoded(tt.value, decoded, tt.min)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("MaskDecoded(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}
}

func TestDisplay(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"DB_PASSWORD": "DB_PASSWORD", "with space": `"with space"`, "::set-env": `"::set-env"`,
		"a##[b": `"a\u0023\u0023[b"`, "": `""`, "x\ny": `"x\ny"`,
	}
	for in, want := range tests {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownEscapesNames(t *testing.T) {
	t.Parallel()
	md := Markdown(Report{Rows: []Row{{Name: "a|b`c", Export: "A_B", Source: "env", Status: "found"}}})
	if !strings.Contains(md, "| ``\"a\\|b`c\"`` | `A_B` | `env` | found |") {
		t.Errorf("markdown:\n%s", md)
	}
}
