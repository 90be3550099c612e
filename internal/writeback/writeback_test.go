package writeback

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

func TestServerJSONLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  int
	}{
		{`"` + strings.Repeat("x", 4998) + `"`, 5000},
		{`"` + strings.Repeat("é", 2499) + `"`, 5000},
		{`"<&>"`, 5},
		{`"\u2028"`, 5},
		{`{"a": 1, "b": [1, 2]}`, len(`{"a":1,"b":[1,2]}`)},
		{`"tab\there"`, len(`"tab\there"`)},
		{`null`, 4},
	}
	for _, tt := range tests {
		if got := ServerJSONLength(json.RawMessage(tt.value)); got != tt.want {
			t.Errorf("%.40s: %d, want %d", tt.value, got, tt.want)
		}
	}
}

func FuzzServerJSONLength(f *testing.F) {
	for _, s := range []string{"plain", "é\u2028<>&\"\\\n", "{}"} {
		f.Add(s)
	}
	// A valid text is never shorter as JSON than itself and its quotes
	// (escapes only lengthen it), and the count is stable.
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got := ServerJSONLength(marshal(s))
		if got < len(s)+2 || got != ServerJSONLength(marshal(s)) {
			t.Fatalf("%q: %d bytes", s, got)
		}
	})
}

func TestBuildRefusesBeforeWriting(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DB_PASSWORD": "********", "BAD": "\xff\xfe", "NOT_JSON": "{", "OK": "fine", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	decl := func(name, export string) config.Declaration {
		return config.Declaration{Name: name, Export: export, Declared: name}
	}
	cfg := &config.WriteConfig{Backend: config.BackendConfig{Kind: config.BackendREST}, Format: config.WriteString, OnMissing: config.Fail,
		Secrets: []config.Declaration{decl("db-password", "DB_PASSWORD"), decl("bad", "BAD"), decl("ok", "OK"), decl("empty", "EMPTY")}}
	entries, problems := Build(cfg, Environment{Lookup: lookup})
	if len(problems) != 3 || len(entries) != 1 || entries[0].Change.Key != "ok" {
		t.Fatalf("entries %v, problems %q", entries, problems)
	}
	for i, want := range []string{"cannot be written", "not valid UTF-8", "EMPTY is unset or empty"} {
		if !strings.Contains(problems[i], want) {
			t.Errorf("problem %d %q lacks %q", i, problems[i], want)
		}
	}
	cfg.Format = config.WriteJSON
	cfg.Secrets = []config.Declaration{decl("nj", "NOT_JSON")}
	if _, problems := Build(cfg, Environment{Lookup: lookup}); len(problems) != 1 || !strings.Contains(problems[0], "not JSON") {
		t.Errorf("problems %q", problems)
	}
}

// fakeStore plans from a map and records writes.
type fakeStore struct {
	stored map[string]string
	mu     sync.Mutex
	writes []string
}

func (s *fakeStore) Plan(_ context.Context, changes []prefect.Change) ([]prefect.Planned, error) {
	var out []prefect.Planned
	for _, c := range changes {
		v, ok := s.stored[c.Key]
		out = append(out, prefect.Planned{Change: c, Exists: ok, Differs: ok && v != string(c.Value)})
	}
	return out, nil
}

func (s *fakeStore) Write(_ context.Context, p prefect.Planned, _ bool) (prefect.Action, error) {
	s.mu.Lock()
	s.writes = append(s.writes, p.Key)
	s.mu.Unlock()
	if p.Exists {
		return prefect.ActionUpdate, nil
	}
	return prefect.ActionCreate, nil
}

func TestApplyPolicies(t *testing.T) {
	t.Parallel()
	entries := []Entry{
		{Declared: "new", Change: prefect.Change{Key: "new", Value: json.RawMessage(`"n"`)}},
		{Declared: "same", Change: prefect.Change{Key: "same", Value: json.RawMessage(`"s"`)}},
		{Declared: "changed", Change: prefect.Change{Key: "changed", Value: json.RawMessage(`"c2"`)}},
		{Declared: "absent", Skip: "ABSENT is unset (optional)"},
	}
	for _, tt := range []struct {
		policy config.ExistsPolicy
		dry    bool
		want   []prefect.Action
		writes int
		fails  bool
	}{
		{config.Update, false, []prefect.Action{prefect.ActionCreate, prefect.ActionUnchanged, prefect.ActionUpdate, prefect.ActionSkip}, 2, false},
		{config.Skip, false, []prefect.Action{prefect.ActionCreate, prefect.ActionUnchanged, prefect.ActionSkip, prefect.ActionSkip}, 1, false},
		{config.FailExisting, false, nil, 0, true},
		{config.Update, true, []prefect.Action{prefect.ActionCreate, prefect.ActionUnchanged, prefect.ActionUpdate, prefect.ActionSkip}, 0, false},
	} {
		store := &fakeStore{stored: map[string]string{"same": `"s"`, "changed": `"c1"`}}
		results, err := Apply(context.Background(), store, entries, Options{OnExists: tt.policy, DryRun: tt.dry})
		if (err != nil) != tt.fails || len(store.writes) != tt.writes {
			t.Errorf("%s dry=%v: err %v, writes %v", tt.policy, tt.dry, err, store.writes)
			continue
		}
		for i, r := range results {
			if r.Action != tt.want[i] {
				t.Errorf("%s dry=%v: %s is %s, want %s", tt.policy, tt.dry, r.Declared, r.Action, tt.want[i])
			}
		}
	}
}
