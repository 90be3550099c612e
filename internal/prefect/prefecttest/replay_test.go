package prefecttest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// recording is one file of ../shared/recordings: real Prefect servers'
// answers to the action's requests.
type recording struct {
	Server    string     `json:"server"`
	Exchanges []exchange `json:"exchanges"`
}

type exchange struct {
	Note             string          `json:"note"`
	Method           string          `json:"method"`
	Path             string          `json:"path"`
	AuthScheme       *string         `json:"auth_scheme"`
	RequestBody      json.RawMessage `json:"request_body"`
	Status           int             `json:"status"`
	ResponseBody     json.RawMessage `json:"response_body"`
	SyntheticByProxy string          `json:"synthetic_by_proxy"`
}

// recordedAuth is the basic-auth string of the recorded server that had one.
const recordedAuth = "user:pa:ss"

func loadRecording(t *testing.T, name string) recording {
	t.Helper()
	path := SharedPath("recordings", name)
	if path == "" {
		t.Skip("../shared/recordings is not beside the project")
	}
	data, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rec recording
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// seed fills a fake with what the recorded server held, as far as its
// answers show it: every Secret block a value read returned, the value
// types the obfuscation probe named, the other block types the notes
// name, and as many app-* blocks as make the listings' counts. Blocks
// named a-* were on the second, basic-auth instance: with auth they are
// all it holds, without they are left out.
func seed(s *REST, rec recording, auth bool) {
	total, created := 0, 0
	for _, e := range rec.Exchanges {
		var list recordedList
		if json.Unmarshal(e.ResponseBody, &list) == nil && list.Count != nil {
			var req struct {
				Offset int `json:"offset"`
			}
			_ = json.Unmarshal(e.RequestBody, &req)
			if strings.HasPrefix(list.nameAt(0), "app-") {
				total = max(total, req.Offset+*list.Count)
			}
			for _, d := range list.Docs {
				name, _ := d["name"].(string)
				if strings.HasPrefix(name, "app-") || strings.HasPrefix(name, "a-") != auth {
					continue
				}
				if data, ok := d["data"].(map[string]any); ok && strings.Contains(string(e.RequestBody), `"include_secrets": true`) {
					s.AddSecret(name, valueText(data["value"]))
				}
			}
		}
		if e.Status == http.StatusCreated && !auth {
			created++ // made again when the POST is replayed
		}
		var doc map[string]any
		if e.Method == http.MethodGet && e.Status == 200 && !auth && json.Unmarshal(e.ResponseBody, &doc) == nil {
			if data, ok := doc["data"].(map[string]any); ok {
				s.AddSecret(doc["name"].(string), valueText(data["value"]))
			}
		}
	}
	if auth {
		return
	}
	// The obfuscation probe's value types; masked ones need only a value
	// of their type, the ones shown in clear are as recorded.
	for name, v := range map[string]string{
		"s-empty": `""`, "s-json-obj": `"{\"a\": 1}"`, "v-empty-dict": `{}`, "v-float": `1.5`, "v-int": `42`,
		"v-list": `[1, 2]`, "v-true": `true`, "v-none": `null`,
		"v-nested": `{"a": {"b": [1, 2, {"c": null}]}, "é": "ü", "s": "42"}`,
	} {
		if s.findLocked("secret", name) == nil {
			s.AddSecret(name, v)
		}
	}
	// Blocks of other types that share names with Secret blocks.
	s.AddBlock(Block{Slug: "string", Name: "shadow-a", Data: json.RawMessage(`{"value": "not a secret"}`)})
	s.AddBlock(Block{Slug: "string", Name: "s-plain", Data: json.RawMessage(`{"value": "a String block"}`)})
	s.AddBlock(Block{Slug: "json", Name: "v-dict", Data: json.RawMessage(`{"value": {"json": true}}`)})
	secrets := 0
	for _, b := range s.blocks {
		if b.Slug == "secret" {
			secrets++
		}
	}
	for i := 0; i < total-secrets-created; i++ {
		s.AddSecret(fmt.Sprintf("app-%04d", i), fmt.Sprintf(`"app-value-%04d"`, i))
	}
}

// recordedList is a document list as the recordings cut it.
type recordedList struct {
	Count *int             `json:"document_count"`
	Docs  []map[string]any `json:"documents"`
}

func (l recordedList) nameAt(i int) string {
	if i >= len(l.Docs) {
		return ""
	}
	name, _ := l.Docs[i]["name"].(string)
	return name
}

func (s *REST) findLocked(slug, name string) *Block {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(slug, name)
}

// valueText is the JSON text of a recorded value; values over 200
// characters were cut to a prefix and their length, and are rebuilt by
// repeating the prefix.
func valueText(v any) string {
	if m, ok := v.(map[string]any); ok {
		if prefix, ok := m["truncated_json_prefix"].(string); ok {
			n := int(m["json_length"].(float64))
			body := strings.TrimPrefix(prefix, `"`)
			out := strings.Repeat(body, (n-2)/len(body)+1)[:n-2]
			return `"` + out + `"`
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// request rebuilds what the action (or the probe) sent.
func (e exchange) request(t *testing.T, base string) *http.Request {
	t.Helper()
	body := []byte(e.RequestBody)
	if string(body) == "null" {
		body = nil
	}
	if body == nil && e.Method == http.MethodPost {
		// Probes whose bodies the recording leaves out.
		var byName map[string]any
		switch {
		case e.Status == http.StatusUnprocessableEntity:
			body = []byte(`{"block_types": {"slug": {"any_": ["secret"]}}, "limit": 201}`)
		case json.Unmarshal(e.ResponseBody, &byName) == nil:
			names := make([]string, 0, len(byName))
			for n := range byName {
				names = append(names, n)
			}
			b, _ := json.Marshal(map[string]any{"block_types": map[string]any{"slug": map[string]any{"any_": []string{"secret"}}},
				"block_documents": map[string]any{"name": map[string]any{"any_": names}}, "include_secrets": false})
			body = b
		}
	}
	body = expandNames(body)
	if e.Method == http.MethodPost && strings.HasSuffix(e.Path, "/block_documents/") {
		body = ownIDs(body)
	}
	req, err := http.NewRequest(e.Method, base+e.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Encoding", "gzip")
	if e.AuthScheme != nil && *e.AuthScheme == "Basic" {
		auth := recordedAuth
		if strings.Contains(e.Note, "wrong password") {
			auth = "user:wrong"
		}
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(auth)))
	}
	return req
}

// ownIDs puts the fake's ids of the Secret type and schema in place of the
// recorded server's, which were random.
func ownIDs(body []byte) []byte {
	var req map[string]any
	if json.Unmarshal(body, &req) != nil {
		return body
	}
	if _, ok := req["block_type_id"]; ok {
		req["block_type_id"] = uuidFor("type", "secret")
	}
	if _, ok := req["block_schema_id"]; ok {
		req["block_schema_id"] = uuidFor("schema", "secret"+"2.20.25")
	}
	out, _ := json.Marshal(req)
	return out
}

// expandNames rebuilds a name list the recordings cut to a few names and
// "... N names in all": the action asked for app-0000 onwards.
func expandNames(body []byte) []byte {
	var req map[string]any
	if json.Unmarshal(body, &req) != nil {
		return body
	}
	bd, _ := req["block_documents"].(map[string]any)
	name, _ := bd["name"].(map[string]any)
	list, _ := name["any_"].([]any)
	if len(list) == 0 {
		return body
	}
	var n int
	last, _ := list[len(list)-1].(string)
	if _, err := fmt.Sscanf(last, "... %d names in all", &n); err != nil {
		return body
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("app-%04d", i)
	}
	name["any_"] = names
	out, _ := json.Marshal(req)
	return out
}

// TestFakeAnswersAsRecorded replays every recorded exchange against the
// fake, configured as the recorded server was, and compares the status
// and the body's shape and content.
func TestFakeAnswersAsRecorded(t *testing.T) {
	t.Parallel()
	for file, version := range map[string]string{"prefect-3.4.25.json": "3.4.25", "prefect-2.20.25.json": "2.20.25"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			rec := loadRecording(t, file)
			open, err := NewREST(nil, SharedOpenAPIPath())
			if err != nil {
				t.Fatal(err)
			}
			defer open.Close()
			open.Version = version
			seed(open, rec, false)
			locked, _ := NewREST(nil, SharedOpenAPIPath())
			defer locked.Close()
			locked.Version, locked.AuthString = version, recordedAuth
			seed(locked, rec, true)
			hidden, _ := NewREST(nil, "")
			defer hidden.Close()
			hidden.Version, hidden.NoFilterRoute = version, true
			for i, e := range rec.Exchanges {
				fake := open
				switch {
				case strings.Contains(e.Note, "basic-auth") || strings.Contains(e.Note, "EMPTY string"):
					fake = locked
				case e.SyntheticByProxy != "":
					fake = hidden
				}
				t.Run(fmt.Sprintf("%02d %s", i, e.Note), func(t *testing.T) {
					resp, err := http.DefaultTransport.RoundTrip(e.request(t, fake.Server.URL))
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					body := decodeBody(t, resp)
					if resp.StatusCode != e.Status {
						t.Fatalf("status %d, recorded %d; body %.300s", resp.StatusCode, e.Status, body)
					}
					compareBody(t, e, body)
				})
			}
			if p := open.Problems(); len(p) > 0 {
				t.Errorf("the fake refused recorded requests: %v", p)
			}
		})
	}
}

// decodeBody reads a body, checking that a large one came gzip-encoded
// as the real servers send it.
func decodeBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" {
		if len(raw) >= 500 {
			t.Errorf("a %d-byte body is not gzip-encoded", len(raw))
		}
		return raw
	}
	plain, err := gunzip(raw)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	return plain
}

func compareBody(t *testing.T, e exchange, got []byte) {
	t.Helper()
	var recorded any
	if err := json.Unmarshal(e.ResponseBody, &recorded); err != nil {
		t.Fatal(err)
	}
	var actual any
	if err := json.Unmarshal(got, &actual); err != nil {
		t.Fatalf("the fake's body is not JSON: %.200s", got)
	}
	rm, isMap := recorded.(map[string]any)
	switch {
	case isMap && rm["document_count"] != nil:
		docs, ok := actual.([]any)
		if !ok {
			t.Fatalf("a list was recorded, the fake sent %.200s", got)
		}
		if n := int(rm["document_count"].(float64)); len(docs) != n {
			t.Errorf("%d documents, recorded %d", len(docs), n)
		}
		recDocs, _ := rm["documents"].([]any)
		for i, rd := range recDocs {
			// The recordings end a cut list with {"...": "N more documents"}.
			if m, ok := rd.(map[string]any); ok && m["name"] != nil && i < len(docs) {
				compareDoc(t, m, docs[i].(map[string]any))
			}
		}
		if t.Failed() {
			for _, d := range docs {
				t.Logf("the fake sent %v", d.(map[string]any)["name"])
			}
		}
	case isMap && rm["name"] != nil:
		compareDoc(t, rm, actual.(map[string]any))
	case isMap && rm["detail"] == nil && rm["exception_message"] == nil:
		// The obfuscation probe: name to the value the server showed.
		byName := map[string]any{}
		for _, d := range actual.([]any) {
			doc := d.(map[string]any)
			byName[doc["name"].(string)] = doc["data"].(map[string]any)["value"]
		}
		for name, want := range rm {
			if got := byName[name]; !reflect.DeepEqual(got, want) {
				t.Errorf("%s without include_secrets: %v, recorded %v", name, got, want)
			}
		}
	default:
		if !reflect.DeepEqual(actual, recorded) {
			t.Errorf("body %.300s, recorded %.300s", got, e.ResponseBody)
		}
	}
}

// compareDoc compares the fields the recordings keep, and checks that the
// fake's document has the full shape the recordings cut.
func compareDoc(t *testing.T, recorded, got map[string]any) {
	t.Helper()
	if got["name"] != recorded["name"] {
		t.Errorf("document %v, recorded %v", got["name"], recorded["name"])
		return
	}
	if slug := got["block_type"].(map[string]any)["slug"]; slug != recorded["block_type_slug"] {
		t.Errorf("%v: block type %v, recorded %v", got["name"], slug, recorded["block_type_slug"])
	}
	if ia, ok := recorded["is_anonymous"]; ok && got["is_anonymous"] != ia {
		t.Errorf("%v: is_anonymous %v", got["name"], got["is_anonymous"])
	}
	rd := recorded["data"].(map[string]any)
	value, _ := rd["value"].(map[string]any)
	if _, cut := value["truncated_json_prefix"]; !cut {
		if !reflect.DeepEqual(got["data"], rd) {
			t.Errorf("%v: data %v, recorded %v", got["name"], got["data"], rd)
		}
	}
	for _, field := range []string{"id", "created", "updated", "block_schema_id", "block_type_id", "block_document_references"} {
		if _, ok := got[field]; !ok {
			t.Errorf("%v: no %s", got["name"], field)
		}
	}
	schema, _ := got["block_schema"].(map[string]any)
	fields, _ := schema["fields"].(map[string]any)
	if schema["version"] == nil || fields["secret_fields"] == nil {
		t.Errorf("%v: block_schema without version or secret_fields", got["name"])
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
