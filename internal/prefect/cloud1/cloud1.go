// Package cloud1 reads secrets from the Prefect Cloud 1.0 GraphQL API:
// secret_value(name:) for values, secret_names for listing.
package cloud1

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shurcooL/graphql"

	"github.com/prefect-secrets/prefect-secrets-action/internal/netclient"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

// missingMessage is how Prefect Cloud says a secret does not exist; Prefect
// 1's own client matches the same text.
const missingMessage = "No value found for the requested key"

// Options configure a Backend.
type Options struct {
	URL      string
	APIKey   string
	TenantID string
	Format   prefect.ValueFormat
	// Timeout bounds each call, retries included; the caller's context
	// carries the same deadline.
	Timeout time.Duration
	// Client sends the requests (retries, TLS, counting).
	Client *netclient.Client
}

// Backend is a Prefect Cloud 1.0 GraphQL endpoint.
type Backend struct {
	url    string
	host   string
	format prefect.ValueFormat
	nc     *netclient.Client
	http   *http.Client
	gql    *graphql.Client

	mu     sync.Mutex
	listed bool
	names  []string // every secret name, once listed
}

// New returns a Backend. The API key travels in the http.Client, as an
// oauth2 static Bearer token; the tenant, when set, in X-PREFECT-TENANT-ID.
func New(opts Options) (*Backend, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("parse graphql URL: %w", err)
	}
	headers := map[string]string{}
	if opts.TenantID != "" {
		headers["X-PREFECT-TENANT-ID"] = opts.TenantID
	}
	opts.Client.Redactor.Add(opts.APIKey)
	client := opts.Client.Authorized(u, opts.APIKey, opts.Timeout, headers)
	b := &Backend{url: opts.URL, host: u.Host, format: opts.Format, nc: opts.Client, http: client}
	// The library would quote any unsuccessful response body in its
	// error; bodies are turned into status errors before it sees them.
	b.gql = graphql.NewClient(opts.URL, &http.Client{Transport: rejectUnsuccessful{b: b, base: client.Transport}, Timeout: opts.Timeout, CheckRedirect: client.CheckRedirect})
	return b, nil
}

// Kind implements the backend interface.
func (b *Backend) Kind() string { return prefect.SourceGraphQL }

// Requests implements the backend interface.
func (b *Backend) Requests() int { return b.nc.Requests() }

// List lists the secret names that start with prefix. The API has no
// filter, so the first call reads every name with one secret_names query
// and later calls reuse it. It never returns values: secret_names has
// none, and they come with one Values query. More than limit matches is
// an error.
func (b *Backend) List(ctx context.Context, prefix string, limit int, _ bool) ([]string, map[string]prefect.Resolution, error) {
	all, err := b.allNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	for _, n := range all {
		if strings.HasPrefix(n, prefix) {
			if names = append(names, n); len(names) > limit {
				return nil, nil, fmt.Errorf("graphql backend at %s: listing secret names: more than %d names start with %q", b.host, limit, prefix)
			}
		}
	}
	return names, nil, nil
}

func (b *Backend) allNames(ctx context.Context) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.listed {
		return b.names, nil
	}
	var q struct {
		SecretNames []string `graphql:"secret_names"`
	}
	if err := b.gql.Query(ctx, &q, nil); err != nil {
		return nil, b.wrap("listing secret names", err)
	}
	names := make([]string, 0, len(q.SecretNames))
	for _, n := range q.SecretNames {
		if n != "" {
			names = append(names, n)
		}
	}
	b.names, b.listed = names, true
	return names, nil
}

// Exists reports which names exist, from secret_names only: no value is
// requested.
func (b *Backend) Exists(ctx context.Context, names []string) (map[string]bool, error) {
	all, err := b.allNames(ctx)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(all))
	for _, n := range all {
		have[n] = true
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = have[n]
	}
	return out, nil
}

// Values resolves every name with one query of aliased secret_value
// fields.
//
// This query is written by hand rather than through the graphql library:
// the library builds queries only from static struct types (these aliases
// are made per run), decodes every JSON object as a selection set (while
// secret_value is a JSON scalar that may be an object), and drops the
// "path" of each error, which is the only way to tell which alias is
// missing. The request still goes through the same oauth2 client.
func (b *Backend) Values(ctx context.Context, names []string) (map[string]prefect.Resolution, error) {
	raw, err := b.rawValues(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]prefect.Resolution, len(raw))
	for n, v := range raw {
		r := prefect.Resolution{Found: true, Source: prefect.SourceGraphQL}
		r.Text, r.Null, r.Err = prefect.RenderBackendValue(v, b.format, prefect.Prefect1)
		b.nc.Redactor.Add(r.Text)
		out[n] = r
	}
	return out, nil
}

// rawValues reads the stored JSON value of every name that exists.
func (b *Backend) rawValues(ctx context.Context, names []string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	if len(names) == 0 {
		return out, nil
	}
	var q strings.Builder
	vars := make(map[string]string, len(names))
	q.WriteString("query(")
	for i := range names {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "$n%d: String!", i)
	}
	q.WriteString(") {")
	for i, n := range names {
		fmt.Fprintf(&q, " s%d: secret_value(name: $n%d)", i, i)
		vars["n"+strconv.Itoa(i)] = n
	}
	q.WriteString(" }")
	body, err := json.Marshal(map[string]any{"query": q.String(), "variables": vars})
	if err != nil {
		return nil, fmt.Errorf("encode query: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return nil, b.wrap("reading secrets", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, b.wrap("reading secrets", err)
	}
	defer resp.Body.Close()
	if err := b.checkStatus(resp); err != nil {
		return nil, b.wrap("reading secrets", err)
	}
	var result struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []graphQLError             `json:"errors"`
	}
	if err := netclient.DecodeJSON(resp.Body, &result); err != nil {
		return nil, fmt.Errorf("graphql backend at %s: reading secrets: the response is not GraphQL JSON", b.host)
	}
	missing := map[string]bool{}
	pathless := 0
	for _, e := range result.Errors {
		if !strings.Contains(e.Message, missingMessage) {
			return nil, fmt.Errorf("graphql backend at %s: reading secrets: %s", b.host, b.summary(e))
		}
		if alias := e.alias(); alias != "" {
			missing[alias] = true
		} else {
			pathless++
		}
	}
	if pathless > 0 {
		// A server that leaves out error paths still answers null for each
		// missing alias; when the counts agree, those are the missing ones.
		// When they do not, a stored null cannot be told from a missing
		// secret, and the read fails rather than guess.
		var nulls []string
		for i := range names {
			alias := "s" + strconv.Itoa(i)
			if !missing[alias] && string(bytes.TrimSpace(result.Data[alias])) == "null" {
				nulls = append(nulls, alias)
			}
		}
		if len(nulls) != pathless {
			return nil, fmt.Errorf("graphql backend at %s: reading secrets: %d secrets are missing, but the server does not say which", b.host, pathless)
		}
		for _, a := range nulls {
			missing[a] = true
		}
	}
	for i, n := range names {
		alias := "s" + strconv.Itoa(i)
		if missing[alias] {
			continue
		}
		raw, ok := result.Data[alias]
		if !ok {
			return nil, fmt.Errorf("graphql backend at %s: reading secret %q: the response has no value for it", b.host, n)
		}
		out[n] = raw
	}
	return out, nil
}

type graphQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e graphQLError) alias() string {
	if len(e.Path) == 0 {
		return ""
	}
	s, _ := e.Path[0].(string)
	return s
}

// summary is a one-line account of a GraphQL error for messages; every
// field the server supplied is cleaned.
func (b *Backend) summary(e graphQLError) string {
	msg := b.nc.Clean(e.Message)
	if code, ok := e.Extensions["code"].(string); ok {
		if code = b.nc.Clean(code); !strings.Contains(msg, code) {
			msg = code + ": " + msg
		}
	}
	if strings.Contains(msg, "UNAUTHENTICATED") || strings.Contains(msg, "Malformed Authorization header") {
		return "authentication failed (" + msg + "); check api-key"
	}
	return msg
}

func (b *Backend) wrap(what string, err error) error {
	var se *netclient.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
		return fmt.Errorf("graphql backend at %s: %s: authentication failed (HTTP %d); check api-key and tenant-id", b.host, what, se.Status)
	}
	var re *netclient.RequestError
	if errors.As(err, &se) || errors.As(err, &re) {
		return fmt.Errorf("graphql backend at %s: %s: %w", b.host, what, netclient.UnwrapURL(err))
	}
	// The library's own errors carry the first GraphQL error message.
	return fmt.Errorf("graphql backend at %s: %s: %s", b.host, what, b.nc.Clean(err.Error()))
}

func (b *Backend) checkStatus(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	detail := ""
	var parsed struct {
		Errors []graphQLError `json:"errors"`
	}
	if json.Unmarshal(body, &parsed) == nil && len(parsed.Errors) > 0 {
		detail = b.summary(parsed.Errors[0])
	}
	return &netclient.StatusError{Host: resp.Request.URL.Host, Status: resp.StatusCode, Detail: detail}
}

// rejectUnsuccessful turns unsuccessful responses into *StatusError.
type rejectUnsuccessful struct {
	b    *Backend
	base http.RoundTripper
}

func (t rejectUnsuccessful) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if err := t.b.checkStatus(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}
