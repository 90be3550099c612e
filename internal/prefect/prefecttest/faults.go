// Package prefecttest runs in-process fakes of the Prefect APIs for tests:
// a Prefect Cloud 1.0 GraphQL endpoint that parses, validates and executes
// queries against the secret operations' schema, and a Prefect 2/3 REST
// API with the Secret block routes, Prefect's response and error shapes,
// and request validation against Prefect's OpenAPI schema when it is
// available. Both count requests, simulate latency and misbehave on cue.
package prefecttest

import (
	"bufio"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault is one scripted misbehaviour, used for one request.
type Fault struct {
	Status int         // answer with this status and Body
	Body   string      // body for Status
	Header http.Header // extra headers, such as Retry-After
	Delay  time.Duration
	// Close drops the connection without any response.
	Close bool
	// Truncate answers 200 with a Content-Length longer than the body.
	Truncate bool
	// Malformed answers 200 with a body that is not JSON.
	Malformed bool
}

// faults is the shared fault script of a fake.
type faults struct {
	mu        sync.Mutex
	queue     []Fault
	permanent *Fault
	latency   time.Duration
	requests  int
	log       []string
	problems  []string
}

// Script queues faults for the next requests, one each, in order.
func (f *faults) Script(fs ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, fs...)
}

// Always applies a fault to every request once the script is used up.
func (f *faults) Always(fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.permanent = &fault
}

// SetLatency makes every request take at least d, like a round trip.
func (f *faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// Requests returns how many requests arrived.
func (f *faults) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Log returns every request received, as "METHOD /path?query", in order.
func (f *faults) Log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// Problems returns every request the fake found invalid: a real server
// would have refused it.
func (f *faults) Problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.problems...)
}

func (f *faults) problem(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, s)
}

// next counts a request and returns its fault, if any.
func (f *faults) next(r *http.Request) (*Fault, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	f.log = append(f.log, r.Method+" "+r.URL.RequestURI())
	if len(f.queue) > 0 {
		fault := f.queue[0]
		f.queue = f.queue[1:]
		return &fault, f.latency
	}
	return f.permanent, f.latency
}

// apply serves a fault; it returns false when the request should be served
// normally.
func apply(w http.ResponseWriter, r *http.Request, fault *Fault, latency time.Duration) bool {
	wait := latency
	if fault != nil && fault.Delay > 0 {
		wait = fault.Delay
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return true
		}
	}
	if fault == nil {
		return false
	}
	for k, vs := range fault.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	switch {
	case fault.Close:
		if hj, ok := w.(http.Hijacker); ok {
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
		}
		return true
	case fault.Truncate:
		body := `[{"name": "cut`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)+100))
		w.WriteHeader(http.StatusOK)
		if hj, ok := w.(http.Hijacker); ok {
			// Flush what was written, then drop the connection mid-body.
			_, _ = w.Write([]byte(body))
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			conn, buf, err := hj.Hijack()
			if err == nil {
				_ = flushBuf(buf)
				conn.Close()
			}
		}
		return true
	case fault.Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"data": {"s0": "unterminated`))
		return true
	case fault.Status != 0:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fault.Status)
		_, _ = w.Write([]byte(fault.Body))
		return true
	}
	return false
}

func flushBuf(b *bufio.ReadWriter) error { return b.Flush() }
