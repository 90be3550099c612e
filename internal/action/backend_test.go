package action

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
	"github.com/prefect-secrets/prefect-secrets-action/internal/vectors"
)

const testKey = "pnu_test-api-key-0123456789"

func newREST(t *testing.T, blocks map[string]string) *prefecttest.REST {
	t.Helper()
	s, err := prefecttest.NewREST(blocks, prefecttest.SharedOpenAPIPath())
	if err != nil {
		t.Fatal(err)
	}
	s.APIKey = testKey
	t.Cleanup(func() {
		s.Close()
		for _, p := range s.Problems() {
			t.Errorf("the REST fake refused a request: %s", p)
		}
	})
	return s
}

func newGraphQL(t *testing.T, secrets map[string]string) *prefecttest.GraphQL {
	t.Helper()
	g := prefecttest.NewGraphQL(secrets)
	g.APIKey = testKey
	t.Cleanup(func() {
		g.Close()
		for _, p := range g.Problems() {
			t.Errorf("the GraphQL fake refused a request: %s", p)
		}
	})
	return g
}

func restEnv(s *prefecttest.REST, secrets string) []string {
	return []string{"HOME=/github/home", "INPUT_BACKEND=rest", "INPUT_API-URL=" + s.URL(), "INPUT_API-KEY=" + testKey, "INPUT_SECRETS=" + secrets}
}

func graphQLEnv(g *prefecttest.GraphQL, secrets string) []string {
	return []string{"HOME=/github/home", "INPUT_BACKEND=graphql", "INPUT_API-URL=" + g.URL, "INPUT_API-KEY=" + testKey, "INPUT_SECRETS=" + secrets}
}

// TestBackendValueVectorsEndToEnd stores every recorded backend value in
// each fake and checks what the action exports for it.
func TestBackendValueVectorsEndToEnd(t *testing.T) {
	t.Parallel()
	cases := vectors.MustBackend(t)
	stored := map[string]string{}
	var names []string
	for i, c := range cases {
		name := fmt.Sprintf("v-%03d", i)
		stored[name] = c.RawJSON
		names = append(names, name)
	}
	decl := strings.Join(names, "\n")
	g := newGraphQL(t, stored)
	s := newREST(t, stored)
	for _, tt := range []struct {
		name string
		env  []string
	}{
		{"graphql", graphQLEnv(g, decl)},
		{"rest", restEnv(s, decl)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runAction(t, invocation{env: append(tt.env, "INPUT_ON-EMPTY=ignore"), runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			for i, c := range cases {
				export := fmt.Sprintf("V_%03d", i)
				got, ok := lookup(r.exported, export, false)
				want := c.Expect
				if tt.name == "rest" {
					want = prefect3Bare(c)
				}
				if !ok || got != want {
					t.Errorf("%s: %s exported %q (%v), want %q", tt.name, c.RawJSON, got, ok, want)
				}
			}
			if !strings.Contains(r.summary, "`"+tt.name+"`") {
				t.Errorf("summary does not name the source:\n%s", r.summary)
			}
		})
	}
}

func TestBackendRequestCounts(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 10, 250, 1000} {
		stored := map[string]string{}
		var names []string
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("secret-%04d", i)
			stored[name] = fmt.Sprintf(`"value-%04d"`, i)
			names = append(names, name)
		}
		decl := strings.Join(names, ",")
		t.Run(fmt.Sprintf("graphql/%d", n), func(t *testing.T) {
			t.Parallel()
			g := newGraphQL(t, stored)
			r := runAction(t, invocation{env: graphQLEnv(g, decl), runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			if got := g.Requests(); got > 2 {
				t.Errorf("%d requests for %d secrets, want at most 2", got, n)
			}
			checkExported(t, r, n)
		})
		t.Run(fmt.Sprintf("rest/%d", n), func(t *testing.T) {
			t.Parallel()
			s := newREST(t, stored)
			r := runAction(t, invocation{env: restEnv(s, decl), runner: true})
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			if got, limit := s.Requests(), (n+199)/200+1; got > limit {
				t.Errorf("%d requests for %d secrets, want at most %d", got, n, limit)
			}
			checkExported(t, r, n)
		})
	}
}

func checkExported(t *testing.T, r result, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		want := fmt.Sprintf("value-%04d", i)
		if got, _ := lookup(r.exported, fmt.Sprintf("SECRET_%04d", i), false); got != want {
			t.Fatalf("SECRET_%04d = %q, want %q", i, got, want)
		}
	}
}

func TestRESTFallsBackToSingleReads(t *testing.T) {
	t.Parallel()
	s := newREST(t, map[string]string{"db-pass": `"fallback-value"`, "other": `"x"`})
	s.NoFilterRoute = true
	r := runAction(t, invocation{env: restEnv(s, "db-pass, gone?"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.exported, "DB_PASS", false); got != "fallback-value" {
		t.Errorf("DB_PASS = %q", got)
	}
	if got, _ := lookup(r.outputs, "secrets-missing", true); got != "gone" {
		t.Errorf("secrets-missing = %q", got)
	}
}

func TestRESTBasicAuthAndCloudURL(t *testing.T) {
	t.Parallel()
	s := newREST(t, map[string]string{"db-pass": `"basic-value"`})
	s.APIKey = ""
	s.AuthString = "admin:pa55word"
	s.BasePath = "/api/accounts/0f0e0d0c-0000-4000-8000-000000000001/workspaces/0f0e0d0c-0000-4000-8000-000000000002"
	env := []string{"INPUT_SECRETS=db-pass", "PREFECT_API_URL=" + s.URL(), "PREFECT_API_AUTH_STRING=admin:pa55word", "PREFECT_API_KEY=ignored-when-auth-string-set"}
	r := runAction(t, invocation{env: env, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.exported, "DB_PASS", false); got != "basic-value" {
		t.Errorf("DB_PASS = %q", got)
	}
	for _, secret := range []string{"admin:pa55word", "ignored-when-auth-string-set"} {
		if !strings.Contains(r.stdout, "::add-mask::"+secret+"\n") {
			t.Errorf("credential %q not masked", secret)
		}
	}
}

func TestGraphQLTenantAndAgentEnvironment(t *testing.T) {
	t.Parallel()
	g := newGraphQL(t, map[string]string{"DB": `{"user": "u", "port": 5432}`})
	g.TenantID = "3c9d4ab5-0000-4000-8000-00000000000a"
	// What a Prefect 1 agent sets up for a flow run selects the backend.
	env := []string{
		"INPUT_SECRETS=DB", "PREFECT__CLOUD__USE_LOCAL_SECRETS=False", "PREFECT__CLOUD__API=" + g.URL,
		"PREFECT__CLOUD__API_KEY=" + testKey, "PREFECT__CLOUD__TENANT_ID=" + g.TenantID,
	}
	r := runAction(t, invocation{env: env, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.exported, "DB", false); got != `{"user": "u", "port": 5432}` {
		t.Errorf("DB = %q", got)
	}
	if !strings.Contains(r.stdout, "::add-mask::"+testKey) {
		t.Error("API key not masked")
	}
}

func TestLocalSourcesWin(t *testing.T) {
	t.Parallel()
	g := newGraphQL(t, map[string]string{"A": `"from-backend-a"`, "B": `"from-backend-b"`})
	env := append(graphQLEnv(g, "A, B"), "PREFECT__CONTEXT__SECRETS__A=from-local-a")
	r := runAction(t, invocation{env: env, runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.exported, "A", false); got != "from-local-a" {
		t.Errorf("A = %q, want the local value", got)
	}
	if got, _ := lookup(r.exported, "B", false); got != "from-backend-b" {
		t.Errorf("B = %q", got)
	}
	for _, q := range g.Queries() {
		if strings.Contains(q, "secret_value") && strings.Count(q, "secret_value") != 1 {
			t.Errorf("the backend was asked for more than B: %s", q)
		}
	}
}

func TestCheckOnlyNeverRequestsValues(t *testing.T) {
	t.Parallel()
	g := newGraphQL(t, map[string]string{"A": `"va1ue-a"`})
	r := runAction(t, invocation{env: append(graphQLEnv(g, "A, MISSING?"), "INPUT_CHECK-ONLY=true"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	for _, q := range g.Queries() {
		if strings.Contains(q, "secret_value") {
			t.Errorf("check-only asked for a value: %s", q)
		}
	}
	if got, _ := lookup(r.outputs, "secrets-found", true); got != "A" {
		t.Errorf("secrets-found = %q", got)
	}

	s := newREST(t, map[string]string{"a": `"va1ue-a"`})
	r = runAction(t, invocation{env: append(restEnv(s, "a, missing?"), "INPUT_CHECK-ONLY=true"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	for _, b := range s.Bodies() {
		if strings.Contains(b, `"include_secrets":true`) {
			t.Errorf("check-only asked for values: %s", b)
		}
	}
	if got, _ := lookup(r.outputs, "secrets-missing", true); got != "missing" {
		t.Errorf("secrets-missing = %q", got)
	}
}

// prefect3Bare is a Prefect 1 vector's value as Prefect 3 prints it: the
// same, but for a bare non-finite float, which Python prints as inf or nan
// where json.dumps writes Infinity or NaN.
func prefect3Bare(c vectors.BackendCase) string {
	v, err := pyvalue.Loads(c.RawJSON)
	if s, ok := v.(pyvalue.Str); err == nil && ok {
		v, err = pyvalue.Loads(string(s))
	}
	if f, ok := v.(pyvalue.Float); err == nil && ok {
		return pyvalue.FloatRepr(float64(f))
	}
	return c.Expect
}

func TestBackendWildcards(t *testing.T) {
	t.Parallel()
	g := newGraphQL(t, map[string]string{"AWS_KEY": `"k3y-value"`, "AWS_SECRET": `"s3cret-value"`, "OTHER": `"x"`, "LD_PRELOAD": `"/evil.so"`})
	r := runAction(t, invocation{env: graphQLEnv(g, "AWS_*, LD_*"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.outputs, "secrets-found", true); got != "AWS_KEY,AWS_SECRET" {
		t.Errorf("secrets-found = %q", got)
	}
	if _, ok := lookup(r.exported, "LD_PRELOAD", false); ok {
		t.Error("LD_PRELOAD exported")
	}
	if g.Requests() != 2 {
		t.Errorf("%d requests, want 2 (names, then values)", g.Requests())
	}

	blocks := map[string]string{}
	for i := 0; i < 450; i++ {
		blocks[fmt.Sprintf("app-%03d", i)] = fmt.Sprintf(`"v%d"`, i)
	}
	blocks["other"] = `"x"`
	s := newREST(t, blocks)
	r = runAction(t, invocation{env: restEnv(s, "app-*"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.exported, "APP_449", false); got != "v449" {
		t.Errorf("APP_449 = %q", got)
	}
	// One round of pages brings names and values together: 450 blocks
	// hold "app-", in pages of 200, 200 and 50.
	if got := s.Requests(); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
}

func TestMissingVersusErrorsFromGraphQL(t *testing.T) {
	t.Parallel()
	g := newGraphQL(t, map[string]string{"A": `"a-value"`, "C": `"c-value"`})
	r := runAction(t, invocation{env: graphQLEnv(g, "A, B?, C"), runner: true})
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.outputs, "secrets-missing", true); got != "B" {
		t.Errorf("secrets-missing = %q", got)
	}
	if got, _ := lookup(r.exported, "C", false); got != "c-value" {
		t.Errorf("C = %q", got)
	}
	r = runAction(t, invocation{env: graphQLEnv(g, "A, B"), runner: true, outputsBefore: earlierOutputs})
	if r.code != ExitFailed || r.outputsRaw != earlierOutputs {
		t.Errorf("required B missing: exit %d, outputs %q", r.code, r.outputsRaw)
	}
}

// TestFaults runs each backend through transient and permanent failures.
func TestFaults(t *testing.T) {
	t.Parallel()
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		name     string
		faults   []prefecttest.Fault
		always   *prefecttest.Fault
		env      []string
		code     int
		requests int    // exact request count, 0 to skip
		message  string // in the error annotation
		attempt  time.Duration
		backoff  time.Duration
	}{
		{name: "500 then success", faults: []prefecttest.Fault{{Status: 500, Body: `{"exception_message": "Internal Server Error"}`}}, code: ExitOK, requests: 2},
		{name: "502 then success", faults: []prefecttest.Fault{{Status: 502}}, code: ExitOK, requests: 2},
		{name: "503 then success", faults: []prefecttest.Fault{{Status: 503}}, code: ExitOK, requests: 2},
		{name: "504 then success", faults: []prefecttest.Fault{{Status: 504}}, code: ExitOK, requests: 2},
		{name: "408 then success", faults: []prefecttest.Fault{{Status: 408}}, code: ExitOK, requests: 2},
		{name: "500 502 503 then success", faults: []prefecttest.Fault{{Status: 500}, {Status: 502}, {Status: 503}}, code: ExitOK, requests: 4},
		{name: "429 with Retry-After then success", faults: []prefecttest.Fault{{Status: 429, Header: retryAfter("1")}}, code: ExitOK, requests: 2},
		{name: "429 with an HTTP-date Retry-After", faults: []prefecttest.Fault{{Status: 429, Header: retryAfter(time.Now().Add(time.Second).UTC().Format(http.TimeFormat))}}, code: ExitOK, requests: 2},
		{name: "permanent 500", always: &prefecttest.Fault{Status: 500, Body: `{"exception_message": "boom"}`}, code: ExitFailed, requests: 4, message: "HTTP 500"},
		{name: "retries 0", always: &prefecttest.Fault{Status: 503}, env: []string{"INPUT_RETRIES=0"}, code: ExitFailed, requests: 1, message: "HTTP 503"},
		{name: "401", faults: []prefecttest.Fault{{Status: 401, Body: `{"detail": "Invalid authentication credentials"}`}}, code: ExitFailed, requests: 1, message: "authentication failed (HTTP 401)"},
		{name: "403", faults: []prefecttest.Fault{{Status: 403, Body: `{"detail": "Forbidden"}`}}, code: ExitFailed, requests: 1, message: "authentication failed (HTTP 403)"},
		{name: "422", faults: []prefecttest.Fault{{Status: 422, Body: `{"exception_message": "Invalid request received."}`}}, code: ExitFailed, requests: 1, message: "HTTP 422"},
		{name: "slower than the attempt timeout, then success", faults: []prefecttest.Fault{{Delay: 2 * time.Second}}, attempt: 200 * time.Millisecond, code: ExitOK, requests: 2},
		{name: "malformed JSON", faults: []prefecttest.Fault{{Malformed: true}}, code: ExitFailed, requests: 1, message: "not"},
		{name: "connection closed without a response", faults: []prefecttest.Fault{{Close: true}}, code: ExitOK, requests: 2},
		{name: "truncated body", faults: []prefecttest.Fault{{Truncate: true}}, code: ExitOK, requests: 2},
		{name: "Retry-After beyond the deadline", faults: []prefecttest.Fault{{Status: 429, Header: retryAfter("120")}}, env: []string{"INPUT_TIMEOUT=2s"}, code: ExitFailed, requests: 1, message: "beyond the timeout"},
		{name: "deadline expires during backoff", always: &prefecttest.Fault{Status: 503}, env: []string{"INPUT_TIMEOUT=300ms"}, backoff: 2 * time.Second, code: ExitFailed, requests: 1, message: "the timeout expired"},
	}
	for _, tt := range tests {
		for _, kind := range []string{"graphql", "rest"} {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var env []string
				var requests func() int
				switch kind {
				case "graphql":
					g := newGraphQL(t, map[string]string{"DB": `"fault-value"`})
					g.Script(tt.faults...)
					if tt.always != nil {
						g.Always(*tt.always)
					}
					env, requests = graphQLEnv(g, "DB"), g.Requests
				default:
					s := newREST(t, map[string]string{"db": `"fault-value"`})
					s.Script(tt.faults...)
					if tt.always != nil {
						s.Always(*tt.always)
					}
					env, requests = restEnv(s, "DB=db"), s.Requests
				}
				r := runAction(t, invocation{
					env: append(tt.env, env...), runner: true, outputsBefore: earlierOutputs, envBefore: earlierEnv,
					attemptTimeout: tt.attempt, backoff: tt.backoff,
				})
				if r.code != tt.code {
					t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stdout)
				}
				if tt.requests != 0 && requests() != tt.requests {
					t.Errorf("%d requests, want %d", requests(), tt.requests)
				}
				if tt.code == ExitOK {
					if got, _ := lookup(r.exported, "DB", false); got != "fault-value" {
						t.Errorf("DB = %q", got)
					}
					return
				}
				if r.outputsRaw != earlierOutputs || r.envRaw != earlierEnv {
					t.Errorf("files changed on failure")
				}
				if !strings.Contains(r.stdout, "::error::"+kind+" backend at 127.0.0.1:") || !strings.Contains(r.stdout, tt.message) {
					t.Errorf("the error does not name the backend host and %q:\n%s", tt.message, r.stdout)
				}
				if strings.Contains(r.stdout, testKey) && !strings.Contains(r.stdout, "::add-mask::"+testKey) {
					t.Error("the API key is printed")
				}
			})
		}
	}
}

func TestTLSWithOwnCA(t *testing.T) {
	t.Parallel()
	g := prefecttest.NewGraphQLTLS(map[string]string{"DB": `"tls-value"`})
	g.APIKey = testKey
	defer g.Close()
	env := graphQLEnv(&prefecttest.GraphQL{Server: g.Server}, "DB")
	r := runAction(t, invocation{env: env, runner: true})
	if r.code != ExitFailed || !strings.Contains(r.stdout, "not trusted") {
		t.Fatalf("without ca-certificate: exit %d\n%s", r.code, r.stdout)
	}
	if g.Requests() != 0 {
		t.Errorf("%d requests reached the server past a failed handshake", g.Requests())
	}
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.Certificate().Raw}))
	r = runAction(t, invocation{env: append(env, "INPUT_CA-CERTIFICATE="+caPEM), runner: true})
	if r.code != ExitOK {
		t.Fatalf("with ca-certificate: exit %d\n%s", r.code, r.stdout)
	}
	if got, _ := lookup(r.exported, "DB", false); got != "tls-value" {
		t.Errorf("DB = %q", got)
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	g := newGraphQL(t, map[string]string{"DB": `"x"`})
	g.Always(prefecttest.Fault{Delay: 30 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	r := runAction(t, invocation{env: graphQLEnv(g, "DB"), runner: true, ctx: ctx, outputsBefore: earlierOutputs})
	if r.code != ExitFailed || !strings.Contains(r.stdout, "cancelled") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancellation took %s", d)
	}
	if r.outputsRaw != earlierOutputs {
		t.Error("files changed on cancellation")
	}
}

func TestAutoBackendSelection(t *testing.T) {
	t.Parallel()
	s := newREST(t, map[string]string{"db": `"rest-value"`})
	g := newGraphQL(t, map[string]string{"DB": `"graphql-value"`})
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"api-url with /api", []string{"INPUT_API-URL=" + s.URL(), "INPUT_API-KEY=" + testKey, "INPUT_SECRETS=DB=db"}, "rest-value"},
		{"api-url without /api", []string{"INPUT_API-URL=" + g.URL, "INPUT_API-KEY=" + testKey, "INPUT_SECRETS=DB"}, "graphql-value"},
		{"PREFECT_API_URL", []string{"PREFECT_API_URL=" + s.URL(), "PREFECT_API_KEY=" + testKey, "INPUT_SECRETS=DB=db"}, "rest-value"},
		{"agent environment", []string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__CLOUD__API=" + g.URL, "PREFECT__CLOUD__API_KEY=" + testKey, "INPUT_SECRETS=DB"}, "graphql-value"},
	}
	for _, tt := range tests {
		r := runAction(t, invocation{env: tt.env, runner: true})
		if got, _ := lookup(r.exported, "DB", false); r.code != ExitOK || got != tt.want {
			t.Errorf("%s: exit %d, DB = %q, want %q\n%s", tt.name, r.code, got, tt.want, r.stdout)
		}
	}
	// Prefect 1 with a server backend never reads Cloud secrets.
	r := runAction(t, invocation{env: []string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__BACKEND=server", "PREFECT__CLOUD__API=" + g.URL, "INPUT_SECRETS=DB"}, runner: true})
	if r.code != ExitFailed || g.Requests() > 2 {
		t.Errorf("server backend: exit %d, %d GraphQL requests", r.code, g.Requests())
	}
}
