package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/vectors"
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

func TestBinaryWriteVariables(t *testing.T) {
	t.Parallel()
	s := writeServer(t)
	s.AddVariable("region", `"eu-west-1"`, "keep-me", "prod")
	s.AddVariable("same", `"unchanged-value"`, "t1")
	f := newStepFiles(t)
	env := f.environ("PREFECT_API_URL="+s.URL(), "REGION=us-east-2", "SAME=unchanged-value", "LIMITS={\"cpu\": 2}", "NEW_VAR=fresh")
	code, stdout, stderr := runBinary(t, env, "write", "--variables", "region, same, new-var")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	outputs := f.read(t, f.output)
	if outputs["updated"] != "region" || outputs["unchanged"] != "same" || outputs["created"] != "new-var" {
		t.Errorf("outputs %v", outputs)
	}
	if v := s.Variable("region"); string(v.Value) != `"us-east-2"` || strings.Join(v.Tags, ",") != "keep-me,prod" {
		t.Errorf("region is %s with tags %v: the tags must be kept", v.Value, v.Tags)
	}
	if v := s.Variable("new-var"); v == nil || string(v.Value) != `"fresh"` || len(v.Tags) != 0 {
		t.Errorf("new-var is %+v", v)
	}
	// value-format json writes the value itself; it reads back as JSON.
	g := newStepFiles(t)
	code, stdout, stderr = runBinary(t, g.environ("PREFECT_API_URL="+s.URL(), "LIMITS={\"cpu\": 2}"), "write", "--variables", "limits", "--value-format", "json")
	if v := s.Variable("limits"); code != 0 || v == nil || string(v.Value) != `{"cpu":2}` {
		t.Errorf("limits: exit %d, %+v\n%s%s", code, v, stdout, stderr)
	}
}

// TestBinaryWriteVariableLimit: the server's limit is 5000 bytes of the
// value's JSON in UTF-8, quotes included; the write refuses a longer one
// before any request, and writes nothing else.
func TestBinaryWriteVariableLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		ok    bool
	}{
		{strings.Repeat("x", 4998), true},
		{strings.Repeat("x", 4999), false},
		{strings.Repeat("é", 2499), true},
		{strings.Repeat("é", 2500), false},
		{strings.Repeat("<", 4998), true}, // written as it is, not as \u003c
	}
	for _, tt := range tests {
		s := writeServer(t)
		f := newStepFiles(t)
		code, stdout, stderr := runBinary(t, f.environ("PREFECT_API_URL="+s.URL(), "BIG="+tt.value, "SMALL=s"), "write", "--variables", "big, small")
		switch {
		case tt.ok && (code != 0 || s.Variable("big") == nil):
			t.Errorf("%d bytes: exit %d\n%s%s", len(tt.value), code, stdout, stderr)
		case !tt.ok && (code != 1 || s.Requests() != 0 || !strings.Contains(stdout, "a Prefect Variable holds at most 5000")):
			t.Errorf("%d bytes: exit %d after %d requests\n%s%s", len(tt.value), code, s.Requests(), stdout, stderr)
		}
	}
}

func TestBinaryWritePrefect1(t *testing.T) {
	t.Parallel()
	g := prefecttest.NewGraphQL(map[string]string{"SAME": `"same-p1"`, "OLD": `"old-p1"`})
	t.Cleanup(g.Close)
	g.APIKey = "p1-key"
	f := newStepFiles(t)
	env := f.environ("PREFECT__CLOUD__API="+g.URL, "PREFECT__CLOUD__API_KEY=p1-key", "SAME=same-p1", "OLD=new-p1", "NEW=created-p1",
		"AWS_ACCESS_KEY_ID=AKIAP1", "AWS_SECRET_ACCESS_KEY=p1-aws-secret")
	code, stdout, stderr := runBinary(t, env, "write", "--backend", "graphql", "--secrets", "SAME, OLD, NEW, AWS_CREDENTIALS@aws")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	outputs := f.read(t, f.output)
	if outputs["unchanged"] != "SAME" || outputs["updated"] != "OLD" || outputs["created"] != "NEW,AWS_CREDENTIALS" {
		t.Errorf("outputs %v", outputs)
	}
	mutations := 0
	for _, q := range g.Queries() {
		if strings.Contains(q, "set_secret") {
			mutations++
		}
	}
	if mutations != 3 {
		t.Errorf("%d set_secret mutations, want 3 (none for the unchanged one)", mutations)
	}
	// What was written reads back through the read path.
	r := newStepFiles(t)
	env = r.environ("PREFECT__CLOUD__API="+g.URL, "PREFECT__CLOUD__API_KEY=p1-key")
	code, stdout, stderr = runBinary(t, env, "--backend", "graphql", "--secrets", "OLD, NEW, AWS_CREDENTIALS@aws")
	got := r.read(t, r.env)
	if code != 0 || got["OLD"] != "new-p1" || got["NEW"] != "created-p1" || got["AWS_ACCESS_KEY_ID"] != "AKIAP1" || got["AWS_SECRET_ACCESS_KEY"] != "p1-aws-secret" {
		t.Errorf("read back: exit %d, %v\n%s%s", code, got, stdout, stderr)
	}
	if p := g.Problems(); len(p) > 0 {
		t.Errorf("the server refused requests: %v", p)
	}
}

// TestBinaryWriteRoundTripsEveryValueClass writes every value class of
// the backend vectors and reads it back through the read path:
//   - as text: a job's exported value, written as a string, reads back
//     byte for byte (rest with Prefect's rendering and raw; graphql raw,
//     since Prefect 1's Secret.get parses a stored string that is JSON);
//   - as JSON into Prefect 1: the stored value itself, written with
//     value-format json, reads back as the vector says Prefect renders it.
func TestBinaryWriteRoundTripsEveryValueClass(t *testing.T) {
	t.Parallel()
	cases := vectors.MustBackend(t)
	var names []string
	var env []string
	for i, c := range cases {
		name := fmt.Sprintf("v-%03d", i)
		names = append(names, name)
		if c.Expect != "" {
			env = append(env, fmt.Sprintf("TEXT_%03d=%s", i, c.Expect))
		}
		if c.RawJSON != "null" { // Prefect 1 stores no null (set_secret's JSON!)
			env = append(env, fmt.Sprintf("JSON_%03d=%s", i, c.RawJSON))
		}
	}
	decl := func(prefix string, gql bool) string {
		var d []string
		for i, n := range names {
			if gql {
				n = strings.ToUpper(strings.ReplaceAll(n, "-", "_"))
			}
			d = append(d, fmt.Sprintf("%s_%03d=%s?", prefix, i, n))
		}
		return strings.Join(d, "\n")
	}
	readBack := func(t *testing.T, env []string, args ...string) map[string]string {
		t.Helper()
		f := newStepFiles(t)
		code, stdout, stderr := runBinary(t, f.environ(env...), args...)
		if code != 0 {
			t.Fatalf("read: exit %d\n%s%s", code, stdout, stderr)
		}
		return f.read(t, f.output)
	}

	t.Run("rest text", func(t *testing.T) {
		t.Parallel()
		s := writeServer(t)
		f := newStepFiles(t)
		if code, stdout, stderr := runBinary(t, f.environ(append(env, "PREFECT_API_URL="+s.URL())...), "write", "--secrets", decl("TEXT", false)); code != 0 {
			t.Fatalf("write: exit %d\n%s%s", code, stdout, stderr)
		}
		raw := readBack(t, []string{"PREFECT_API_URL=" + s.URL()}, "--secrets", decl("TEXT", false), "--value-format", "raw")
		rendered := readBack(t, []string{"PREFECT_API_URL=" + s.URL()}, "--secrets", decl("TEXT", false))
		changed := 0
		for i, c := range cases {
			if c.Expect == "" {
				continue // an empty value is never written
			}
			k := fmt.Sprintf("TEXT_%03d", i)
			if raw[k] != c.Expect {
				t.Errorf("%s: stored %q, wrote %q", k, raw[k], c.Expect)
			}
			// Prefect 3's Secret.get parses a stored string that is JSON,
			// so a few texts (NaN, Infinity) come back as Python prints
			// them; every other one comes back as written.
			stored, _ := json.Marshal(c.Expect)
			want, _, err := prefect.RenderBackendValue(stored, prefect.FormatPrefect, prefect.Prefect3)
			if err != nil || rendered[k] != want {
				t.Errorf("%s: read back %q, Prefect 3 gives %q (%v)", k, rendered[k], want, err)
			}
			if want != c.Expect {
				changed++
			}
		}
		if changed > 5 {
			t.Errorf("%d texts change through Prefect's rendering", changed)
		}
	})
	t.Run("graphql", func(t *testing.T) {
		t.Parallel()
		g := prefecttest.NewGraphQL(nil)
		t.Cleanup(g.Close)
		base := []string{"PREFECT__CLOUD__API=" + g.URL}
		f := newStepFiles(t)
		if code, stdout, stderr := runBinary(t, f.environ(append(env, base...)...), "write", "--backend", "graphql", "--secrets", decl("TEXT", true)); code != 0 {
			t.Fatalf("write text: exit %d\n%s%s", code, stdout, stderr)
		}
		got := readBack(t, base, "--backend", "graphql", "--secrets", decl("TEXT", true), "--value-format", "raw")
		for i, c := range cases {
			if k := fmt.Sprintf("TEXT_%03d", i); c.Expect != "" && got[k] != c.Expect {
				t.Errorf("%s: read back %q, wrote %q", k, got[k], c.Expect)
			}
		}
		g2 := prefecttest.NewGraphQL(nil)
		t.Cleanup(g2.Close)
		base = []string{"PREFECT__CLOUD__API=" + g2.URL}
		f = newStepFiles(t)
		if code, stdout, stderr := runBinary(t, f.environ(append(env, base...)...), "write", "--backend", "graphql", "--value-format", "json", "--secrets", decl("JSON", true)); code != 0 {
			t.Fatalf("write json: exit %d\n%s%s", code, stdout, stderr)
		}
		got = readBack(t, base, "--backend", "graphql", "--secrets", decl("JSON", true), "--on-empty", "ignore")
		for i, c := range cases {
			// Objects compare as values: the fake, like a JSON column, does
			// not keep key order.
			if k := fmt.Sprintf("JSON_%03d", i); c.RawJSON != "null" && got[k] != c.Expect && !sameJSONValue(got[k], c.Expect) {
				t.Errorf("%s: stored %s reads back %q, Prefect gives %q", k, c.RawJSON, got[k], c.Expect)
			}
		}
	})
}

// sameJSONValue reports whether two texts are JSON objects or arrays that
// hold the same value.
func sameJSONValue(a, b string) bool {
	var va, vb any
	if !strings.HasPrefix(a, "{") || json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// TestBinaryWriteProfilesBothWays writes a block from the variables a
// profile exports, reads it back through the same profile, and compares:
// a written block exports the variables it was written from.
func TestBinaryWriteProfilesBothWays(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(keyFile, []byte(`{"type": "service_account", "project_id": "proj-1", "private_key": "gcp-private-key-text", "client_email": "ci@proj-1.iam"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		entry string
		env   map[string]string
	}{
		{"aws-credentials/ci@aws", map[string]string{"AWS_ACCESS_KEY_ID": "AKIAWRITE", "AWS_SECRET_ACCESS_KEY": "aws-written-secret", "AWS_SESSION_TOKEN": "aws-session", "AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1"}},
		{"minio-credentials/ci@aws", map[string]string{"AWS_ACCESS_KEY_ID": "minio-user", "AWS_SECRET_ACCESS_KEY": "minio-written-secret"}},
		{"github-credentials/ci", map[string]string{"GH_TOKEN": "ghp_writtentoken"}},
		{"gitlab-credentials/ci@gitlab", map[string]string{"GITLAB_TOKEN": "glpat-written", "GITLAB_HOST": "https://gitlab.example"}},
		{"docker-registry-credentials/ci@docker", map[string]string{"DOCKER_USERNAME": "ci-bot", "DOCKER_PASSWORD": "docker-written", "DOCKER_REGISTRY": "registry.example"}},
		{"databricks-credentials/ci@databricks", map[string]string{"DATABRICKS_HOST": "https://dbc.example", "DATABRICKS_TOKEN": "dapi-written"}},
		{"slack-webhook/ci@slack", map[string]string{"SLACK_WEBHOOK_URL": "https://hooks.slack.example/T/B/written"}},
		{"slack-credentials/ci@slack", map[string]string{"SLACK_BOT_TOKEN": "xoxb-written"}},
		{"gcp-credentials/ci@gcp", map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": keyFile, "GOOGLE_CLOUD_PROJECT": "proj-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			t.Parallel()
			s := writeServer(t)
			var env []string
			for k, v := range tt.env {
				env = append(env, k+"="+v)
			}
			f := newStepFiles(t)
			code, stdout, stderr := runBinary(t, f.environ(append(env, "PREFECT_API_URL="+s.URL())...), "write", "--secrets", tt.entry)
			if code != 0 || f.read(t, f.output)["created"] == "" {
				t.Fatalf("write: exit %d\n%s%s", code, stdout, stderr)
			}
			// Writing again changes nothing.
			g := newStepFiles(t)
			code, stdout, stderr = runBinary(t, g.environ(append(env, "PREFECT_API_URL="+s.URL())...), "write", "--secrets", tt.entry)
			if code != 0 || g.read(t, g.output)["unchanged"] == "" {
				t.Errorf("second write: exit %d, outputs %v\n%s%s", code, g.read(t, g.output), stdout, stderr)
			}
			r := newStepFiles(t)
			code, stdout, stderr = runBinary(t, r.environ("PREFECT_API_URL="+s.URL()), "--secrets", tt.entry)
			if code != 0 {
				t.Fatalf("read: exit %d\n%s%s", code, stdout, stderr)
			}
			got := r.read(t, r.env)
			for k, want := range tt.env {
				if k == "GOOGLE_APPLICATION_CREDENTIALS" {
					data, err := os.ReadFile(got[k])
					if !sameJSONValue(string(data), string(mustRead(t, want))) || err != nil {
						t.Errorf("the key file reads %s, wrote %s (%v)", data, mustRead(t, want), err)
					}
					continue
				}
				if got[k] != want {
					t.Errorf("%s: read back %q, wrote %q", k, got[k], want)
				}
			}
		})
	}
}

func TestBinaryWriteKeepsFieldsNotGiven(t *testing.T) {
	t.Parallel()
	s := writeServer(t)
	s.AddBlock(prefecttest.Block{Slug: "aws-credentials", Name: "prod", SecretFields: []string{"aws_secret_access_key"},
		Data: json.RawMessage(`{"aws_access_key_id": "AKIAOLD", "aws_secret_access_key": "old-secret", "region_name": "us-west-2", "profile_name": "kept"}`)})
	f := newStepFiles(t)
	env := f.environ("PREFECT_API_URL="+s.URL(), "AWS_ACCESS_KEY_ID=AKIANEW", "AWS_SECRET_ACCESS_KEY=new-secret")
	if code, stdout, stderr := runBinary(t, env, "write", "--secrets", "aws-credentials/prod"); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var data map[string]any
	_ = json.Unmarshal(s.Block("aws-credentials", "prod").Data, &data)
	want := map[string]any{"aws_access_key_id": "AKIANEW", "aws_secret_access_key": "new-secret", "region_name": "us-west-2", "profile_name": "kept"}
	if !reflect.DeepEqual(data, want) {
		t.Errorf("data %v, want %v: fields not given are kept", data, want)
	}
}

func TestBinaryWriteRefusesWhatTheSchemaRefuses(t *testing.T) {
	t.Parallel()
	s := writeServer(t)
	s.Version = "2.20.25" // a Prefect 2 Secret holds a string only
	f := newStepFiles(t)
	env := f.environ("PREFECT_API_URL="+s.URL(), "CONF={\"a\": 1}", `OK="fine"`)
	code, stdout, stderr := runBinary(t, env, "write", "--secrets", "CONF=conf, OK=ok", "--value-format", "json")
	if code != 1 || !strings.Contains(stdout, `does not allow an object for field "value"`) || s.Block("secret", "ok") != nil {
		t.Errorf("exit %d, ok written: %v\n%s%s", code, s.Block("secret", "ok") != nil, stdout, stderr)
	}
	g := newStepFiles(t)
	env = g.environ("PREFECT_API_URL="+s.URL(), "DOCKER_USERNAME=u", "DOCKER_PASSWORD=p-docker")
	code, stdout, stderr = runBinary(t, env, "write", "--secrets", "docker-registry-credentials/ci@docker")
	if code != 1 || !strings.Contains(stdout, `requires field "registry_url"`) {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	h := newStepFiles(t)
	code, stdout, stderr = runBinary(t, h.environ("PREFECT_API_URL="+s.URL(), "X={}"), "write", "--secrets", "X=no-such-type/x")
	if code != 1 || !strings.Contains(stdout, `the server has no block type "no-such-type"`) {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}
