package rest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/prefect-secrets/prefect-secrets-action/internal/netclient"
)

// csrf holds the token a CSRF-protected server (Prefect 3 with
// server.api.csrf_protection_enabled) asks for on every POST, PATCH and
// DELETE, the filter reads included. It is fetched the first time such a
// server refuses a request for want of one, so a server without CSRF
// protection never costs a request; then every change request carries it.
type csrf struct {
	random io.Reader

	mu       sync.Mutex
	client   string // the client id the token was issued to
	token    string
	disabled bool // the server said CSRF protection is disabled
}

// CSRF header names, as Prefect's client sends them.
const (
	csrfTokenHeader  = "Prefect-Csrf-Token"
	csrfClientHeader = "Prefect-Csrf-Client"
)

func needsCSRF(method string) bool {
	return method == http.MethodPost || method == http.MethodPatch || method == http.MethodDelete
}

// headers returns the token and client to send, "" before the first.
func (c *csrf) headers() (token, client string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.client
}

// refused reports whether a 403 body is the server asking for a CSRF token
// (missing, expired, or issued to another client).
func refused(body []byte) bool {
	var parsed struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &parsed) != nil {
		return false
	}
	d := strings.ToLower(parsed.Detail)
	return strings.Contains(d, "csrf token") || strings.Contains(d, "client identifier")
}

// send runs one request to route under the API URL, with body as JSON
// when it is not nil. A change request refused for want of a CSRF token
// gets one (GET /csrf-token?client=<uuid>, once for every request that
// waits on it) and goes again, once.
func (b *Backend) send(ctx context.Context, method, route string, body any) (*http.Response, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		token, client := "", ""
		if needsCSRF(method) {
			token, client = b.csrf.headers()
		}
		resp, err := b.do(ctx, method, route, data, token, client)
		if err != nil || resp.StatusCode != http.StatusForbidden || !needsCSRF(method) || attempt > 0 {
			return resp, err
		}
		refusal := readAllLimited(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(refusal))
		if !refused(refusal) {
			return resp, nil
		}
		if err := b.fetchCSRF(ctx, token); err != nil {
			return nil, err
		}
	}
}

func (b *Backend) do(ctx context.Context, method, route string, data []byte, token, client string) (*http.Response, error) {
	var rd io.Reader
	if data != nil {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+route, rd)
	if err != nil {
		return nil, err
	}
	if data != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set(csrfTokenHeader, token)
		req.Header.Set(csrfClientHeader, client)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, netclient.UnwrapURL(err)
	}
	return resp, nil
}

// fetchCSRF asks for a token unless another request has replaced the one
// that was refused (stale) meanwhile.
func (b *Backend) fetchCSRF(ctx context.Context, stale string) error {
	c := &b.csrf
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != stale {
		return nil
	}
	if c.disabled {
		return errors.New("the server refused a request for want of a CSRF token, but says CSRF protection is disabled")
	}
	id, err := newUUID(c.random)
	if err != nil {
		return err
	}
	resp, err := b.do(ctx, http.MethodGet, "/csrf-token?client="+url.QueryEscape(id), nil, "", "")
	if err != nil {
		return fmt.Errorf("getting a CSRF token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnprocessableEntity {
		c.disabled = true
		return errors.New("the server refused a request for want of a CSRF token, but says CSRF protection is disabled")
	}
	if err := b.statusError(resp); err != nil {
		return fmt.Errorf("getting a CSRF token: %w", err)
	}
	var answer struct {
		Token  string `json:"token"`
		Client string `json:"client"`
	}
	if err := netclient.DecodeJSON(resp.Body, &answer); err != nil || answer.Token == "" {
		return errors.New("getting a CSRF token: the answer holds no token")
	}
	b.nc.Redactor.Add(answer.Token)
	c.token, c.client = answer.Token, id
	return nil
}

// newUUID makes a random (version 4) UUID.
func newUUID(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	var u [16]byte
	if _, err := io.ReadFull(random, u[:]); err != nil {
		return "", fmt.Errorf("making a CSRF client id: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]), nil
}
