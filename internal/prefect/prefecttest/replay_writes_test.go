package prefecttest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// writeExchange is one exchange of the write recordings.
type writeExchange struct {
	Seq            int               `json:"seq"`
	Label          string            `json:"label"`
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	AuthScheme     *string           `json:"auth_scheme"`
	RequestHeaders map[string]string `json:"request_headers"`
	RequestBody    json.RawMessage   `json:"request_body"`
	Status         int               `json:"status"`
	ResponseBody   json.RawMessage   `json:"response_body"`
}

func loadWrites(t *testing.T, names ...string) []writeExchange {
	t.Helper()
	var all []writeExchange
	for _, name := range names {
		path := SharedPath("recordings", "prefect-3.4.25-writes", name)
		if path == "" {
			t.Skip("../shared/recordings is not beside the project")
		}
		data, err := readFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Exchanges []writeExchange `json:"exchanges"`
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatal(err)
		}
		all = append(all, rec.Exchanges...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	return all
}

// replayed says whether an exchange is one the fake serves: the routes a
// client that never registers uses. Block type and schema registration
// (Prefect's own client, which the write never does), lookups by
// checksum, health and version, the racing saves (parallel requests
// whose order the recording cannot give) and what depends on the server
// having started without its block types are left out.
func replayed(e writeExchange) bool {
	p := strings.SplitN(e.Path, "?", 2)[0]
	switch {
	case strings.HasPrefix(p, "/api/block_schemas/checksum/"),
		p == "/api/block_types/" || (e.Method == http.MethodPatch && strings.HasPrefix(p, "/api/block_types/")),
		p == "/api/block_schemas/" && e.Method == http.MethodPost,
		p == "/api/health" || p == "/api/version",
		strings.Contains(p, "/block_schemas/checksum/"):
		return false
	}
	// 7.x are the action's reads of blocks saved by registration (file 1,
	// not replayed).
	for _, l := range []string{"4.1 ", "4.2 ", "4.3 ", "4.4 ", "4.5 ", "4.6 ", "4.7 ", "4.11 ", "7.1 ", "7.2 ", "7.3 "} {
		if strings.HasPrefix(e.Label, l) {
			return false
		}
	}
	// Server C started without its block types; the fake, like a server
	// started as usual, has them.
	return !(e.Status == http.StatusNotFound && strings.Contains(string(e.ResponseBody), "Block type not found") && strings.HasSuffix(e.Path, "/slug/secret"))
}

var uuidText = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// replay sends recorded requests to a fake, putting the fake's ids (and
// CSRF tokens) in place of the recorded server's as their answers pair
// them.
type replay struct {
	ids    map[string]string
	tokens map[string]string
	auth   string
}

func (r *replay) rewrite(s string) string {
	return uuidText.ReplaceAllStringFunc(s, func(id string) string {
		if mine, ok := r.ids[id]; ok {
			return mine
		}
		return id
	})
}

// learnUnsent pairs the ids in the answer to a request that is not sent
// (a type or schema registration) with the fake's ids of the same type
// or that type's schema, which the fake has from the start.
func (r *replay) learnUnsent(e writeExchange) {
	var obj map[string]any
	if json.Unmarshal(e.ResponseBody, &obj) != nil {
		return
	}
	id, _ := obj["id"].(string)
	if _, known := r.ids[id]; id == "" || known {
		return
	}
	if slug, ok := obj["slug"].(string); ok {
		r.ids[id] = uuidFor("type", slug)
		return
	}
	if _, ok := obj["checksum"]; ok {
		if bt, ok := obj["block_type"].(map[string]any); ok {
			slug, _ := bt["slug"].(string)
			s := &REST{}
			r.ids[id] = uuidFor("schema", slug+s.schemaVersion(slug))
		}
	}
}

// learn pairs the ids of a recorded answer with the fake's.
func (r *replay) learn(recorded, got any) {
	switch rv := recorded.(type) {
	case map[string]any:
		gv, ok := got.(map[string]any)
		if !ok {
			return
		}
		for _, k := range []string{"id", "block_type_id", "block_schema_id"} {
			a, _ := rv[k].(string)
			b, _ := gv[k].(string)
			if _, known := r.ids[a]; a != "" && b != "" && !known {
				r.ids[a] = b
			}
		}
		if a, _ := rv["token"].(string); a != "" {
			b, _ := gv["token"].(string)
			r.tokens[a] = b
		}
		for k, v := range rv {
			r.learn(v, gv[k])
		}
	case []any:
		gv, ok := got.([]any)
		if !ok {
			return
		}
		for i := range rv {
			if i < len(gv) {
				r.learn(rv[i], gv[i])
			}
		}
	}
}

func (r *replay) request(t *testing.T, base string, e writeExchange) *http.Request {
	t.Helper()
	var body []byte
	if len(e.RequestBody) > 0 && string(e.RequestBody) != "null" {
		body = []byte(r.rewrite(string(e.RequestBody)))
		body = expandCut(body)
	}
	req, err := http.NewRequest(e.Method, base+r.rewrite(e.Path), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Encoding", "gzip")
	for k, v := range e.RequestHeaders {
		switch k {
		case "Prefect-Csrf-Client":
			req.Header.Set(k, v)
		case "Prefect-Csrf-Token":
			if mine, ok := r.tokens[v]; ok {
				v = mine
			}
			req.Header.Set(k, v)
		}
	}
	if e.AuthScheme != nil && r.auth != "" {
		switch {
		case *e.AuthScheme == "Basic" && strings.Contains(e.Label, "wrong password"):
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("user:wrong")))
		case *e.AuthScheme == "Basic":
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(r.auth)))
		case strings.Contains(e.Label, "bearer with auth string"):
			req.Header.Set("Authorization", "Bearer "+r.auth)
		default:
			req.Header.Set("Authorization", "Bearer pnu_not-a-key")
		}
	}
	return req
}

// cutString is how the recordings shorten long strings.
var cutString = regexp.MustCompile(`^(.)[^.]*\.\.\.\[(\d+) chars\]$`)

// expandCut rebuilds the long strings the recordings cut short:
// "xxxx...[5000 chars]" is 5000 x's.
func expandCut(body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	var walk func(any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case string:
			if m := cutString.FindStringSubmatch(t); m != nil && strings.Trim(t[:strings.Index(t, "...[")], m[1]) == "" {
				var n int
				fmt.Sscan(m[2], &n)
				return strings.Repeat(m[1], n)
			}
		case map[string]any:
			for k, c := range t {
				t[k] = walk(c)
			}
		case []any:
			for i, c := range t {
				t[i] = walk(c)
			}
		}
		return x
	}
	out, _ := json.Marshal(walk(v))
	return out
}

// TestFakeWritesAsRecorded replays the write recordings against the fake,
// configured as each recorded server was: the status of every answer, the
// server's error texts, and the stored values read back must agree.
func TestFakeWritesAsRecorded(t *testing.T) {
	t.Parallel()
	for _, server := range []struct {
		name  string
		files []string
		csrf  bool
		auth  string
	}{
		{"default", []string{"2-variables.json", "3-writes.json", "4-concurrency-and-names.json"}, false, ""},
		{"basic auth", []string{"5-auth.json"}, false, "user:pass"},
		{"csrf", []string{"6-csrf.json"}, true, ""},
	} {
		t.Run(server.name, func(t *testing.T) {
			t.Parallel()
			fake, err := NewREST(nil, SharedOpenAPIPath())
			if err != nil {
				t.Fatal(err)
			}
			defer fake.Close()
			fake.CSRF, fake.AuthString = server.csrf, server.auth
			r := &replay{ids: map[string]string{}, tokens: map[string]string{}, auth: server.auth}
			compared := 0
			for _, e := range loadWrites(t, server.files...) {
				if !replayed(e) {
					r.learnUnsent(e)
					continue
				}
				compared++
				resp, err := http.DefaultClient.Do(r.request(t, fake.Server.URL, e))
				if err != nil {
					t.Fatal(err)
				}
				got := decodeBody(t, resp)
				resp.Body.Close()
				name := fmt.Sprintf("%s: %s %s", e.Label, e.Method, e.Path)
				if resp.StatusCode != e.Status {
					t.Errorf("%s: status %d, recorded %d; body %.300s", name, resp.StatusCode, e.Status, got)
					continue
				}
				compareWrite(t, name, r, e, got)
			}
			if compared < 20 {
				t.Errorf("only %d exchanges compared", compared)
			}
			t.Logf("%d exchanges agree", compared)
		})
	}
}

// compareWrite compares an answer with the recorded one: error texts
// exactly, and of documents and Variables the names, values and tags.
func compareWrite(t *testing.T, name string, r *replay, e writeExchange, got []byte) {
	t.Helper()
	if len(e.ResponseBody) == 0 || string(e.ResponseBody) == "null" {
		if len(bytes.TrimSpace(got)) != 0 {
			t.Errorf("%s: body %.200s, recorded none", name, got)
		}
		return
	}
	var rec, mine any
	if err := json.Unmarshal(expandCut(e.ResponseBody), &rec); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &mine); err != nil {
		t.Errorf("%s: body is not JSON: %.200s", name, got)
		return
	}
	r.learn(rec, mine)
	if e.Status >= 400 {
		rm, _ := rec.(map[string]any)
		gm, _ := mine.(map[string]any)
		for _, k := range []string{"detail", "exception_message"} {
			if !reflect.DeepEqual(rm[k], gm[k]) {
				t.Errorf("%s: %s %v, recorded %v", name, k, gm[k], rm[k])
			}
		}
		if rd, ok := rm["exception_detail"].([]any); ok && len(rd) > 0 {
			gd, _ := gm["exception_detail"].([]any)
			if len(gd) == 0 {
				t.Errorf("%s: no exception_detail", name)
				return
			}
			a, b := rd[0].(map[string]any), gd[0].(map[string]any)
			for _, k := range []string{"type", "msg", "loc"} {
				if !reflect.DeepEqual(a[k], b[k]) {
					t.Errorf("%s: exception_detail %s %v, recorded %v", name, k, b[k], a[k])
				}
			}
		}
		return
	}
	compareObjects(t, name, rec, mine)
}

func compareObjects(t *testing.T, name string, rec, mine any) {
	t.Helper()
	switch rv := rec.(type) {
	case []any:
		gv, _ := mine.([]any)
		if strings.Contains(name, "/block_schemas/filter") {
			return // the fake serves one schema per type
		}
		if len(gv) != len(rv) {
			t.Errorf("%s: %d items, recorded %d", name, len(gv), len(rv))
			return
		}
		for i := range rv {
			compareObjects(t, name, rv[i], gv[i])
		}
	case map[string]any:
		gv, _ := mine.(map[string]any)
		for _, k := range []string{"name", "data", "value", "tags", "slug", "client", "is_anonymous"} {
			if want, ok := rv[k]; ok && !reflect.DeepEqual(want, gv[k]) {
				if k == "name" && strings.HasPrefix(fmt.Sprint(want), "anonymous-") && strings.HasPrefix(fmt.Sprint(gv[k]), "anonymous-") {
					continue
				}
				t.Errorf("%s: %s %.200v, recorded %.200v", name, k, gv[k], want)
			}
		}
	}
}

// TestGraphQLFakeTakesPrefect1Mutations sends Prefect 1.4.1's set_secret
// body, as its client sends it (variables as a JSON string), and the UI's,
// and reads the values back.
func TestGraphQLFakeTakesPrefect1Mutations(t *testing.T) {
	t.Parallel()
	path := SharedPath("recordings", "prefect-3.4.25-writes", "prefect1-graphql-secrets.json")
	if path == "" {
		t.Skip("../shared/recordings is not beside the project")
	}
	data, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		SetSecret struct {
			Example  json.RawMessage `json:"example_body_as_sent"`
			Expected json.RawMessage `json:"expected_response"`
		} `json:"set_secret"`
		DeleteSecret struct {
			UI string `json:"ui_set_secret_text_for_comparison"`
		} `json:"delete_secret"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	g := NewGraphQL(nil)
	defer g.Close()
	ui, _ := json.Marshal(map[string]any{"query": rec.DeleteSecret.UI, "variables": map[string]any{"name": "UI_SET", "value": []int{1, 2}}})
	for _, body := range [][]byte{rec.SetSecret.Example, ui} {
		resp, err := http.Post(g.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		_ = json.Unmarshal(rec.SetSecret.Expected, &want)
		if resp.StatusCode != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: status %d, %v; want %v", body, resp.StatusCode, got, want)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !sameJSONText(string(g.secrets["CI_TOKEN"]), `{"k":"v"}`) || !sameJSONText(string(g.secrets["UI_SET"]), `[1,2]`) {
		t.Errorf("stored %s and %s", g.secrets["CI_TOKEN"], g.secrets["UI_SET"])
	}
	if p := g.Problems(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}

// sameJSONText compares two JSON texts as values.
func sameJSONText(a, b string) bool {
	var va, vb any
	return json.Unmarshal([]byte(a), &va) == nil && json.Unmarshal([]byte(b), &vb) == nil && reflect.DeepEqual(va, vb)
}
