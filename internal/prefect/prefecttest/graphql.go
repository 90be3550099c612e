package prefecttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// cloud1Schema is the part of the Prefect Cloud 1.0 API that deals with
// secrets. secret_value returns any JSON value.
const cloud1Schema = `
scalar JSON

type Query {
  secret_value(name: String!): JSON
  secret_names: [String]
}

input set_secret_input { name: String!  value: JSON! }
input delete_secret_input { name: String! }
type success_payload { success: Boolean }

type Mutation {
  set_secret(input: set_secret_input!): success_payload
  delete_secret(input: delete_secret_input!): success_payload
}
`

var schema = gqlparser.MustLoadSchema(&ast.Source{Name: "cloud1.graphql", Input: cloud1Schema})

// GraphQL is a fake Prefect Cloud 1.0 API.
type GraphQL struct {
	*httptest.Server
	faults

	// APIKey, when set, must arrive as "Authorization: Bearer <key>".
	APIKey string
	// TenantID, when set, must arrive as X-PREFECT-TENANT-ID.
	TenantID string

	mu      sync.Mutex
	secrets map[string]json.RawMessage
	queries []string
	// parsed caches validated documents by query text, as servers do.
	parsed map[string]*ast.QueryDocument
}

// NewGraphQL starts a fake holding secrets: name to the JSON text of its
// value. Close it when done.
func NewGraphQL(secrets map[string]string) *GraphQL {
	g := &GraphQL{secrets: map[string]json.RawMessage{}}
	for k, v := range secrets {
		g.secrets[k] = json.RawMessage(v)
	}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	return g
}

// NewGraphQLTLS is NewGraphQL over TLS with the server's own certificate.
func NewGraphQLTLS(secrets map[string]string) *GraphQL {
	g := &GraphQL{secrets: map[string]json.RawMessage{}}
	for k, v := range secrets {
		g.secrets[k] = json.RawMessage(v)
	}
	g.Server = httptest.NewUnstartedServer(http.HandlerFunc(g.serve))
	// Clients that refuse the certificate are what the tests want; the
	// server need not log each refusal.
	g.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	g.Server.StartTLS()
	return g
}

// Queries returns the query documents received, in order.
func (g *GraphQL) Queries() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.queries...)
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (g *GraphQL) serve(w http.ResponseWriter, r *http.Request) {
	// Reading the body first lets the server notice a client that gives up
	// during a delay.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	fault, latency := g.next(r)
	if apply(w, r, fault, latency) {
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" && r.URL.Path != "" {
		g.problem(fmt.Sprintf("%s %s: the API takes POST to the endpoint itself", r.Method, r.URL.Path))
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	if r.ContentLength <= 0 {
		g.problem("POST without Content-Length")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		g.problem("Content-Type is " + r.Header.Get("Content-Type"))
	}
	if g.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+g.APIKey {
		msg := "Unauthenticated"
		if a := r.Header.Get("Authorization"); a != "" && !strings.HasPrefix(a, "Bearer ") {
			msg = "Malformed Authorization header"
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": nil, "errors": []gqlError{{Message: msg, Extensions: map[string]any{"code": "UNAUTHENTICATED"}}}})
		return
	}
	if g.TenantID != "" && r.Header.Get("X-PREFECT-TENANT-ID") != g.TenantID {
		g.problem("missing or wrong X-PREFECT-TENANT-ID")
		writeJSON(w, http.StatusOK, map[string]any{"data": nil, "errors": []gqlError{{Message: "Unauthorized tenant", Extensions: map[string]any{"code": "FORBIDDEN"}}}})
		return
	}
	var req struct {
		Query         string         `json:"query"`
		Variables     map[string]any `json:"variables"`
		OperationName string         `json:"operationName"`
	}
	// Prefect 1's own client sends the variables as a JSON-encoded string
	// (json.dumps(variables)); the server takes that as well as an object.
	var envelope struct {
		Variables json.RawMessage `json:"variables"`
	}
	if json.Unmarshal(body, &envelope) == nil && bytes.HasPrefix(bytes.TrimSpace(envelope.Variables), []byte(`"`)) {
		var text string
		_ = json.Unmarshal(envelope.Variables, &text)
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(body, &fields)
		if text == "" || text == "null" {
			text = "{}"
		}
		fields["variables"] = json.RawMessage(text)
		body, _ = json.Marshal(fields)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		g.problem("body is not JSON")
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []gqlError{{Message: "POST body is not JSON"}}})
		return
	}
	g.mu.Lock()
	g.queries = append(g.queries, req.Query)
	g.mu.Unlock()
	g.mu.Lock()
	doc := g.parsed[req.Query]
	g.mu.Unlock()
	if doc == nil {
		var errs gqlerror.List
		doc, errs = gqlparser.LoadQueryWithRules(schema, req.Query, rules.NewDefaultRules())
		if len(errs) > 0 {
			g.problem("invalid query: " + errs.Error())
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []gqlError{{Message: errs.Error(), Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}}})
			return
		}
		g.mu.Lock()
		if g.parsed == nil {
			g.parsed = map[string]*ast.QueryDocument{}
		}
		g.parsed[req.Query] = doc
		g.mu.Unlock()
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil {
		g.problem("no operation to run")
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []gqlError{{Message: "no operation"}}})
		return
	}
	vars, verr := validator.VariableValues(schema, op, req.Variables)
	if verr != nil {
		g.problem("invalid variables: " + verr.Error())
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []gqlError{{Message: verr.Error()}}})
		return
	}
	g.execute(w, op, vars)
}

// execute runs the operation's top-level fields, in order, under their
// aliases.
func (g *GraphQL) execute(w http.ResponseWriter, op *ast.OperationDefinition, vars map[string]any) {
	var out bytes.Buffer
	var errs []gqlError
	out.WriteString("{")
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok {
			continue
		}
		key := f.Alias
		if key == "" {
			key = f.Name
		}
		if i > 0 {
			out.WriteString(",")
		}
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteString(":")
		args := f.ArgumentMap(vars)
		switch f.Name {
		case "secret_value":
			name, _ := args["name"].(string)
			if v, ok := g.secrets[name]; ok {
				out.Write(v)
			} else {
				out.WriteString("null")
				errs = append(errs, gqlError{Message: "No value found for the requested key", Path: []any{key}})
			}
		case "secret_names":
			names := make([]string, 0, len(g.secrets))
			for n := range g.secrets {
				names = append(names, n)
			}
			sort.Strings(names)
			b, _ := json.Marshal(names)
			out.Write(b)
		case "set_secret":
			in, _ := args["input"].(map[string]any)
			name, _ := in["name"].(string)
			val, _ := json.Marshal(in["value"])
			g.secrets[name] = val
			out.WriteString(`{"success":true}`)
		case "delete_secret":
			in, _ := args["input"].(map[string]any)
			name, _ := in["name"].(string)
			_, existed := g.secrets[name]
			delete(g.secrets, name)
			fmt.Fprintf(&out, `{"success":%v}`, existed)
		case "__typename":
			out.WriteString(`"Query"`)
		default:
			out.WriteString("null")
		}
	}
	out.WriteString("}")
	resp := map[string]any{"data": json.RawMessage(out.Bytes())}
	if len(errs) > 0 {
		resp["errors"] = errs
	}
	writeJSON(w, http.StatusOK, resp)
}
