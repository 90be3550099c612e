package prefecttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// REST is a fake Prefect 2/3 API serving Secret blocks.
type REST struct {
	*httptest.Server
	faults

	// BasePath is where the API lives: "/api", or
	// "/api/accounts/<id>/workspaces/<id>" as on Prefect Cloud.
	BasePath string
	// APIKey, when set, must arrive as a Bearer token.
	APIKey string
	// AuthString, when set, must arrive as HTTP basic auth.
	AuthString string
	// NoFilterRoute makes POST /block_documents/filter unknown, as behind
	// a proxy that only lets single reads through.
	NoFilterRoute bool

	mu      sync.Mutex
	blocks  map[string]json.RawMessage
	router  routers.Router
	queries []string
}

// NewREST starts a fake holding Secret blocks: name to the JSON text of
// data.value. When the Prefect OpenAPI schema is found at openAPIPath,
// every request is validated against it. Close it when done.
func NewREST(blocks map[string]string, openAPIPath string) (*REST, error) {
	s := &REST{BasePath: "/api", blocks: map[string]json.RawMessage{}}
	for k, v := range blocks {
		s.blocks[k] = json.RawMessage(v)
	}
	if openAPIPath != "" {
		router, err := loadRouter(openAPIPath)
		if err != nil {
			return nil, err
		}
		s.router = router
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

var (
	routerMu    sync.Mutex
	routerCache = map[string]routers.Router{}
)

// loadRouter reads Prefect's OpenAPI schema, whose paths have no /api
// prefix, and serves it under any base path.
func loadRouter(path string) (routers.Router, error) {
	routerMu.Lock()
	defer routerMu.Unlock()
	if r, ok := routerCache[path]; ok {
		return r, nil
	}
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://fake"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	routerCache[path] = r
	return r, nil
}

// SharedOpenAPIPath returns the Prefect OpenAPI schema beside the project
// (../shared/reference/prefect-openapi.json from the module root), or ""
// when it is not there.
func SharedOpenAPIPath() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "reference", "prefect-openapi.json")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// URL returns the API URL a client is configured with.
func (s *REST) URL() string { return s.Server.URL + s.BasePath }

// Validating reports whether requests are checked against the schema.
func (s *REST) Validating() bool { return s.router != nil }

// Bodies returns the filter request bodies received, in order.
func (s *REST) Bodies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func detail(w http.ResponseWriter, status int, key, msg string) {
	writeJSON(w, status, map[string]string{key: msg})
}

func (s *REST) serve(w http.ResponseWriter, r *http.Request) {
	// Reading the body first lets the server notice a client that gives up
	// during a delay.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	fault, latency := s.next()
	if apply(w, r, fault, latency) {
		return
	}
	if !s.authorized(r) {
		if s.AuthString != "" {
			detail(w, http.StatusUnauthorized, "exception_message", "Unauthorized")
		} else {
			detail(w, http.StatusUnauthorized, "detail", "Invalid authentication credentials")
		}
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, s.BasePath)
	if !ok {
		detail(w, http.StatusNotFound, "detail", "Not Found")
		return
	}
	if s.router != nil && !s.validate(r, rest, body) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"exception_message": "Invalid request received.", "exception_detail": []any{}})
		return
	}
	switch {
	case rest == "/block_documents/filter" && !s.NoFilterRoute:
		if r.Method != http.MethodPost {
			detail(w, http.StatusMethodNotAllowed, "detail", "Method Not Allowed")
			return
		}
		if r.ContentLength <= 0 {
			// Prefect Cloud refuses POSTs without a length.
			s.problem("POST without Content-Length")
			detail(w, http.StatusLengthRequired, "detail", "Length Required")
			return
		}
		s.filter(w, body)
	case strings.HasPrefix(rest, "/block_types/slug/secret/block_documents/name/") && r.Method == http.MethodGet:
		name, err := url.PathUnescape(strings.TrimPrefix(rest, "/block_types/slug/secret/block_documents/name/"))
		if err != nil {
			detail(w, http.StatusNotFound, "detail", "Not Found")
			return
		}
		s.mu.Lock()
		v, ok := s.blocks[name]
		s.mu.Unlock()
		if !ok {
			detail(w, http.StatusNotFound, "detail", "Block document not found")
			return
		}
		writeJSON(w, http.StatusOK, blockDoc(name, v, r.URL.Query().Get("include_secrets") == "true"))
	default:
		detail(w, http.StatusNotFound, "detail", "Not Found")
	}
}

func (s *REST) authorized(r *http.Request) bool {
	got := r.Header.Get("Authorization")
	switch {
	case s.AuthString != "":
		return got == "Basic "+base64.StdEncoding.EncodeToString([]byte(s.AuthString))
	case s.APIKey != "":
		return got == "Bearer "+s.APIKey
	}
	return true
}

// validate checks a request against Prefect's OpenAPI schema.
func (s *REST) validate(r *http.Request, rest string, body []byte) bool {
	req := r.Clone(context.Background())
	req.URL = &url.URL{Scheme: "http", Host: "fake", Path: rest, RawQuery: r.URL.RawQuery}
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return true // an unknown route is the server's 404, not a schema violation
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
	if err != nil {
		s.problem(fmt.Sprintf("%s %s violates the OpenAPI schema: %v", r.Method, rest, err))
		return false
	}
	return true
}

func (s *REST) filter(w http.ResponseWriter, body []byte) {
	var req struct {
		BlockTypes *struct {
			Slug *struct {
				Any []string `json:"any_"`
			} `json:"slug"`
		} `json:"block_types"`
		BlockDocuments *struct {
			Name *struct {
				Any  []string `json:"any_"`
				Like *string  `json:"like_"`
			} `json:"name"`
		} `json:"block_documents"`
		IncludeSecrets bool `json:"include_secrets"`
		Limit          *int `json:"limit"`
		Offset         int  `json:"offset"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"exception_message": "Invalid request received."})
		return
	}
	s.mu.Lock()
	s.queries = append(s.queries, string(body))
	s.mu.Unlock()
	limit := 200
	if req.Limit != nil {
		limit = *req.Limit
	}
	if limit > 200 || limit < 0 || req.Offset < 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"exception_message": "Invalid request received.",
			"exception_detail":  []map[string]any{{"loc": []string{"body", "limit"}, "msg": "ensure this value is less than or equal to 200"}},
		})
		return
	}
	secretType := req.BlockTypes != nil && req.BlockTypes.Slug != nil && contains(req.BlockTypes.Slug.Any, "secret")
	if !secretType {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	s.mu.Lock()
	names := make([]string, 0, len(s.blocks))
	for n := range s.blocks {
		if matchesName(req.BlockDocuments, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names) // NAME_ASC, Prefect's default sort
	docs := []any{}
	for i := req.Offset; i < len(names) && len(docs) < limit; i++ {
		docs = append(docs, blockDoc(names[i], s.blocks[names[i]], req.IncludeSecrets))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, docs)
}

// matchesName applies a block_documents.name filter as Prefect does:
// any_ is exact, like_ a case-insensitive substring (SQL ILIKE %x%).
func matchesName(f *struct {
	Name *struct {
		Any  []string `json:"any_"`
		Like *string  `json:"like_"`
	} `json:"name"`
}, name string) bool {
	if f == nil || f.Name == nil {
		return true
	}
	if f.Name.Any != nil && !contains(f.Name.Any, name) {
		return false
	}
	if f.Name.Like != nil && !strings.Contains(strings.ToLower(name), strings.ToLower(*f.Name.Like)) {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// blockDoc is a BlockDocument as Prefect serves it. Without
// include_secrets the value is obfuscated, as Prefect does.
func blockDoc(name string, value json.RawMessage, includeSecrets bool) map[string]any {
	if !includeSecrets {
		value = json.RawMessage(`"********"`)
	}
	return map[string]any{
		"id":                        "7c4b9d6e-0000-4000-8000-" + fmt.Sprintf("%012x", len(name)),
		"created":                   "2026-01-01T00:00:00.000000Z",
		"updated":                   "2026-01-01T00:00:00.000000Z",
		"name":                      name,
		"data":                      map[string]any{"value": value},
		"block_schema_id":           "5a3e6f00-0000-4000-8000-000000000001",
		"block_type_id":             "5a3e6f00-0000-4000-8000-000000000002",
		"block_type_name":           "Secret",
		"block_type":                map[string]any{"id": "5a3e6f00-0000-4000-8000-000000000002", "name": "Secret", "slug": "secret"},
		"block_document_references": map[string]any{},
		"is_anonymous":              false,
	}
}
