package prefecttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The write routes, as Prefect 3.4.25 answers them: block types and
// schemas looked up, documents created (201, 409, 422), patched with a
// top-level merge that keeps a secret field sent as "********" (204),
// read and deleted by id; Variables created, patched in part, read and
// deleted by name; and CSRF tokens when CSRF is on.

// schemaSpec is a block type's schema as the fake serves it.
type schemaSpec struct {
	version    string
	properties map[string]any
	required   []string
	secret     []string
}

func optional(t string, secret bool) map[string]any {
	first := map[string]any{"type": t}
	if secret {
		first = map[string]any{"type": t, "format": "password", "writeOnly": true}
	}
	return map[string]any{"anyOf": []any{first, map[string]any{"type": "null"}}, "default": nil}
}

func plain(t string, secret bool) map[string]any {
	if secret {
		return map[string]any{"type": t, "format": "password", "writeOnly": true}
	}
	return map[string]any{"type": t}
}

// knownSchemas are the schemas of the block types a bare Prefect 3.4.25
// server registers at start-up (collection_blocks_data.json), as far as
// the fields go.
var knownSchemas = map[string]schemaSpec{
	"aws-credentials": {version: "0.4.14", secret: []string{"aws_secret_access_key"}, properties: map[string]any{
		"aws_access_key_id": optional("string", false), "aws_secret_access_key": optional("string", true),
		"aws_session_token": optional("string", false), "profile_name": optional("string", false),
		"region_name": optional("string", false), "aws_client_parameters": plain("object", false),
	}},
	"minio-credentials": {version: "0.4.14", secret: []string{"minio_root_password"}, required: []string{"minio_root_user", "minio_root_password"}, properties: map[string]any{
		"minio_root_user": plain("string", false), "minio_root_password": plain("string", true),
		"region_name": optional("string", false), "aws_client_parameters": plain("object", false),
	}},
	"gcp-credentials": {version: "0.6.12", secret: []string{"service_account_info.*"}, properties: map[string]any{
		"service_account_file": optional("string", false), "service_account_info": optional("object", false),
		"project": optional("string", false),
	}},
	"github-credentials": {version: "0.3.2", secret: []string{"token"}, properties: map[string]any{"token": optional("string", true)}},
	"gitlab-credentials": {version: "0.3.1", secret: []string{"token"}, properties: map[string]any{"token": optional("string", true), "url": optional("string", false)}},
	"docker-registry-credentials": {version: "0.6.6", secret: []string{"password"}, required: []string{"username", "password", "registry_url"}, properties: map[string]any{
		"username": plain("string", false), "password": plain("string", true), "registry_url": plain("string", false), "reauth": plain("boolean", false),
	}},
	"databricks-credentials": {version: "0.3.1", secret: []string{"token", "client_secret"}, required: []string{"databricks_instance"}, properties: map[string]any{
		"databricks_instance": plain("string", false), "token": optional("string", true), "client_id": optional("string", false),
		"client_secret": optional("string", true), "tenant_id": optional("string", false), "client_kwargs": optional("object", false),
	}},
	"slack-webhook":          {version: "3.4.25", secret: []string{"url"}, required: []string{"url"}, properties: map[string]any{"url": plain("string", true)}},
	"slack-incoming-webhook": {version: "0.3.1", secret: []string{"url"}, required: []string{"url"}, properties: map[string]any{"url": plain("string", true)}},
	"slack-credentials":      {version: "0.3.1", secret: []string{"token"}, required: []string{"token"}, properties: map[string]any{"token": plain("string", true)}},
	"string":                 {version: "3.4.25", required: []string{"value"}, properties: map[string]any{"value": plain("string", false)}},
	"json":                   {version: "3.4.25", required: []string{"value"}, properties: map[string]any{"value": map[string]any{}}},
}

// schemaFor returns the schema of slug at version: a Secret's as the
// server's generation writes it, a known type's, or one with no
// properties (which accepts anything) for a type the fake was only given
// documents of.
func (s *REST) schemaFor(slug, version string) schemaSpec {
	if slug == "secret" {
		value := map[string]any{"anyOf": []any{
			map[string]any{"format": "password", "type": "string", "writeOnly": true},
			map[string]any{"title": "string", "type": "string"},
			map[string]any{"$ref": "#/definitions/JsonValue", "title": "JSON"},
		}, "format": "password", "title": "Value", "writeOnly": true}
		if strings.HasPrefix(version, "2.") {
			// Prefect 2's Secret holds a SecretStr only.
			value = map[string]any{"format": "password", "title": "Value", "type": "string", "writeOnly": true}
		}
		return schemaSpec{version: version, properties: map[string]any{"value": value}, required: []string{"value"}, secret: []string{"value"}}
	}
	if k, ok := knownSchemas[slug]; ok {
		return k
	}
	return schemaSpec{version: version, properties: map[string]any{}}
}

// typeExists reports whether the server has the block type: a known one,
// or one it holds documents of.
func (s *REST) typeExists(slug string) bool {
	if slug == "secret" {
		return true
	}
	if _, ok := knownSchemas[slug]; ok {
		return true
	}
	for _, b := range s.blocks {
		if b.Slug == slug {
			return true
		}
	}
	return false
}

func (s *REST) slugOfType(id string) string {
	for _, slug := range s.allSlugs() {
		if uuidFor("type", slug) == id {
			return slug
		}
	}
	return ""
}

func (s *REST) allSlugs() []string {
	seen := map[string]bool{"secret": true}
	for slug := range knownSchemas {
		seen[slug] = true
	}
	for _, b := range s.blocks {
		seen[b.Slug] = true
	}
	out := make([]string, 0, len(seen))
	for slug := range seen {
		out = append(out, slug)
	}
	sort.Strings(out)
	return out
}

// schemaVersion is the version of the schema a new document of slug is
// written with, the type's newest.
func (s *REST) schemaVersion(slug string) string {
	if slug == "secret" {
		return s.version(&Block{})
	}
	if k, ok := knownSchemas[slug]; ok {
		return k.version
	}
	return s.version(&Block{})
}

func (s *REST) blockType(slug string) map[string]any {
	return map[string]any{
		"id": uuidFor("type", slug), "created": "2025-11-01T00:00:00Z", "updated": "2025-11-01T00:00:00Z",
		"name": typeName(slug), "slug": slug, "logo_url": nil, "documentation_url": nil,
		"description": "A block of type " + slug + ".", "code_example": nil, "is_protected": slug == "secret",
	}
}

func (s *REST) schemaDocument(slug, version string) map[string]any {
	spec := s.schemaFor(slug, version)
	secret := spec.secret
	if secret == nil {
		secret = []string{}
	}
	required := spec.required
	if required == nil {
		required = []string{}
	}
	id := uuidFor("schema", slug+version)
	return map[string]any{
		"id": id, "created": "2025-11-01T00:00:00Z", "updated": "2025-11-01T00:00:00Z",
		"checksum": "sha256:" + fmt.Sprintf("%064x", len(slug)+len(version)),
		"fields": map[string]any{
			"title": typeName(slug), "type": "object", "properties": spec.properties, "required": required,
			"block_type_slug": slug, "secret_fields": secret, "block_schema_references": map[string]any{},
		},
		"block_type_id": uuidFor("type", slug), "block_type": s.blockType(slug), "capabilities": []string{}, "version": version,
	}
}

// csrfOK checks the CSRF headers of a change request when CSRF is on, and
// answers the refusal when they are wrong.
func (s *REST) csrfOK(w http.ResponseWriter, r *http.Request) bool {
	if !s.CSRF || (r.Method != http.MethodPost && r.Method != http.MethodPatch && r.Method != http.MethodDelete) {
		return true
	}
	token, client := r.Header.Get("Prefect-Csrf-Token"), r.Header.Get("Prefect-Csrf-Client")
	s.mu.Lock()
	want, issued := s.csrfTokens[client]
	s.mu.Unlock()
	switch {
	case token == "":
		detail(w, http.StatusForbidden, "detail", "Missing CSRF token.")
	case client == "":
		detail(w, http.StatusForbidden, "detail", "Missing client identifier.")
	case !issued || want != token:
		detail(w, http.StatusForbidden, "detail", "Invalid CSRF token or client identifier.")
	default:
		return true
	}
	return false
}

// csrfToken is GET /csrf-token?client=<id>.
func (s *REST) csrfToken(w http.ResponseWriter, r *http.Request) {
	client := r.URL.Query().Get("client")
	if client == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"exception_message": "Invalid request received.",
			"exception_detail": []any{map[string]any{"type": "missing", "loc": []string{"query", "client"}, "msg": "Field required", "input": nil}}})
		return
	}
	if !s.CSRF {
		detail(w, http.StatusUnprocessableEntity, "detail", "CSRF protection is disabled.")
		return
	}
	s.mu.Lock()
	if s.csrfTokens == nil {
		s.csrfTokens = map[string]string{}
	}
	token := uuidFor("csrf", client+fmt.Sprint(len(s.csrfTokens)))
	s.csrfTokens[client] = token
	s.mu.Unlock()
	now := time.Now().UTC()
	writeJSON(w, http.StatusOK, map[string]any{"id": uuidFor("csrf-id", token), "created": now.Format(time.RFC3339Nano), "updated": now.Format(time.RFC3339Nano),
		"token": token, "client": client, "expiration": now.Add(time.Hour).Format(time.RFC3339Nano)})
}

func invalid(w http.ResponseWriter, typ string, loc []string, msg string, input any) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"exception_message": "Invalid request received.",
		"exception_detail":  []any{map[string]any{"type": typ, "loc": append([]string{"body"}, loc...), "msg": msg, "input": input}},
	})
}

// decodeStrict decodes a request body into fields, answering 422 for an
// extra top-level key as the server's models (extra="forbid") do.
func decodeStrict(w http.ResponseWriter, body []byte, allowed ...string) (map[string]json.RawMessage, bool) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		invalid(w, "model_attributes_type", nil, "Input should be a valid dictionary or object to extract fields from", nil)
		return nil, false
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			invalid(w, "extra_forbidden", []string{k}, "Extra inputs are not permitted", fields[k])
			return nil, false
		}
	}
	return fields, true
}

var (
	blockNameChars    = regexp.MustCompile(`^[a-z0-9-]*$`)
	blockNamePattern  = regexp.MustCompile(`^[^/%&><]+$`)
	variableNameChars = regexp.MustCompile(`^[a-z0-9_-]*$`)
)

// createDocument is POST /block_documents/.
func (s *REST) createDocument(w http.ResponseWriter, body []byte) {
	fields, ok := decodeStrict(w, body, "name", "data", "block_schema_id", "block_type_id", "is_anonymous", "block_document_references")
	if !ok {
		return
	}
	for _, k := range []string{"block_schema_id", "block_type_id"} {
		if _, has := fields[k]; !has {
			invalid(w, "missing", []string{k}, "Field required", fields)
			return
		}
	}
	var name, typeID, schemaID string
	var anonymous bool
	_ = json.Unmarshal(fields["is_anonymous"], &anonymous)
	_ = json.Unmarshal(fields["name"], &name)
	if anonymous && name == "" {
		name = "anonymous-" + uuidFor("anonymous", fmt.Sprint(time.Now().UnixNano()))
	}
	_ = json.Unmarshal(fields["block_type_id"], &typeID)
	_ = json.Unmarshal(fields["block_schema_id"], &schemaID)
	switch {
	case name == "":
		invalid(w, "value_error", nil, "Value error, Names must be provided for block documents.", fields)
		return
	case !blockNamePattern.MatchString(name):
		invalid(w, "string_pattern_mismatch", []string{"name"}, "String should match pattern '^[^/%&><]+$'", name)
		return
	case !blockNameChars.MatchString(name):
		invalid(w, "value_error", []string{"name"}, "Value error, Block document name must only contain lowercase letters, numbers, and dashes.", name)
		return
	}
	data := fields["data"]
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	s.mu.Lock()
	slug := s.slugOfType(typeID)
	if slug == "" {
		s.mu.Unlock()
		detail(w, http.StatusNotFound, "detail", "Block type not found")
		return
	}
	// The server takes any schema id, even one of another type, and
	// masks by that schema's secret fields.
	version, schemaSlug := "", slug
	for _, other := range s.allSlugs() {
		for _, v := range []string{s.schemaVersion(other), s.version(&Block{})} {
			if uuidFor("schema", other+v) == schemaID {
				version, schemaSlug = v, other
			}
		}
	}
	if s.find(slug, name) != nil {
		s.mu.Unlock()
		detail(w, http.StatusConflict, "detail", "Block already exists")
		return
	}
	if race := s.raceCreate; race != nil {
		// Another writer's POST wins the database lock; this one is
		// answered 503, and a retry finds the name taken.
		s.raceCreate = nil
		s.blocks = append(s.blocks, race)
		s.mu.Unlock()
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"exception_message": "Service Unavailable"})
		return
	}
	b := &Block{Slug: slug, Name: name, Data: data, SecretFields: s.schemaFor(schemaSlug, version).secret, Version: version, Updated: time.Now(), Anonymous: anonymous}
	if schemaSlug != slug {
		b.SchemaSlug = schemaSlug
	}
	s.blocks = append(s.blocks, b)
	doc := s.document(b, false)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, doc)
}

// RaceNextCreate makes the next POST /block_documents/ lose a race to
// another writer, as on a SQLite server: the other writer's document b is
// stored, and the POST is answered 503.
func (s *REST) RaceNextCreate(b Block) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raceCreate = &b
}

func (s *REST) byID(id string) *Block {
	for _, b := range s.blocks {
		if uuidFor("document", b.Slug+"/"+b.Name) == id {
			return b
		}
	}
	return nil
}

// documentByID serves GET, PATCH and DELETE /block_documents/{id}.
func (s *REST) documentByID(w http.ResponseWriter, r *http.Request, id string, body []byte) {
	if !uuidShape.MatchString(id) {
		detail(w, http.StatusNotFound, "detail", "Not Found")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.byID(id)
	if b == nil {
		detail(w, http.StatusNotFound, "detail", "Block document not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.document(b, r.URL.Query().Get("include_secrets") == "true"))
	case http.MethodDelete:
		for i, x := range s.blocks {
			if x == b {
				s.blocks = append(s.blocks[:i], s.blocks[i+1:]...)
				break
			}
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		fields, ok := decodeStrict(w, body, "data", "block_schema_id", "merge_existing_data")
		if !ok {
			return
		}
		if id, has := fields["block_schema_id"]; has {
			var schemaID string
			_ = json.Unmarshal(id, &schemaID)
			if schemaID != uuidFor("schema", b.Slug+s.version(b)) && schemaID != uuidFor("schema", b.Slug+s.schemaVersion(b.Slug)) {
				detail(w, http.StatusBadRequest, "detail", "Must migrate block document to a block schema of the same block type.")
				return
			}
		}
		merge := true
		if m, has := fields["merge_existing_data"]; has {
			_ = json.Unmarshal(m, &merge)
		}
		if data, has := fields["data"]; has {
			b.Data = patchData(b.Data, data, b.SecretFields, merge)
			b.Updated = time.Now()
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		detail(w, http.StatusMethodNotAllowed, "detail", "Method Not Allowed")
	}
}

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// patchData applies a PATCH's data: merged at the top level (or
// replacing all with merge off), a secret field sent as "********" keeping
// its stored value, as the server keeps it.
func patchData(current, update json.RawMessage, secretFields []string, merge bool) json.RawMessage {
	var upd map[string]json.RawMessage
	if json.Unmarshal(update, &upd) != nil {
		return current
	}
	cur := map[string]json.RawMessage{}
	if merge {
		_ = json.Unmarshal(current, &cur)
	}
	old := map[string]json.RawMessage{}
	_ = json.Unmarshal(current, &old)
	for k, v := range upd {
		if prev, ok := old[k]; ok && isSecretField(secretFields, k) {
			v = keepMasked(prev, v)
		}
		cur[k] = v
	}
	out, _ := json.Marshal(cur)
	return out
}

// keepMasked returns update with every "********" in it (the value
// itself, or a leaf of a secret dict) replaced by what prev holds there.
func keepMasked(prev, update json.RawMessage) json.RawMessage {
	if string(bytes.TrimSpace(update)) == `"********"` {
		return prev
	}
	var p, u map[string]json.RawMessage
	if json.Unmarshal(prev, &p) != nil || json.Unmarshal(update, &u) != nil || p == nil || u == nil {
		return update
	}
	for k, v := range u {
		if old, ok := p[k]; ok {
			u[k] = keepMasked(old, v)
		}
	}
	out, _ := json.Marshal(u)
	return out
}

func isSecretField(fields []string, name string) bool {
	for _, f := range fields {
		if f == name || strings.HasPrefix(f, name+".") {
			return true
		}
	}
	return false
}

// Variable is one Prefect Variable the fake holds.
type Variable struct {
	Name    string
	Value   json.RawMessage
	Tags    []string
	Updated time.Time
	seq     int // creation order
}

// Variable returns the Variable of that name, or nil.
func (s *REST) Variable(name string) *Variable {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.variables[name]; ok {
		c := *v
		return &c
	}
	return nil
}

// Block returns the document of that type and name, or nil.
func (s *REST) Block(slug, name string) *Block {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.find(slug, name); b != nil {
		c := *b
		return &c
	}
	return nil
}

func (v *Variable) json() map[string]any {
	tags := v.Tags
	if tags == nil {
		tags = []string{}
	}
	updated := v.Updated
	if updated.IsZero() {
		updated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	value := v.Value
	if len(value) == 0 {
		value = json.RawMessage("null")
	}
	return map[string]any{
		"id": uuidFor("variable", v.Name), "created": "2026-01-01T00:00:00Z", "updated": updated.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"name": v.Name, "value": value, "tags": tags,
	}
}

// orjsonLength is a value's length as the server's orjson writes it.
func orjsonLength(v json.RawMessage) int {
	var decoded any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if dec.Decode(&decoded) != nil {
		return len(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(decoded)
	out := bytes.TrimRight(buf.Bytes(), "\n")
	return len(out) - 3*(bytes.Count(out, []byte(`\u2028`))+bytes.Count(out, []byte(`\u2029`)))
}

// checkVariable answers 422 for a name or value the server refuses.
func checkVariable(w http.ResponseWriter, fields map[string]json.RawMessage) bool {
	if raw, has := fields["name"]; has {
		var name string
		_ = json.Unmarshal(raw, &name)
		switch {
		case len(name) > 255:
			invalid(w, "string_too_long", []string{"name"}, "String should have at most 255 characters", name)
			return false
		case !variableNameChars.MatchString(name):
			invalid(w, "value_error", []string{"name"}, "Value error, Variable name must only contain lowercase letters, numbers, and dashes or underscores.", name)
			return false
		}
	}
	if v, has := fields["value"]; has && string(bytes.TrimSpace(v)) != "null" && orjsonLength(v) > 5000 {
		invalid(w, "value_error", []string{"value"}, "Value error, Variable value must be less than 5000 characters", v)
		return false
	}
	return true
}

// createVariable is POST /variables/.
func (s *REST) createVariable(w http.ResponseWriter, body []byte) {
	fields, ok := decodeStrict(w, body, "name", "value", "tags")
	if !ok {
		return
	}
	for _, k := range []string{"name", "value"} {
		if _, has := fields[k]; !has {
			invalid(w, "missing", []string{k}, "Field required", fields)
			return
		}
	}
	if !checkVariable(w, fields) {
		return
	}
	var name string
	var tags []string
	_ = json.Unmarshal(fields["name"], &name)
	_ = json.Unmarshal(fields["tags"], &tags)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.variables[name]; exists {
		detail(w, http.StatusConflict, "detail", fmt.Sprintf("A variable with the name '%s' already exists.", name))
		return
	}
	if s.variables == nil {
		s.variables = map[string]*Variable{}
	}
	s.varSeq++
	v := &Variable{Name: name, Value: fields["value"], Tags: tags, Updated: time.Now(), seq: s.varSeq}
	s.variables[name] = v
	writeJSON(w, http.StatusCreated, v.json())
}

// variableByName serves GET, PATCH and DELETE /variables/name/{name}.
func (s *REST) variableByName(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		detail(w, http.StatusNotFound, "detail", "Not Found") // no such route
		return
	}
	v, ok := s.variables[name]
	if !ok {
		detail(w, http.StatusNotFound, "detail", "Variable not found.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, v.json())
	case http.MethodDelete:
		delete(s.variables, name)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		fields, ok := decodeStrict(w, body, "name", "value", "tags")
		if !ok || !checkVariable(w, fields) {
			return
		}
		if raw, has := fields["value"]; has {
			v.Value = raw
		}
		if raw, has := fields["tags"]; has {
			v.Tags = nil
			_ = json.Unmarshal(raw, &v.Tags)
		}
		if raw, has := fields["name"]; has {
			var renamed string
			_ = json.Unmarshal(raw, &renamed)
			delete(s.variables, name)
			v.Name = renamed
			s.variables[renamed] = v
		}
		v.Updated = time.Now()
		w.WriteHeader(http.StatusNoContent)
	default:
		detail(w, http.StatusMethodNotAllowed, "detail", "Method Not Allowed")
	}
}

// schemasFilter is POST /block_schemas/filter by block type ids, newest
// first.
func (s *REST) schemasFilter(w http.ResponseWriter, body []byte) {
	var req struct {
		BlockSchemas *struct {
			BlockTypeID *struct {
				Any []string `json:"any_"`
			} `json:"block_type_id"`
		} `json:"block_schemas"`
	}
	if json.Unmarshal(body, &req) != nil {
		invalid(w, "model_attributes_type", nil, "Input should be a valid dictionary", nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, slug := range s.allSlugs() {
		if req.BlockSchemas != nil && req.BlockSchemas.BlockTypeID != nil && !contains(req.BlockSchemas.BlockTypeID.Any, uuidFor("type", slug)) {
			continue
		}
		out = append(out, s.schemaDocument(slug, s.schemaVersion(slug)))
	}
	writeJSON(w, http.StatusOK, out)
}

// writeRoute serves the write routes and the lookups they need; it
// returns false for a route it does not have.
func (s *REST) writeRoute(w http.ResponseWriter, r *http.Request, rest string, body []byte) bool {
	switch {
	case rest == "/csrf-token" && r.Method == http.MethodGet:
		s.csrfToken(w, r)
	case rest == "/block_documents/" && r.Method == http.MethodPost:
		s.createDocument(w, body)
	case rest == "/block_schemas/filter" && r.Method == http.MethodPost:
		s.schemasFilter(w, body)
	case rest == "/variables/" && r.Method == http.MethodPost:
		s.createVariable(w, body)
	case rest == "/variables/count" && r.Method == http.MethodPost:
		s.countVariables(w, body)
	case strings.HasPrefix(rest, "/variables/name/"):
		name, err := url.PathUnescape(strings.TrimPrefix(rest, "/variables/name/"))
		if err != nil {
			detail(w, http.StatusNotFound, "detail", "Not Found")
			return true
		}
		s.variableByName(w, r, name, body)
	case strings.HasPrefix(rest, "/block_documents/") && !strings.Contains(strings.TrimPrefix(rest, "/block_documents/"), "/") && rest != "/block_documents/filter":
		s.documentByID(w, r, strings.TrimPrefix(rest, "/block_documents/"), body)
	case strings.HasPrefix(rest, "/block_types/slug/") && !strings.Contains(strings.TrimPrefix(rest, "/block_types/slug/"), "/") && r.Method == http.MethodGet:
		slug, _ := url.PathUnescape(strings.TrimPrefix(rest, "/block_types/slug/"))
		s.mu.Lock()
		exists := s.typeExists(slug)
		s.mu.Unlock()
		if !exists {
			detail(w, http.StatusNotFound, "detail", "Block type not found")
			return true
		}
		writeJSON(w, http.StatusOK, s.blockType(slug))
	case strings.HasPrefix(rest, "/block_types/slug/") && strings.Contains(rest, "/block_documents/name/") && r.Method == http.MethodDelete:
		detail(w, http.StatusMethodNotAllowed, "detail", "Method Not Allowed")
	default:
		return false
	}
	return true
}

// countVariables is POST /variables/count.
func (s *REST) countVariables(w http.ResponseWriter, body []byte) {
	var req struct {
		Variables *nameFilter `json:"variables"`
	}
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &req) != nil {
		invalid(w, "model_attributes_type", nil, "Input should be a valid dictionary", nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for name := range s.variables {
		if matchesName(req.Variables, name) {
			n++
		}
	}
	writeJSON(w, http.StatusOK, n)
}
