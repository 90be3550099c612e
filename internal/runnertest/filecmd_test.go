package runnertest

import "testing"

// TestReferenceTable checks the parser against the runner's own cases, as
// listed in the runner documentation.
func TestReferenceTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []Entry
	}{
		{"MY_ENV=MY VALUE\n", []Entry{{"MY_ENV", "MY VALUE"}}},
		{"MY_ENV=\n", []Entry{{"MY_ENV", ""}}},
		{"MY_ENV==abc\nX=def=ghi\nY=jkl=\n", []Entry{{"MY_ENV", "=abc"}, {"X", "def=ghi"}, {"Y", "jkl="}}},
		{"MY_ENV<<EOF\nline one\nline two\nEOF\n", []Entry{{"MY_ENV", "line one\nline two"}}},
		{"MY_ENV<<EOF\nEOF\n", []Entry{{"MY_ENV", ""}}},
		{"MY_ENV<<EOF\nhello\n\nthree\n\nEOF\n", []Entry{{"MY_ENV", "hello\n\nthree\n"}}},
		{"MY_ENV<<EOF\n EOF\nEOF\n", []Entry{{"MY_ENV", " EOF"}}},
		{"A<<EOF\n\nx\nEOF\n", []Entry{{"A", "\nx"}}},
		{"A=1\r\n", []Entry{{"A", "1\r"}}},
		{"\ufeffA=1\n\n\nB=2\n", []Entry{{"A", "1"}, {"B", "2"}}},
		{"NAME =v\n", []Entry{{"NAME ", "v"}}},
		{"A=1\nA=2\n", []Entry{{"A", "1"}, {"A", "2"}}},
	}
	for _, tt := range tests {
		got, err := ParseFileCommands([]byte(tt.file))
		if err != nil {
			t.Errorf("%q: %v", tt.file, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %v, want %v", tt.file, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: entry %d = %q, want %q", tt.file, i, got[i], tt.want[i])
			}
		}
	}
	for _, bad := range []string{"NOSEPARATOR\n", "A<<EOF\nno end\n", "<<EOF\nx\nEOF\n", "A<<\nx\n\n", "A<<EOF\nx\nEOF"} {
		if _, err := ParseFileCommands([]byte(bad)); err == nil {
			t.Errorf("%q: parsed, want an error", bad)
		}
	}
}

func TestParseMasks(t *testing.T) {
	t.Parallel()
	out := "hello\n::add-mask::a%25b%0Ac%0Dd\n  ::add-mask::x\n"
	got := ParseMasks([]byte(out))
	if len(got) != 2 || got[0].Value != "a%b\nc\rd" || got[0].Offset != 6 || got[1].Value != "x" {
		t.Errorf("got %+v", got)
	}
}
