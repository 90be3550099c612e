package prefecttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// HostileMode is one way a Prefect API can attack the clients that trust
// it: a compromised server, a malicious proxy, or a look-alike endpoint.
type HostileMode int

// The attacks a Hostile server makes.
const (
	// HostileRedirect answers every request with Status (302, 307, 308)
	// and a Location on Target, hoping the client follows with its
	// credentials and body.
	HostileRedirect HostileMode = iota
	// HostileRepeatPages ignores offset: every filter page is the same
	// full page of 200 names.
	HostileRepeatPages
	// HostileEndlessPages invents a full page of new names for every
	// offset, forever.
	HostileEndlessPages
	// HostileHugeListing lists Count names under Prefix (secret_names, or
	// one huge filter page).
	HostileHugeListing
	// HostileEcho answers Status (400, 422, 500) with an error that quotes
	// the request's Authorization header, the bare credential, and Echo.
	HostileEcho
	// HostileControl answers Status with error text full of terminal
	// escapes, a bell, bidirectional overrides, a forged workflow command
	// and 300 two-byte characters.
	HostileControl
	// HostileRetryAfter answers 429 with Retry-After: RetryAfter.
	HostileRetryAfter
	// HostileBody answers 200 with Body, whatever was asked: "null",
	// JSON followed by more, and so on.
	HostileBody
	// HostileNames lists Names and serves each with a value.
	HostileNames
)

// Hostile is a server that speaks just enough of both Prefect APIs (a
// POST to the root is GraphQL, anything under /api is REST) to attack its
// client the way Mode says. It counts what it receives.
type Hostile struct {
	*httptest.Server
	Mode HostileMode

	Status     int
	Target     string // for HostileRedirect: where Location points
	Prefix     string
	Count      int
	Echo       string
	RetryAfter string
	Body       string
	Names      []string

	mu       sync.Mutex
	requests int
}

// NewHostile starts a hostile server. Set its fields before the first
// request. Close it when done.
func NewHostile(mode HostileMode) *Hostile {
	h := &Hostile{Mode: mode}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	return h
}

// RESTURL is the REST API URL of the server.
func (h *Hostile) RESTURL() string { return h.Server.URL + "/api" }

// Requests returns how many requests arrived.
func (h *Hostile) Requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

// ControlText is the error text HostileControl sends.
var ControlText = "bad\x1b[2J\x1b]0;pwned\x07 \u202eevil\u202c\r\n::error::forged ##[group]x " + strings.Repeat("é", 300)

func (h *Hostile) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.requests++
	h.mu.Unlock()
	graphQL := !strings.HasPrefix(r.URL.Path, "/api")
	switch h.Mode {
	case HostileRedirect:
		w.Header().Set("Location", h.Target+r.URL.RequestURI())
		w.WriteHeader(h.Status)
	case HostileRepeatPages:
		writeJSON(w, http.StatusOK, h.page(0))
	case HostileEndlessPages:
		var req struct {
			Offset int `json:"offset"`
		}
		_ = json.Unmarshal(body, &req)
		writeJSON(w, http.StatusOK, h.page(req.Offset))
	case HostileHugeListing:
		names := make([]string, h.Count)
		for i := range names {
			names[i] = fmt.Sprintf("%s%07d", h.Prefix, i)
		}
		h.list(w, graphQL, body, names)
	case HostileEcho:
		auth := r.Header.Get("Authorization")
		bare := auth
		if _, after, ok := strings.Cut(auth, " "); ok {
			bare = after
		}
		h.fail(w, graphQL, fmt.Sprintf("refused %q (token %s) for %s", auth, bare, h.Echo))
	case HostileControl:
		h.fail(w, graphQL, ControlText)
	case HostileRetryAfter:
		w.Header().Set("Retry-After", h.RetryAfter)
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": "slow down"})
	case HostileBody:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, h.Body)
	case HostileNames:
		h.list(w, graphQL, body, h.Names)
	}
}

func (h *Hostile) page(offset int) []map[string]any {
	docs := make([]map[string]any, 200)
	for i := range docs {
		docs[i] = map[string]any{"name": fmt.Sprintf("app-%09d", offset+i), "data": map[string]any{"value": "********"}}
	}
	return docs
}

// list answers a listing or a read with names, each valued "v-<name>".
func (h *Hostile) list(w http.ResponseWriter, graphQL bool, body []byte, names []string) {
	if !graphQL {
		docs := make([]map[string]any, 0, len(names))
		for _, n := range names {
			docs = append(docs, map[string]any{"name": n, "data": map[string]any{"value": "v-" + n}})
		}
		writeJSON(w, http.StatusOK, docs)
		return
	}
	// secret_names for a listing; a value query gets an answer for every
	// name it asks, by its variables.
	if strings.Contains(string(body), "secret_names") {
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"secret_names": names}})
		return
	}
	var req struct {
		Variables map[string]string `json:"variables"`
	}
	_ = json.Unmarshal(body, &req)
	data := map[string]any{}
	for k, n := range req.Variables {
		data["s"+strings.TrimPrefix(k, "n")] = "v-" + n
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (h *Hostile) fail(w http.ResponseWriter, graphQL bool, msg string) {
	if graphQL {
		writeJSON(w, h.Status, map[string]any{"data": nil, "errors": []gqlError{{Message: msg, Extensions: map[string]any{"code": "BAD\n::error::code"}}}})
		return
	}
	writeJSON(w, h.Status, map[string]any{"detail": msg, "exception_message": msg})
}

// Sink is where a hostile redirect points: it records what arrives and
// answers like a generous API, so a client that follows would export its
// answer as secrets.
type Sink struct {
	*httptest.Server

	mu      sync.Mutex
	headers []http.Header
}

// NewSink starts a Sink. Close it when done.
func NewSink() *Sink {
	s := &Sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/api") {
			writeJSON(w, http.StatusOK, []map[string]any{{"name": "db", "data": map[string]any{"value": "stolen"}}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"s0": "stolen", "secret_names": []string{"db"}}})
	}))
	return s
}

// Received returns the headers of every request that reached the sink.
func (s *Sink) Received() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}
