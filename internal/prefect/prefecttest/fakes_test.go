package prefecttest

import (
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, body string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestGraphQLFakeRefusesInvalidQueries(t *testing.T) {
	t.Parallel()
	g := NewGraphQL(map[string]string{"A": `"x"`})
	defer g.Close()
	for _, q := range []string{
		`{"query": "{ secret_value }"}`,                                                         // missing argument
		`{"query": "{ secret_value(name: 1) }"}`,                                                // wrong type
		`{"query": "{ no_such_field }"}`,                                                        // unknown field
		`{"query": "query($n: String!) { a: secret_value(name: $n) }"}`,                         // missing variable
		`{"query": "query($n: String!) { a: secret_value(name: $n) ", "variables": {"n": "A"}}`, // syntax
	} {
		before := len(g.Problems())
		post(t, g.URL, q, nil)
		if len(g.Problems()) != before+1 {
			t.Errorf("%s was accepted", q)
		}
	}
	resp := post(t, g.URL, `{"query": "query($n: String!) { a: secret_value(name: $n) }", "variables": {"n": "A"}}`, nil)
	if resp.StatusCode != http.StatusOK || len(g.Problems()) != 5 {
		t.Errorf("a valid query: status %d, problems %v", resp.StatusCode, g.Problems())
	}
}

func TestRESTFakeValidatesAgainstOpenAPI(t *testing.T) {
	t.Parallel()
	path := SharedOpenAPIPath()
	if path == "" {
		t.Skip("../shared/reference/prefect-openapi.json is not beside the project")
	}
	s, err := NewREST(map[string]string{"a": `"x"`}, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Validating() {
		t.Fatal("not validating")
	}
	resp := post(t, s.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": "secret"}}, "limit": "x"}`, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || len(s.Problems()) != 1 {
		t.Errorf("invalid body: status %d, problems %v", resp.StatusCode, s.Problems())
	}
	resp = post(t, s.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "include_secrets": true, "limit": 200, "offset": 0}`, nil)
	if resp.StatusCode != http.StatusOK || len(s.Problems()) != 1 {
		t.Errorf("valid body: status %d, problems %v", resp.StatusCode, s.Problems())
	}
	resp = post(t, s.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "limit": 500}`, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("limit 500: status %d, want 422", resp.StatusCode)
	}
}
