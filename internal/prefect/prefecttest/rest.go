package prefecttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/klauspost/compress/gzhttp"
)

// REST is a fake Prefect 2/3 API serving block documents as Prefect
// 3.4.25 (or, with Version 2.x, 2.20.25) serves them: full documents with
// their schema, Prefect's error bodies, its obfuscation of secret fields
// without include_secrets, and gzip when the client accepts it.
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
	// Version is the server's Prefect version, and the version of the
	// schemas its blocks were registered with: 3.4.25 unless set.
	Version string

	// CSRF turns on CSRF protection, as
	// PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED does: every POST, PATCH
	// and DELETE needs a token from GET /csrf-token.
	CSRF bool

	mu         sync.Mutex
	blocks     []*Block
	variables  map[string]*Variable
	router     routers.Router
	queries    []string
	csrfTokens map[string]string
	raceCreate *Block
	varSeq     int
}

// Block is one block document the fake holds.
type Block struct {
	Slug string // block type slug: secret, aws-credentials, …
	Name string
	// Data is the document's data, a JSON object; nested blocks are
	// inlined, as the server hydrates them.
	Data json.RawMessage
	// SecretFields are the schema's secret_fields: paths such as
	// "aws_secret_access_key", or "service_account_info.*" for a dict.
	SecretFields []string
	// Version is block_schema.version; the server's own when empty.
	Version string
	// Updated is the document's last update; a fixed date when zero.
	Updated time.Time
	// Anonymous marks a document saved with is_anonymous, which the
	// filter leaves out unless asked.
	Anonymous bool
	// SchemaSlug is the type whose schema the document was saved with,
	// when it is not its own (the server checks neither).
	SchemaSlug string
}

// NewREST starts a fake holding Secret blocks: name to the JSON text of
// data.value. When the Prefect OpenAPI schema is found at openAPIPath,
// every request is validated against it. Close it when done.
func NewREST(blocks map[string]string, openAPIPath string) (*REST, error) {
	s := &REST{BasePath: "/api"}
	for k, v := range blocks {
		s.AddSecret(k, v)
	}
	if openAPIPath != "" {
		router, err := loadRouter(openAPIPath)
		if err != nil {
			return nil, err
		}
		s.router = router
	}
	// Prefect's server compresses responses of 500 bytes or more
	// (Starlette's GZipMiddleware) for clients that accept gzip.
	gz, err := gzhttp.NewWrapper(gzhttp.MinSize(500))
	if err != nil {
		return nil, err
	}
	s.Server = httptest.NewServer(gz(http.HandlerFunc(s.serve)))
	return s, nil
}

// AddSecret stores a Secret block whose data.value is the JSON text value.
func (s *REST) AddSecret(name, value string) {
	s.AddBlock(Block{Slug: "secret", Name: name, Data: json.RawMessage(`{"value":` + value + `}`), SecretFields: []string{"value"}})
}

// AddBlock stores a block document, replacing one of the same type and
// name.
func (s *REST) AddBlock(b Block) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.blocks {
		if old.Slug == b.Slug && old.Name == b.Name {
			s.blocks[i] = &b
			return
		}
	}
	s.blocks = append(s.blocks, &b)
}

// AddVariable stores a Prefect Variable whose value is the JSON text
// value, with tags.
func (s *REST) AddVariable(name, value string, tags ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.variables == nil {
		s.variables = map[string]*Variable{}
	}
	s.varSeq++
	s.variables[name] = &Variable{Name: name, Value: json.RawMessage(value), Tags: tags, seq: s.varSeq}
}

func (s *REST) version(b *Block) string {
	switch {
	case b.Version != "":
		return b.Version
	case s.Version != "":
		return s.Version
	}
	return "3.4.25"
}

func (s *REST) find(slug, name string) *Block {
	for _, b := range s.blocks {
		if b.Slug == slug && b.Name == name {
			return b
		}
	}
	return nil
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
func SharedOpenAPIPath() string { return SharedPath("reference", "prefect-openapi.json") }

// SharedPath returns a file of ../shared beside the module root, or ""
// when it is not there (users' checkouts have no shared folder).
func SharedPath(parts ...string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(append([]string{dir, "..", "shared"}, parts...)...)
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
	fault, latency := s.next(r)
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
	// CSRF is checked by a middleware, before a request is validated.
	if !s.csrfOK(w, r) {
		return
	}
	if s.router != nil && !s.validate(r, rest, body) {
		// The write routes answer an invalid request with the server's own
		// validation error; the violation is recorded all the same.
		if rest == "/variables/filter" && r.Method == http.MethodPost {
			s.variablesFilter(w, body)
		} else if !s.writeRoute(w, r, rest, body) {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"exception_message": "Invalid request received.", "exception_detail": []any{}})
		}
		return
	}
	if s.writeRoute(w, r, rest, body) {
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
	case rest == "/variables/filter" && r.Method == http.MethodPost:
		s.variablesFilter(w, body)
	case strings.HasPrefix(rest, "/block_types/slug/") && r.Method == http.MethodGet:
		slug, name, ok := blockPath(rest)
		if !ok {
			detail(w, http.StatusNotFound, "detail", "Not Found")
			return
		}
		s.mu.Lock()
		b := s.find(slug, name)
		var doc map[string]any
		if b != nil {
			doc = s.document(b, r.URL.Query().Get("include_secrets") == "true")
		}
		s.mu.Unlock()
		if b == nil {
			// The same answer for a missing block and for a block type
			// that does not exist.
			detail(w, http.StatusNotFound, "detail", "Block document not found")
			return
		}
		writeJSON(w, http.StatusOK, doc)
	default:
		detail(w, http.StatusNotFound, "detail", "Not Found")
	}
}

// pageRequest decodes a filter request into req, records it, and returns
// its limit as Prefect reads it (200 when absent); it answers the error
// and returns false for a body Prefect refuses.
func (s *REST) pageRequest(w http.ResponseWriter, body []byte, req any, limitField **int) (int, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}") // every field has a default
	}
	if err := json.Unmarshal(body, req); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"exception_message": "Invalid request received."})
		return 0, false
	}
	s.mu.Lock()
	s.queries = append(s.queries, string(body))
	s.mu.Unlock()
	limit := 200
	if *limitField != nil {
		limit = **limitField
	}
	if limit > 200 {
		detail(w, http.StatusUnprocessableEntity, "detail", "Invalid limit: must be less than or equal to 200.")
		return 0, false
	}
	return limit, true
}

// variablesFilter is POST /variables/filter, sorted by name as
// NAME_ASC asks.
func (s *REST) variablesFilter(w http.ResponseWriter, body []byte) {
	var req struct {
		Variables *nameFilter `json:"variables"`
		Limit     *int        `json:"limit"`
		Offset    int         `json:"offset"`
		Sort      *string     `json:"sort"`
	}
	limit, ok := s.pageRequest(w, body, &req, &req.Limit)
	if !ok {
		return
	}
	if req.Sort != nil && !contains([]string{"CREATED_DESC", "UPDATED_DESC", "NAME_DESC", "NAME_ASC"}, *req.Sort) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"exception_message": "Invalid request received.",
			"exception_detail": []any{map[string]any{"type": "enum", "loc": []string{"body", "sort"},
				"msg": "Input should be 'CREATED_DESC', 'UPDATED_DESC', 'NAME_DESC' or 'NAME_ASC'", "input": *req.Sort}}})
		return
	}
	s.mu.Lock()
	names := make([]string, 0, len(s.variables))
	for n := range s.variables {
		if matchesName(req.Variables, n) {
			names = append(names, n)
		}
	}
	sortVariables(names, s.variables, req.Sort)
	out := []any{}
	for i := req.Offset; i < len(names) && len(out) < limit; i++ {
		out = append(out, s.variables[names[i]].json())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// blockPath splits /block_types/slug/<slug>/block_documents/name/<name>.
func blockPath(rest string) (slug, name string, ok bool) {
	tail := strings.TrimPrefix(rest, "/block_types/slug/")
	slug, after, ok := strings.Cut(tail, "/block_documents/name/")
	if !ok || slug == "" || strings.Contains(slug, "/") {
		return "", "", false
	}
	slug, err1 := url.PathUnescape(slug)
	name, err2 := url.PathUnescape(after)
	if err1 != nil || err2 != nil || name == "" {
		return "", "", false
	}
	return slug, name, true
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
		BlockDocuments *nameFilter `json:"block_documents"`
		IncludeSecrets bool        `json:"include_secrets"`
		Limit          *int        `json:"limit"`
		Offset         int         `json:"offset"`
	}
	limit, ok := s.pageRequest(w, body, &req, &req.Limit)
	if !ok {
		return
	}
	if limit < 0 || req.Offset < 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"exception_message": "Invalid request received."})
		return
	}
	var slugs []string
	if req.BlockTypes != nil && req.BlockTypes.Slug != nil {
		slugs = req.BlockTypes.Slug.Any
	}
	s.mu.Lock()
	var matched []*Block
	for _, b := range s.blocks {
		if (slugs == nil || contains(slugs, b.Slug)) && matchesName(req.BlockDocuments, b.Name) && anonymousMatch(req.BlockDocuments, b.Anonymous) {
			matched = append(matched, b)
		}
	}
	// NAME_ASC, Prefect's default sort.
	sort.Slice(matched, func(i, j int) bool {
		if matched[i].Name != matched[j].Name {
			return matched[i].Name < matched[j].Name
		}
		return matched[i].Slug < matched[j].Slug
	})
	docs := []any{}
	for i := req.Offset; i < len(matched) && len(docs) < limit; i++ {
		docs = append(docs, s.document(matched[i], req.IncludeSecrets))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, docs)
}

type nameFilter struct {
	Name *struct {
		Any  []string `json:"any_"`
		Like *string  `json:"like_"`
	} `json:"name"`
	// IsAnonymous is absent (anonymous documents left out), null (all
	// documents) or {"eq_": bool}.
	IsAnonymous json.RawMessage `json:"is_anonymous"`
}

// anonymousMatch applies the filter's is_anonymous as Prefect does.
func anonymousMatch(f *nameFilter, anonymous bool) bool {
	if f == nil || f.IsAnonymous == nil {
		return !anonymous
	}
	var eq struct {
		Eq *bool `json:"eq_"`
	}
	if string(bytes.TrimSpace(f.IsAnonymous)) == "null" || json.Unmarshal(f.IsAnonymous, &eq) != nil || eq.Eq == nil {
		return true
	}
	return *eq.Eq == anonymous
}

// matchesName applies a block_documents.name filter as Prefect does:
// any_ is exact, like_ a case-insensitive substring (SQL ILIKE %x%).
func matchesName(f *nameFilter, name string) bool {
	if f == nil || f.Name == nil {
		return true
	}
	if f.Name.Any != nil && !contains(f.Name.Any, name) {
		return false
	}
	if f.Name.Like != nil && !ilike(name, *f.Name.Like) {
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

// document is a BlockDocument as Prefect serves it, with its schema and
// type. Without include_secrets the secret fields are obfuscated the way
// the server's version does it.
func (s *REST) document(b *Block, includeSecrets bool) map[string]any {
	version := s.version(b)
	// The stored text is served as it is, keeping key order and number
	// spelling; only an obfuscated copy is decoded and written anew.
	var data any = b.Data
	if !includeSecrets && len(b.SecretFields) > 0 {
		var decoded any
		dec := json.NewDecoder(bytes.NewReader(b.Data))
		dec.UseNumber()
		if err := dec.Decode(&decoded); err != nil {
			decoded = map[string]any{}
		}
		for _, path := range b.SecretFields {
			decoded = obfuscate(decoded, strings.Split(path, "."), strings.HasPrefix(version, "2."))
		}
		data = decoded
	}
	updated := b.Updated
	if updated.IsZero() {
		updated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	typeID := uuidFor("type", b.Slug)
	blockType := s.blockType(b.Slug)
	secretFields := b.SecretFields
	if secretFields == nil {
		secretFields = []string{}
	}
	schemaSlug := b.Slug
	if b.SchemaSlug != "" {
		schemaSlug = b.SchemaSlug
	}
	schemaID := uuidFor("schema", schemaSlug+version)
	schema := s.schemaDocument(schemaSlug, version)
	schema["fields"].(map[string]any)["secret_fields"] = secretFields
	return map[string]any{
		"id":                        uuidFor("document", b.Slug+"/"+b.Name),
		"created":                   "2026-01-01T00:00:00Z",
		"updated":                   updated.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"name":                      b.Name,
		"data":                      data,
		"block_schema_id":           schemaID,
		"block_schema":              schema,
		"block_type_id":             typeID,
		"block_type_name":           typeName(b.Slug),
		"block_type":                blockType,
		"block_document_references": map[string]any{},
		"is_anonymous":              b.Anonymous,
	}
}

// obfuscate hides the value at path as Prefect does without
// include_secrets: "********" for it (each entry of a dict for a trailing
// "*"), null kept. Prefect 3.4 leaves a non-empty dict value in clear;
// Prefect 2 hides every value.
func obfuscate(v any, path []string, prefect2 bool) any {
	if len(path) == 0 {
		switch x := v.(type) {
		case nil:
			return nil
		case map[string]any:
			if len(x) > 0 && !prefect2 {
				return x
			}
		}
		return "********"
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if path[0] == "*" {
		// A secret dict (SecretDict): every leaf, at any depth.
		for k, child := range m {
			m[k] = obfuscateLeaves(child)
		}
		return m
	}
	if child, ok := m[path[0]]; ok {
		m[path[0]] = obfuscate(child, path[1:], prefect2)
	}
	return m
}

// obfuscateLeaves hides every leaf of v, keeping nulls.
func obfuscateLeaves(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		for k, c := range x {
			x[k] = obfuscateLeaves(c)
		}
		return x
	}
	return "********"
}

// ilike matches as SQL's ILIKE '%pattern%' does: case-insensitive, with
// _ for any one character and % for any run.
func ilike(name, pattern string) bool {
	var re strings.Builder
	re.WriteString("(?is)")
	for _, r := range pattern {
		switch r {
		case '%':
			re.WriteString(".*")
		case '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	ok, _ := regexp.MatchString(re.String(), name)
	return ok
}

// sortVariables orders names as the filter's sort asks (NAME_ASC unless
// set).
func sortVariables(names []string, vars map[string]*Variable, by *string) {
	order := "NAME_ASC"
	if by != nil {
		order = *by
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := vars[names[i]], vars[names[j]]
		switch order {
		case "NAME_DESC":
			return a.Name > b.Name
		case "CREATED_DESC":
			return a.seq > b.seq
		case "UPDATED_DESC":
			if !a.Updated.Equal(b.Updated) {
				return a.Updated.After(b.Updated)
			}
			return a.seq > b.seq
		}
		return a.Name < b.Name
	})
}

// displayNames are the names of the types the server registers, where
// the slug does not give them.
var displayNames = map[string]string{
	"aws-credentials": "AWS Credentials", "gcp-credentials": "GCP Credentials", "minio-credentials": "MinIO Credentials",
	"github-credentials": "GitHub Credentials", "gitlab-credentials": "GitLab Credentials", "json": "JSON",
}

// typeName turns a slug into the block type's display name.
func typeName(slug string) string {
	if n, ok := displayNames[slug]; ok {
		return n
	}
	parts := strings.Split(slug, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

// uuidFor makes a stable UUID-shaped id from a kind and a key.
func uuidFor(kind, key string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(kind + "\x00" + key))
	x := h.Sum64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(x>>32), uint16(x>>16), uint16(x)&0xfff, uint16(x>>4)&0xfff, x&0xffffffffffff)
}
