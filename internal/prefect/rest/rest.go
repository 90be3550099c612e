// Package rest reads Prefect 2/3 Secret blocks over the REST API: many at a
// time through POST /block_documents/filter, one at a time through GET
// /block_types/slug/secret/block_documents/name/<name> where the filter
// route is unavailable.
package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/netclient"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

// PageSize is the largest page Prefect serves; a larger limit is a 422.
const PageSize = 200

// Concurrency bounds the per-name requests of the fallback route.
const Concurrency = 8

// ValidName is what a block document name may be.
var ValidName = regexp.MustCompile(`^[a-z0-9-]+$`)

// Options configure a Backend.
type Options struct {
	// URL is PREFECT_API_URL: http://host:4200/api, or Prefect Cloud's
	// https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>.
	URL        string
	APIKey     string
	AuthString string
	Format     prefect.ValueFormat
	// ReadAs says whose Secret.get values are read with; the zero value
	// reads each block as the Prefect version that wrote it.
	ReadAs  ReadAs
	Timeout time.Duration
	Client  *netclient.Client
}

// ReadAs chooses the Prefect generation whose Secret.get a block's value
// is read with.
type ReadAs int

const (
	// ReadAsWritten reads each block as the generation whose client
	// registered its schema (block_schema.version): 2.x is Prefect 2.
	ReadAsWritten ReadAs = iota
	// ReadAsPrefect2 reads every block as Prefect 2 does.
	ReadAsPrefect2
	// ReadAsPrefect3 reads every block as Prefect 3 does.
	ReadAsPrefect3
)

// Backend is a Prefect 2/3 API.
type Backend struct {
	base   string
	host   string
	format prefect.ValueFormat
	readAs ReadAs
	nc     *netclient.Client
	http   *http.Client

	mu          sync.Mutex
	filterState int // filterUnknown until the first filter request answers
}

// New returns a Backend. Like Prefect's own client, it sends the auth
// string as HTTP basic auth when one is set, and the API key as a Bearer
// token otherwise.
func New(opts Options) (*Backend, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("parse rest URL: %w", err)
	}
	var client *http.Client
	if opts.AuthString != "" {
		token := base64.StdEncoding.EncodeToString([]byte(opts.AuthString))
		opts.Client.Redactor.Add(opts.AuthString, token)
		client = opts.Client.Authorized(u, "", opts.Timeout, map[string]string{"Authorization": "Basic " + token})
	} else {
		opts.Client.Redactor.Add(opts.APIKey)
		client = opts.Client.Authorized(u, opts.APIKey, opts.Timeout, nil)
	}
	return &Backend{
		base:   strings.TrimRight(opts.URL, "/"),
		host:   u.Host,
		format: opts.Format,
		readAs: opts.ReadAs,
		nc:     opts.Client,
		http:   client,
	}, nil
}

// Kind implements the backend interface.
func (b *Backend) Kind() string { return prefect.SourceREST }

// Requests implements the backend interface.
func (b *Backend) Requests() int { return b.nc.Requests() }

type blockDocument struct {
	Name string `json:"name"`
	Data struct {
		Value json.RawMessage `json:"value"`
	} `json:"data"`
	BlockSchema *struct {
		Version string `json:"version"`
	} `json:"block_schema"`
}

// generation is the Prefect generation a document is read as.
func (b *Backend) generation(d blockDocument) prefect.Generation {
	switch b.readAs {
	case ReadAsPrefect2:
		return prefect.Prefect2
	case ReadAsPrefect3:
		return prefect.Prefect3
	}
	if d.BlockSchema != nil && strings.HasPrefix(d.BlockSchema.Version, "2.") {
		return prefect.Prefect2
	}
	return prefect.Prefect3
}

type nameFilter struct {
	Any []string `json:"any_"`
}

type nameOrLike struct {
	Any  []string `json:"any_,omitempty"`
	Like *string  `json:"like_,omitempty"`
}

type filterBody struct {
	BlockTypes struct {
		Slug nameFilter `json:"slug"`
	} `json:"block_types"`
	BlockDocuments *struct {
		Name nameOrLike `json:"name"`
	} `json:"block_documents,omitempty"`
	IncludeSecrets bool `json:"include_secrets"`
	Limit          int  `json:"limit"`
	Offset         int  `json:"offset"`
}

// filterQuery is one POST /block_documents/filter: by names, or a listing
// of names holding like (all names when like is empty).
type filterQuery struct {
	names          []string
	like           string
	listing        bool
	includeSecrets bool
	offset         int
}

var errNoFilterRoute = errors.New("the server has no /block_documents/filter route")

// filter runs one POST /block_documents/filter.
func (b *Backend) filter(ctx context.Context, q filterQuery) ([]blockDocument, error) {
	body := filterBody{IncludeSecrets: q.includeSecrets, Limit: PageSize, Offset: q.offset}
	body.BlockTypes.Slug.Any = []string{"secret"}
	switch {
	case !q.listing:
		body.BlockDocuments = &struct {
			Name nameOrLike `json:"name"`
		}{Name: nameOrLike{Any: q.names}}
	case q.like != "":
		like := q.like
		body.BlockDocuments = &struct {
			Name nameOrLike `json:"name"`
		}{Name: nameOrLike{Like: &like}}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/block_documents/filter", bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, netclient.UnwrapURL(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusMethodNotAllowed || (resp.StatusCode == http.StatusNotFound && !b.aboutBlocks(resp)) {
		return nil, errNoFilterRoute
	}
	if err := b.statusError(resp); err != nil {
		return nil, err
	}
	if !q.includeSecrets {
		// Only names are read: Prefect 3.4 answers a non-empty object
		// value in clear even without include_secrets, and such a value
		// must never be kept, let alone printed or masked.
		var named []struct {
			Name string `json:"name"`
		}
		if err := decodeStrict(resp.Body, &named); err != nil {
			return nil, errors.New("the response is not a list of block documents")
		}
		docs := make([]blockDocument, len(named))
		for i, n := range named {
			docs[i].Name = n.Name
		}
		return docs, nil
	}
	var docs []blockDocument
	if err := decodeStrict(resp.Body, &docs); err != nil {
		return nil, errors.New("the response is not a list of block documents")
	}
	return docs, nil
}

// decodeStrict decodes one JSON document that must not be null and must
// not be followed by anything: a body of "null" or with trailing data is a
// broken answer, never an empty one.
func decodeStrict(r io.Reader, v any) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || string(t) == "null" {
		return errors.New("empty or null body")
	}
	return json.Unmarshal(body, v)
}

// MaxListed bounds the documents one listing reads, matching or not: past
// it, a server is either hostile or holds more blocks than any wildcard
// should go through.
const MaxListed = 20000

// List lists the Secret blocks whose names start with prefix, a page of
// 200 at a time. The server narrows the listing with like_ (a
// case-insensitive substring match); the exact prefix test is made here.
// With values the pages carry the values too (include_secrets), so that a
// wildcard costs one round of pages; without, only names are read. More
// than limit matches is an error.
func (b *Backend) List(ctx context.Context, prefix string, limit int, values bool) ([]string, map[string]prefect.Resolution, error) {
	var names []string
	resolved := map[string]prefect.Resolution{}
	seen := map[string]bool{}
	listed := 0
	for offset := 0; ; offset += PageSize {
		docs, err := b.filter(ctx, filterQuery{like: prefix, listing: true, includeSecrets: values, offset: offset})
		if errors.Is(err, errNoFilterRoute) {
			return nil, nil, fmt.Errorf("rest backend at %s: listing secret blocks for %q needs POST /block_documents/filter, which the server does not answer; check api-url (it ends in /api, or /api/accounts/<id>/workspaces/<id> on Prefect Cloud)", b.host, prefix+"*")
		}
		if err != nil {
			return nil, nil, b.wrap("listing secret blocks", err)
		}
		b.markFilter(true)
		if len(docs) > PageSize {
			return nil, nil, b.wrap("listing secret blocks", fmt.Errorf("the server sent %d documents for a page of %d", len(docs), PageSize))
		}
		fresh := 0
		for _, d := range docs {
			if seen[d.Name] {
				continue
			}
			seen[d.Name] = true
			fresh++
			if !strings.HasPrefix(d.Name, prefix) {
				continue
			}
			names = append(names, d.Name)
			if values {
				resolved[d.Name] = b.resolution(d)
			}
		}
		if len(names) > limit {
			return nil, nil, b.wrap("listing secret blocks", fmt.Errorf("more than %d names start with %q", limit, prefix))
		}
		if len(docs) < PageSize {
			return names, resolved, nil
		}
		// A full page with nothing new means the server ignores offset:
		// asking again would bring the same page forever.
		if fresh == 0 {
			return nil, nil, b.wrap("listing secret blocks", errors.New("the server sent a page of names it had already sent; it does not page by offset"))
		}
		if listed += len(docs); listed > MaxListed {
			return nil, nil, b.wrap("listing secret blocks", fmt.Errorf("more than %d blocks hold %q", MaxListed, prefix))
		}
	}
}

// Exists reports which names exist, without asking for any value: by the
// filter route, or one GET without include_secrets per name where the
// server lacks it.
func (b *Backend) Exists(ctx context.Context, names []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, n := range names {
		out[n] = false
	}
	err := b.byChunks(ctx, validNames(names), func(ctx context.Context, chunk []string) error {
		docs, err := b.filter(ctx, filterQuery{names: chunk})
		if err != nil {
			return err
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, d := range docs {
			if _, asked := out[d.Name]; asked {
				out[d.Name] = true
			}
		}
		return nil
	}, func(ctx context.Context, name string) error {
		doc, err := b.readOne(ctx, name, false)
		if err != nil {
			return b.wrap(fmt.Sprintf("checking secret block %q", name), err)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		out[name] = doc != nil
		return nil
	}, "checking secret blocks")
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Values resolves names with one filter request per 200 names, or with one
// request per name where the filter route is unavailable. Names that
// cannot be block names are missing without asking.
func (b *Backend) Values(ctx context.Context, names []string) (map[string]prefect.Resolution, error) {
	out := map[string]prefect.Resolution{}
	err := b.byChunks(ctx, validNames(names), func(ctx context.Context, chunk []string) error {
		docs, err := b.filter(ctx, filterQuery{names: chunk, includeSecrets: true})
		if err != nil {
			return err
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, d := range docs {
			out[d.Name] = b.resolution(d)
		}
		return nil
	}, func(ctx context.Context, name string) error {
		doc, err := b.readOne(ctx, name, true)
		if err != nil {
			return b.wrap(fmt.Sprintf("reading secret block %q", name), err)
		}
		if doc != nil {
			b.mu.Lock()
			defer b.mu.Unlock()
			out[name] = b.resolution(*doc)
		}
		return nil
	}, "reading secret blocks")
	if err != nil {
		return nil, err
	}
	return out, nil
}

func validNames(names []string) []string {
	var valid []string
	for _, n := range names {
		if ValidName.MatchString(n) {
			valid = append(valid, n)
		}
	}
	return valid
}

// byChunks runs page on every 200 names, pages in parallel (at most
// Concurrency at a time), or one on every name where the filter route is
// unavailable. Until a run knows whether the server has the route, the
// first page goes alone: it is the probe, and only one is ever sent.
func (b *Backend) byChunks(ctx context.Context, names []string, page func(context.Context, []string) error, one func(context.Context, string) error, what string) error {
	var chunks [][]string
	for start := 0; start < len(names); start += PageSize {
		chunks = append(chunks, names[start:min(start+PageSize, len(names))])
	}
	if len(chunks) == 0 {
		return nil
	}
	if b.filterKnown() == filterUnknown {
		err := page(ctx, chunks[0])
		switch {
		case errors.Is(err, errNoFilterRoute):
			b.markFilter(false)
		case err != nil:
			return b.wrap(what, err)
		default:
			b.markFilter(true)
			chunks = chunks[1:]
		}
	}
	if b.filterKnown() == filterAbsent {
		return forEach(ctx, names, one)
	}
	return forEach(ctx, chunks, func(ctx context.Context, chunk []string) error {
		if err := page(ctx, chunk); err != nil {
			return b.wrap(what, err)
		}
		return nil
	})
}

// forEach runs fn on every item, at most Concurrency at a time, and
// returns the first error; the others are cancelled.
func forEach[T any](ctx context.Context, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, Concurrency)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// What a run knows of the filter route.
const (
	filterUnknown = iota
	filterPresent
	filterAbsent
)

func (b *Backend) markFilter(present bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.filterState = filterAbsent
	if present {
		b.filterState = filterPresent
	}
}

func (b *Backend) filterKnown() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.filterState
}

func (b *Backend) readOne(ctx context.Context, name string, includeSecrets bool) (*blockDocument, error) {
	u := b.base + "/block_types/slug/secret/block_documents/name/" + url.PathEscape(name)
	if includeSecrets {
		u += "?include_secrets=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, netclient.UnwrapURL(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		if b.aboutBlocks(resp) {
			return nil, nil // {"detail": "Block document not found"}
		}
		return nil, errors.New("HTTP 404 for the block route itself; check api-url (it ends in /api, or /api/accounts/<id>/workspaces/<id> on Prefect Cloud)")
	}
	if err := b.statusError(resp); err != nil {
		return nil, err
	}
	var doc blockDocument
	if err := decodeStrict(resp.Body, &doc); err != nil {
		return nil, errors.New("the response is not a block document")
	}
	if doc.Name == "" {
		doc.Name = name
	}
	return &doc, nil
}

func (b *Backend) resolution(d blockDocument) prefect.Resolution {
	r := prefect.Resolution{Found: true, Source: prefect.SourceREST}
	if len(d.Data.Value) == 0 {
		r.Err = errors.New("the Secret block has no value")
		return r
	}
	r.Text, r.Null, r.Err = prefect.RenderBackendValue(d.Data.Value, b.format, b.generation(d))
	b.nc.Redactor.Add(r.Text)
	return r
}

// aboutBlocks tells Prefect's "block document not found" from a route the
// server does not have ({"detail": "Not Found"}), so that a wrong api-url
// is never mistaken for missing secrets. It consumes the body.
func (b *Backend) aboutBlocks(resp *http.Response) bool {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return strings.Contains(strings.ToLower(b.nc.Detail(body, "detail")), "block")
}

func (b *Backend) statusError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return &netclient.StatusError{
		Host:   resp.Request.URL.Host,
		Status: resp.StatusCode,
		Detail: b.nc.Detail(body, "detail", "exception_message"),
	}
}

func (b *Backend) wrap(what string, err error) error {
	var se *netclient.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
		return fmt.Errorf("rest backend at %s: %s: authentication failed (HTTP %d); check api-key or auth-string", b.host, what, se.Status)
	}
	return fmt.Errorf("rest backend at %s: %s: %w", b.host, what, err)
}
