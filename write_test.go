package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
)

// writeServer is a REST fake that checks every request against Prefect's
// OpenAPI schema when it is beside the project.
func writeServer(t *testing.T) *prefecttest.REST {
	t.Helper()
	s, err := prefecttest.NewREST(nil, prefecttest.SharedOpenAPIPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p := s.Problems(); len(p) > 0 {
			t.Errorf("the server refused requests: %v", p)
		}
		s.Close()
	})
	return s
}

// secretValue is the stored data.value of a Secret block, or "<none>".
func secretValue(t *testing.T, s *prefecttest.REST, name string) string {
	t.Helper()
	b := s.Block("secret", name)
	if b == nil {
		return "<none>"
	}
	var data struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b.Data, &data); err != nil {
		t.Fatal(err)
	}
	return string(data.Value)
}

func TestBinaryWriteSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		stored   map[string]string // Secret blocks before: name to JSON value
		env      []string
		args     []string
		code     int
		after    map[string]string
		outputs  map[string]string
		requests int // 0: not checked
	}{
		{
			name: "create", env: []string{"DB=s3cr3t-one", "API_TOKEN=tok-two"},
			args: []string{"--secrets", "DB=db-password, api-token"}, code: 0,
			after:   map[string]string{"db-password": `"s3cr3t-one"`, "api-token": `"tok-two"`},
			outputs: map[string]string{"created": "db-password,api-token", "updated": "", "unchanged": "", "skipped": "", "failed": ""},
		},
		{
			name: "unchanged costs one request", stored: map[string]string{"db-password": `"same-value"`},
			env: []string{"DB_PASSWORD=same-value"}, args: []string{"--secrets", "db-password"}, code: 0,
			after: map[string]string{"db-password": `"same-value"`}, outputs: map[string]string{"unchanged": "db-password"}, requests: 1,
		},
		{
			name: "update", stored: map[string]string{"db-password": `"old-value"`},
			env: []string{"DB_PASSWORD=new-value"}, args: []string{"--secrets", "db-password"}, code: 0,
			after: map[string]string{"db-password": `"new-value"`}, outputs: map[string]string{"updated": "db-password"}, requests: 2,
		},
		{
			name: "skip", stored: map[string]string{"db-password": `"old-value"`},
			env: []string{"DB_PASSWORD=new-value", "OTHER=o-value"}, args: []string{"--secrets", "db-password, OTHER=other", "--on-exists", "skip"}, code: 0,
			after: map[string]string{"db-password": `"old-value"`, "other": `"o-value"`}, outputs: map[string]string{"skipped": "db-password", "created": "other"},
		},
		{
			name: "fail writes nothing", stored: map[string]string{"db-password": `"old-value"`},
			env: []string{"DB_PASSWORD=new-value", "OTHER=o-value"}, args: []string{"--secrets", "db-password, OTHER=other", "--on-exists", "fail"}, code: 1,
			after: map[string]string{"db-password": `"old-value"`, "other": "<none>"}, outputs: map[string]string{"failed": "db-password,other"},
		},
		{
			name: "dry run writes nothing", stored: map[string]string{"db-password": `"old-value"`, "same": `"s-value"`},
			env: []string{"DB_PASSWORD=new-value", "OTHER=o-value", "SAME=s-value"}, args: []string{"--secrets", "db-password, OTHER=other, same", "--dry-run"}, code: 0,
			after:   map[string]string{"db-password": `"old-value"`, "other": "<none>"},
			outputs: map[string]string{"updated": "db-password", "created": "other", "unchanged": "same"},
		},
		{
			name: "missing source writes nothing", env: []string{"OTHER=o-value"},
			args: []string{"--secrets", "db-password, OTHER=other"}, code: 1,
			after: map[string]string{"db-password": "<none>", "other": "<none>"}, requests: -1,
		},
		{
			name: "optional missing source is skipped", env: []string{"OTHER=o-value"},
			args: []string{"--secrets", "db-password?, OTHER=other"}, code: 0,
			after: map[string]string{"db-password": "<none>", "other": `"o-value"`}, outputs: map[string]string{"skipped": "db-password", "created": "other"},
		},
		{
			name: "on-missing warn skips", env: []string{"OTHER=o-value", "EMPTY="},
			args: []string{"--secrets", "EMPTY=db-password, OTHER=other", "--on-missing", "warn"}, code: 0,
			after: map[string]string{"db-password": "<none>", "other": `"o-value"`}, outputs: map[string]string{"skipped": "db-password", "created": "other"},
		},
		{
			name: "the mask text is refused", env: []string{"DB_PASSWORD=********"},
			args: []string{"--secrets", "db-password"}, code: 1, after: map[string]string{"db-password": "<none>"}, requests: -1,
		},
		{
			name: "json value", env: []string{"DB={\"user\": \"u\", \"password\": \"p-secret\"}"},
			args: []string{"--secrets", "DB=db", "--value-format", "json"}, code: 0,
			after: map[string]string{"db": `{"user":"u","password":"p-secret"}`}, outputs: map[string]string{"created": "db"},
		},
		{
			name: "bad name is a usage error", env: []string{"DB=x"},
			args: []string{"--secrets", "DB=Bad_Name"}, code: 2, requests: -1,
		},
		{
			name: "two entries for one target", env: []string{"A=x", "B=y"},
			args: []string{"--secrets", "A=db, B=db"}, code: 2, requests: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := writeServer(t)
			for k, v := range tt.stored {
				s.AddSecret(k, v)
			}
			f := newStepFiles(t)
			env := f.environ(append([]string{"PREFECT_API_URL=" + s.URL()}, tt.env...)...)
			code, stdout, stderr := runBinary(t, env, append([]string{"write"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for name, want := range tt.after {
				if got := secretValue(t, s, name); got != want {
					t.Errorf("%s holds %s, want %s", name, got, want)
				}
			}
			outputs := f.read(t, f.output)
			for name, want := range tt.outputs {
				if outputs[name] != want {
					t.Errorf("output %s = %q, want %q", name, outputs[name], want)
				}
			}
			switch {
			case tt.requests > 0 && s.Requests() != tt.requests:
				t.Errorf("%d requests, want %d: %v", s.Requests(), tt.requests, s.Log())
			case tt.requests < 0 && s.Requests() != 0:
				t.Errorf("%d requests before the inputs were refused: %v", s.Requests(), s.Log())
			}
			log := stderr + withoutMasks(stdout)
			for _, v := range []string{"s3cr3t-one", "tok-two", "new-value", "o-value", "p-secret"} {
				if strings.Contains(log, v) {
					t.Errorf("the log shows %q:\n%s", v, log)
				}
			}
		})
	}
}

func TestBinaryWriteMasksFirst(t *testing.T) {
	t.Parallel()
	s := writeServer(t)
	f := newStepFiles(t)
	code, stdout, stderr := runBinary(t, f.environ("PREFECT_API_URL="+s.URL(), "DB=first-value"), "write", "--secrets", "DB=db")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "::add-mask::first-value\n") {
		t.Errorf("the mask is not the first line:\n%s", stdout)
	}
	data, _ := os.ReadFile(filepath.Join(f.dir, "output"))
	if strings.Contains(string(data), "first-value") {
		t.Errorf("an output holds the value")
	}
}

// withoutMasks drops the ::add-mask:: lines of a log, which are the only
// lines allowed to hold values.
func withoutMasks(log string) string {
	var kept []string
	for _, line := range strings.Split(log, "\n") {
		if !strings.HasPrefix(line, "::add-mask::") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

func TestBinaryWriteServersAsTheyAre(t *testing.T) {
	t.Parallel()
	t.Run("csrf", func(t *testing.T) {
		t.Parallel()
		s := writeServer(t)
		s.CSRF = true
		s.AddSecret("existing", `"csrf-read-value"`)
		f := newStepFiles(t)
		env := f.environ("PREFECT_API_URL="+s.URL(), "NEW_ONE=csrf-new-value")
		code, stdout, stderr := runBinary(t, env, "write", "--secrets", "new-one")
		if code != 0 || secretValue(t, s, "new-one") != `"csrf-new-value"` {
			t.Fatalf("write: exit %d, stored %s\n%s%s", code, secretValue(t, s, "new-one"), stdout, stderr)
		}
		tokens := 0
		for _, l := range s.Log() {
			if strings.HasPrefix(l, "GET /api/csrf-token?client=") {
				tokens++
			}
		}
		if tokens != 1 {
			t.Errorf("%d token requests, want 1: %v", tokens, s.Log())
		}
		// Reads go through the same filter route, which needs the token too.
		g := newStepFiles(t)
		code, stdout, stderr = runBinary(t, g.environ("PREFECT_API_URL="+s.URL()), "--secrets", "existing")
		if code != 0 || g.read(t, g.output)["EXISTING"] != "csrf-read-value" {
			t.Errorf("read: exit %d\n%s%s", code, stdout, stderr)
		}
	})
	t.Run("basic auth", func(t *testing.T) {
		t.Parallel()
		s := writeServer(t)
		s.AuthString = "ci:pa:ss"
		f := newStepFiles(t)
		env := f.environ("PREFECT_API_URL="+s.URL(), "PREFECT_API_AUTH_STRING=ci:pa:ss", "TOKEN=auth-value")
		if code, stdout, stderr := runBinary(t, env, "write", "--secrets", "TOKEN=token"); code != 0 || secretValue(t, s, "token") != `"auth-value"` {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		g := newStepFiles(t)
		env = g.environ("PREFECT_API_URL="+s.URL(), "PREFECT_API_AUTH_STRING=ci:wrong", "TOKEN=other-value")
		code, stdout, stderr := runBinary(t, env, "write", "--secrets", "TOKEN=token")
		if code != 1 || !strings.Contains(stdout+stderr, "authentication failed (HTTP 401)") || strings.Contains(withoutMasks(stdout)+stderr, "ci:wrong") {
			t.Errorf("wrong password: exit %d\n%s%s", code, stdout, stderr)
		}
		if secretValue(t, s, "token") != `"auth-value"` {
			t.Errorf("the value changed")
		}
	})
	t.Run("a 503 race then 409 goes on to update", func(t *testing.T) {
		t.Parallel()
		s := writeServer(t)
		// Another writer's POST takes the lock: ours is answered 503, and
		// its retry finds the name taken.
		s.RaceNextCreate(prefecttest.Block{Slug: "secret", Name: "raced", Data: json.RawMessage(`{"value":"theirs"}`), SecretFields: []string{"value"}})
		f := newStepFiles(t)
		code, stdout, stderr := runBinary(t, f.environ("PREFECT_API_URL="+s.URL(), "RACED=ours-value"), "write", "--secrets", "raced")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if got := secretValue(t, s, "raced"); got != `"ours-value"` {
			t.Errorf("raced holds %s: the last writer should win", got)
		}
		if got := f.read(t, f.output)["updated"]; got != "raced" {
			t.Errorf("updated = %q; log %v", got, s.Log())
		}
		want := []string{"POST /api/block_documents/filter", "GET /api/block_types/slug/secret", "POST /api/block_schemas/filter",
			"POST /api/block_documents/", "POST /api/block_documents/",
			"GET /api/block_types/slug/secret/block_documents/name/raced?include_secrets=true", "PATCH /api/block_documents/"}
		log := s.Log()
		if len(log) != len(want) {
			t.Fatalf("requests %v, want %v", log, want)
		}
		for i := range want {
			if !strings.HasPrefix(log[i], want[i]) {
				t.Errorf("request %d is %q, want %q", i, log[i], want[i])
			}
		}
	})
	t.Run("on-exists skip after a race", func(t *testing.T) {
		t.Parallel()
		s := writeServer(t)
		s.RaceNextCreate(prefecttest.Block{Slug: "secret", Name: "raced", Data: json.RawMessage(`{"value":"theirs"}`), SecretFields: []string{"value"}})
		f := newStepFiles(t)
		code, stdout, stderr := runBinary(t, f.environ("PREFECT_API_URL="+s.URL(), "RACED=ours"), "write", "--secrets", "raced", "--on-exists", "skip")
		if code != 0 || secretValue(t, s, "raced") != `"theirs"` || f.read(t, f.output)["skipped"] != "raced" {
			t.Errorf("exit %d, stored %s\n%s%s", code, secretValue(t, s, "raced"), stdout, stderr)
		}
	})
	t.Run("a failure midway says what was written", func(t *testing.T) {
		t.Parallel()
		s := writeServer(t)
		s.AddSecret("a-same", `"same"`)
		s.AddSecret("b-exists", `"old"`)
		f := newStepFiles(t)
		// The read succeeds; then the server refuses every write.
		s.Script(prefecttest.Fault{})
		s.Always(prefecttest.Fault{Status: 403, Body: `{"detail":"Not allowed to write blocks"}`})
		env := f.environ("PREFECT_API_URL="+s.URL(), "A_SAME=same", "B_EXISTS=new")
		code, stdout, stderr := runBinary(t, env, "write", "--secrets", "a-same, b-exists")
		outputs := f.read(t, f.output)
		if code != 1 || outputs["failed"] != "b-exists" || outputs["unchanged"] != "a-same" {
			t.Errorf("exit %d, outputs %v\n%s%s", code, outputs, stdout, stderr)
		}
		if !strings.Contains(stdout, "b-exists (Secret block b-exists): rest backend at") || !strings.Contains(stdout, "HTTP 403") {
			t.Errorf("the error does not name the entry and the status:\n%s", stdout)
		}
	})
}
