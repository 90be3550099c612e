// Package netclient builds the HTTP clients the backends use: TLS always
// verified (with extra roots when asked), one overall deadline from the
// caller's context, a bounded time per attempt, retries with exponential
// backoff and jitter for transient failures only, Retry-After honoured
// within the deadline, and a count of every request sent.
package netclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/prefect-secrets/prefect-secrets-action/internal/servertext"
)

// MaxAttemptTime bounds one attempt; the overall deadline bounds them all.
const MaxAttemptTime = 15 * time.Second

// MaxResponseBytes bounds a response body read into memory.
const MaxResponseBytes = 64 << 20

// Options configure a client.
type Options struct {
	// Base is the transport to send requests with; nil means a clone of
	// http.DefaultTransport. Its TLS roots are replaced by RootCAs when set.
	Base http.RoundTripper
	// RootCAs, when set, are the roots TLS trusts.
	RootCAs *x509.CertPool
	// Retries is how many times one request is retried after a transient
	// failure.
	Retries int
	// BackoffBase is the first backoff; it doubles per retry. Zero means
	// 500ms.
	BackoffBase time.Duration
	// AttemptTimeout bounds one attempt. Zero means MaxAttemptTime.
	AttemptTimeout time.Duration
	// Now is the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
	// Redactor cleans every text a server sends before a message quotes
	// it; nil means a fresh one. Callers add credentials and resolved
	// values to it.
	Redactor *servertext.Redactor
}

// Client sends requests with retries and counts them.
type Client struct {
	// HTTP is the client to use. A request that gets no usable response
	// after its retries fails with *RequestError; an unsuccessful status is
	// returned as a response for the caller to judge.
	HTTP *http.Client
	// Redactor cleans server text for messages (Detail, Clean).
	Redactor *servertext.Redactor
	requests atomic.Int64
}

// Clean makes one piece of server text safe to quote: credentials and
// resolved values replaced, control characters removed, cut short.
func (c *Client) Clean(s string) string { return c.Redactor.Clean(s) }

// Requests returns the number of HTTP requests sent, retries included.
func (c *Client) Requests() int { return int(c.requests.Load()) }

// New builds a client.
func New(opts Options) (*Client, error) {
	base := opts.Base
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	if opts.RootCAs != nil {
		t, ok := base.(*http.Transport)
		if !ok {
			return nil, errors.New("extra CA certificates need an *http.Transport")
		}
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		} else {
			t.TLSClientConfig = t.TLSClientConfig.Clone()
		}
		t.TLSClientConfig.RootCAs = opts.RootCAs
		base = t
	}
	c := &Client{Redactor: opts.Redactor}
	if c.Redactor == nil {
		c.Redactor = &servertext.Redactor{}
	}
	counted := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.requests.Add(1)
		return base.RoundTrip(r)
	})
	backoffBase := opts.BackoffBase
	if backoffBase <= 0 {
		backoffBase = 500 * time.Millisecond
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	attemptTimeout := opts.AttemptTimeout
	if attemptTimeout <= 0 {
		attemptTimeout = MaxAttemptTime
	}
	p := policy{base: backoffBase, now: now}
	rc := &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: counted,
			Timeout:   attemptTimeout,
			// An API has no business redirecting; following one could send
			// the request body somewhere unexpected.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		RetryMax:     opts.Retries,
		RetryWaitMin: backoffBase,
		RetryWaitMax: 30 * time.Second,
		CheckRetry:   p.checkRetry,
		Backoff:      p.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	c.HTTP = &http.Client{Transport: retryTransport{client: rc, redactor: c.Redactor}}
	return c, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// retryTransport runs each request through the retry loop, reading the
// whole body inside it, so that a body cut short is retried like any other
// transient failure and callers get a complete body or an error.
type retryTransport struct {
	client   *retryablehttp.Client
	redactor *servertext.Redactor
}

func (t retryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	req, err := retryablehttp.FromRequest(r)
	if err != nil {
		return nil, &RequestError{Host: r.URL.Host, Err: err}
	}
	req.SetResponseHandler(func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
		resp.Body.Close()
		if err != nil {
			resp.Body = io.NopCloser(bytes.NewReader(nil))
			return &truncatedError{err: err}
		}
		if len(body) > MaxResponseBytes {
			return &tooLargeError{}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		return nil
	})
	resp, err := t.client.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, &RequestError{Host: r.URL.Host, Err: err}
	}
	// A redirect is an error here, at the bottom of every client, so that
	// no client above (oauth2's, the GraphQL library's) can follow it with
	// the credentials and the body to wherever Location points.
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		resp.Body.Close()
		return nil, &RequestError{Host: r.URL.Host, Err: &RedirectError{Status: resp.StatusCode, Target: t.locationHost(r.URL, resp)}}
	}
	return resp, nil
}

// locationHost names where a redirect points, as cleaned text.
func (t retryTransport) locationHost(from *url.URL, resp *http.Response) string {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return ""
	}
	u, err := from.Parse(loc)
	if err != nil || u.Host == "" {
		return t.redactor.Clean(loc)
	}
	return t.redactor.Clean(u.Host)
}

// RedirectError is a 3xx answer. Redirects are never followed: an API has
// no business redirecting, and following one would hand the credentials and
// the request body to another server.
type RedirectError struct {
	Status int
	Target string // host of the Location header, cleaned; "" when absent
}

func (e *RedirectError) Error() string {
	to := "without a Location"
	if e.Target != "" {
		to = "to " + e.Target
	}
	return fmt.Sprintf("redirected (HTTP %d) %s; redirects are never followed, check api-url", e.Status, to)
}

// policy decides what to retry and how long to wait (SPEC §7).
type policy struct {
	base time.Duration
	now  func() time.Time
}

// retryable statuses: timeouts, rate limits and server trouble.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (p policy) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var tooLarge *tooLargeError
		if errors.As(err, &tooLarge) {
			return false, err
		}
		var certErr *tls.CertificateVerificationError
		var unknownAuthority x509.UnknownAuthorityError
		var hostErr x509.HostnameError
		if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostErr) {
			return false, err // a certificate problem does not fix itself
		}
		return true, nil // connection errors, attempt timeouts, truncated bodies
	}
	if !retryableStatus(resp.StatusCode) {
		return false, nil
	}
	if wait, ok := retryAfter(resp, p.now); ok {
		// Compared as durations: now+wait could overflow a time.Time.
		deadline, has := ctx.Deadline()
		if (has && wait > deadline.Sub(p.now())) || (!has && wait > maxRetryAfter) {
			return false, &RetryAfterError{Wait: wait}
		}
	}
	return true, nil
}

// backoff waits base·2^attempt with full jitter, or what Retry-After asks.
func (p policy) backoff(_, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := retryAfter(resp, p.now); ok {
			return wait
		}
	}
	ceiling := float64(p.base) * math.Pow(2, float64(attempt))
	if ceiling > float64(maxWait) {
		ceiling = float64(maxWait)
	}
	half := ceiling / 2
	return time.Duration(half + rand.Float64()*half)
}

// maxRetryAfter bounds a Retry-After wait when the context has no
// deadline.
const maxRetryAfter = time.Hour

// retryAfter reads Retry-After as seconds or an HTTP date. Seconds beyond
// what a time.Duration holds saturate instead of wrapping around.
func retryAfter(resp *http.Response, now func() time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > uint64(math.MaxInt64/int64(time.Second)) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now()); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// DecodeJSON decodes one JSON document that must not be null and must not
// be followed by anything: a body of "null", or one with trailing data,
// is a broken answer, never an empty one.
func DecodeJSON(r io.Reader, v any) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || string(t) == "null" {
		return errors.New("empty or null body")
	}
	return json.Unmarshal(body, v)
}

// RequestError is a request that failed without a usable response. It
// names the host, never the request or response content.
type RequestError struct {
	Host string
	Err  error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("request to %s failed: %s", e.Host, describe(e.Err))
}

func (e *RequestError) Unwrap() error { return e.Err }

// describe says what went wrong in words that hold no response content.
func describe(err error) string {
	var ra *RetryAfterError
	var redirect *RedirectError
	var trunc *truncatedError
	var large *tooLargeError
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "the timeout expired"
	case errors.As(err, &ra):
		return ra.Error()
	case errors.As(err, &redirect):
		return redirect.Error()
	case errors.Is(err, errOtherOrigin):
		return errOtherOrigin.Error()
	case errors.As(err, &trunc):
		return "the response was cut short"
	case errors.As(err, &large):
		return large.Error()
	case errors.As(err, &certErr), errors.As(err, &unknownAuthority), errors.As(err, &hostErr):
		return "the server's TLS certificate is not trusted (ca-certificate adds roots): " + certSummary(err)
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no response within the time allowed for one attempt"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Op + ": " + opErr.Err.Error()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the connection closed without a response"
	}
	return "connection error"
}

func certSummary(err error) string {
	var unknownAuthority x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &unknownAuthority):
		return "signed by an unknown authority"
	case errors.As(err, &hostErr):
		return "issued for another host"
	}
	return "verification failed"
}

// RetryAfterError is a Retry-After the deadline leaves no room for.
type RetryAfterError struct{ Wait time.Duration }

func (e *RetryAfterError) Error() string {
	if e.Wait > 24*time.Hour {
		return "the server asked to retry after more than a day, beyond the timeout"
	}
	return fmt.Sprintf("the server asked to retry after %s, beyond the timeout", e.Wait.Round(time.Second))
}

type truncatedError struct{ err error }

func (e *truncatedError) Error() string { return "response body cut short" }
func (e *truncatedError) Unwrap() error { return e.err }

type tooLargeError struct{}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the response is larger than %d MiB", MaxResponseBytes>>20)
}

// StatusError is a response that stayed unsuccessful. Detail is the
// server's own short explanation when it gave one, never a raw body.
type StatusError struct {
	Host   string
	Status int
	Detail string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s answered HTTP %d %s", e.Host, e.Status, http.StatusText(e.Status))
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Detail returns a short, single-line explanation from an error body: the
// first of fields that is a string in a JSON body, cleaned (see Clean), or
// "". This is used only for unsuccessful responses.
func (c *Client) Detail(body []byte, fields ...string) string {
	var parsed map[string]any
	if err := json.Unmarshal(body, &parsed); err != nil {
		return ""
	}
	for _, f := range fields {
		if s, ok := parsed[f].(string); ok {
			return c.Clean(s)
		}
	}
	return ""
}
