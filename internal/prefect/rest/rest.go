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
	// Random makes the CSRF client id; nil means crypto/rand.
	Random io.Reader
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

	csrf csrf

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
		csrf:   csrf{random: opts.Random},
	}, nil
}

// Kind implements the backend interface.
func (b *Backend) Kind() string { return prefect.SourceREST }

// Requests implements the backend interface.
func (b *Backend) Requests() int { return b.nc.Requests() }

type blockDocument struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Data          json.RawMessage `json:"data"`
	Updated       time.Time       `json:"updated"`
	BlockSchemaID string          `json:"block_schema_id"`
	BlockTypeID   string          `json:"block_type_id"`
	BlockSchema   *blockSchema    `json:"block_schema"`
	BlockType     struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
	} `json:"block_type"`
}

// blockSchema is a block schema as documents embed it and
// /block_schemas/filter lists it.
type blockSchema struct {
	ID          string    `json:"id"`
	Created     time.Time `json:"created"`
	Version     string    `json:"version"`
	BlockTypeID string    `json:"block_type_id"`
	Fields      struct {
		SecretFields []string                   `json:"secret_fields"`
		Properties   map[string]json.RawMessage `json:"properties"`
		Required     []string                   `json:"required"`
	} `json:"fields"`
}

// key is the document's key: its name for a Secret block, slug/name for
// any other (prefect.BlockKey).
func (d blockDocument) key() string {
	slug := d.BlockType.Slug
	if slug == "" {
		slug = secretSlug
	}
	return prefect.BlockKey(slug, d.Name)
}

const secretSlug = "secret"

// ref is one block asked for.
type ref struct{ slug, name string }

func parseKey(key string) ref {
	slug, name := prefect.SplitBlockKey(key)
	if slug == "" {
		slug = secretSlug
	}
	return ref{slug: slug, name: name}
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
	slugs          []string // block types; Secret blocks when empty
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
	body.BlockTypes.Slug.Any = q.slugs
	if len(q.slugs) == 0 {
		body.BlockTypes.Slug.Any = []string{secretSlug}
	}
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
	resp, err := b.send(ctx, http.MethodPost, "/block_documents/filter", body)
	if err != nil {
		return nil, err
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
			Name      string    `json:"name"`
			Updated   time.Time `json:"updated"`
			BlockType struct {
				ID   string `json:"id"`
				Slug string `json:"slug"`
			} `json:"block_type"`
		}
		if err := netclient.DecodeJSON(resp.Body, &named); err != nil {
			return nil, errors.New("the response is not a list of block documents")
		}
		docs := make([]blockDocument, len(named))
		for i, n := range named {
			docs[i].Name, docs[i].Updated, docs[i].BlockType = n.Name, n.Updated, n.BlockType
		}
		return docs, nil
	}
	var docs []blockDocument
	if err := netclient.DecodeJSON(resp.Body, &docs); err != nil {
		return nil, errors.New("the response is not a list of block documents")
	}
	return docs, nil
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
//
// A prefix of the form slug/prefix lists blocks of that type; the names
// returned are then block keys.
func (b *Backend) List(ctx context.Context, prefixKey string, limit int, values bool) ([]string, map[string]prefect.Resolution, error) {
	r := parseKey(prefixKey)
	prefix := r.name
	var names []string
	resolved := map[string]prefect.Resolution{}
	seen := map[string]bool{}
	listed := 0
	for offset := 0; ; offset += PageSize {
		docs, err := b.filter(ctx, filterQuery{slugs: []string{r.slug}, like: prefix, listing: true, includeSecrets: values, offset: offset})
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
			if !strings.HasPrefix(d.Name, prefix) || (d.BlockType.Slug != "" && d.BlockType.Slug != r.slug) {
				continue
			}
			key := prefect.BlockKey(r.slug, d.Name)
			names = append(names, key)
			if values {
				resolved[key] = b.resolution(d)
			} else {
				resolved[key] = prefect.Resolution{Found: true, Source: prefect.SourceREST, Updated: d.Updated}
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

// Exists reports which keys exist, without asking for any value: by the
// filter route, or one GET without include_secrets per key where the
// server lacks it. Keys are Secret block names or slug/name block keys.
func (b *Backend) Exists(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, k := range keys {
		out[k] = false
	}
	found, err := b.read(ctx, keys, false)
	if err != nil {
		return nil, err
	}
	for k := range found {
		out[k] = true
	}
	return out, nil
}

// Values resolves keys (Secret block names, or slug/name for any block
// type): one filter request per block type group and 200 names, or one
// request per key where the filter route is unavailable. Names that
// cannot be block names are missing without asking.
func (b *Backend) Values(ctx context.Context, keys []string) (map[string]prefect.Resolution, error) {
	return b.read(ctx, keys, true)
}

// read resolves keys from their documents.
func (b *Backend) read(ctx context.Context, keys []string, includeSecrets bool) (map[string]prefect.Resolution, error) {
	docs, err := b.documents(ctx, keys, includeSecrets)
	if err != nil {
		return nil, err
	}
	out := make(map[string]prefect.Resolution, len(docs))
	for k, d := range docs {
		out[k] = b.document(d, includeSecrets)
	}
	return out, nil
}

// documents fetches the documents of keys. Secret blocks, the usual bulk,
// go in pages of their own; other types share pages while the names asked
// times the types asked stays within a page: the filter matches every name
// under every type, and so can never answer more than fits.
func (b *Backend) documents(ctx context.Context, keys []string, includeSecrets bool) (map[string]blockDocument, error) {
	var secrets, blocks []ref
	seen := map[string]bool{}
	for _, k := range keys {
		r := parseKey(k)
		if seen[k] || !ValidName.MatchString(r.name) || !ValidName.MatchString(r.slug) {
			continue
		}
		seen[k] = true
		if r.slug == secretSlug {
			secrets = append(secrets, r)
		} else {
			blocks = append(blocks, r)
		}
	}
	groups := pageGroups(secrets)
	groups = append(groups, pageGroups(blocks)...)
	out := map[string]blockDocument{}
	var mu sync.Mutex
	err := b.byGroups(ctx, groups, func(ctx context.Context, g []ref) error {
		want := map[string]bool{}
		slugSet := map[string]bool{}
		var slugs, names []string
		for _, r := range g {
			want[prefect.BlockKey(r.slug, r.name)] = true
			if !slugSet[r.slug] {
				slugSet[r.slug] = true
				slugs = append(slugs, r.slug)
			}
			names = append(names, r.name)
		}
		docs, err := b.filter(ctx, filterQuery{slugs: slugs, names: names, includeSecrets: includeSecrets})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, d := range docs {
			if k := d.key(); want[k] {
				out[k] = d
			}
		}
		return nil
	}, func(ctx context.Context, r ref) error {
		doc, err := b.readOne(ctx, r, includeSecrets)
		if err != nil {
			return b.wrap(fmt.Sprintf("reading block %q", prefect.BlockKey(r.slug, r.name)), err)
		}
		if doc != nil {
			mu.Lock()
			defer mu.Unlock()
			out[prefect.BlockKey(r.slug, r.name)] = *doc
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// document resolves a document read with values, or only records that it
// exists.
func (b *Backend) document(d blockDocument, withValues bool) prefect.Resolution {
	if !withValues {
		return prefect.Resolution{Found: true, Source: prefect.SourceREST, Updated: d.Updated}
	}
	return b.resolution(d)
}

// pageGroups splits refs into groups that fit a page: distinct names
// times distinct types at most PageSize.
func pageGroups(refs []ref) [][]ref {
	var groups [][]ref
	var cur []ref
	names, slugs := map[string]bool{}, map[string]bool{}
	for _, r := range refs {
		n, s := len(names), len(slugs)
		if !names[r.name] {
			n++
		}
		if !slugs[r.slug] {
			s++
		}
		if len(cur) > 0 && n*s > PageSize {
			groups = append(groups, cur)
			cur, names, slugs = nil, map[string]bool{}, map[string]bool{}
		}
		cur = append(cur, r)
		names[r.name], slugs[r.slug] = true, true
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// byGroups runs page on every group, in parallel (at most Concurrency at
// a time), or one on every ref where the filter route is unavailable.
// Until a run knows whether the server has the route, the first group
// goes alone: it is the probe, and only one is ever sent.
func (b *Backend) byGroups(ctx context.Context, groups [][]ref, page func(context.Context, []ref) error, one func(context.Context, ref) error) error {
	if len(groups) == 0 {
		return nil
	}
	if b.filterKnown() == filterUnknown {
		err := page(ctx, groups[0])
		switch {
		case errors.Is(err, errNoFilterRoute):
			b.markFilter(false)
		case err != nil:
			return b.wrap("reading blocks", err)
		default:
			b.markFilter(true)
			groups = groups[1:]
		}
	}
	if b.filterKnown() == filterAbsent {
		var refs []ref
		for _, g := range groups {
			refs = append(refs, g...)
		}
		return forEach(ctx, refs, one)
	}
	return forEach(ctx, groups, func(ctx context.Context, g []ref) error {
		if err := page(ctx, g); err != nil {
			return b.wrap("reading blocks", err)
		}
		return nil
	})
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

func (b *Backend) readOne(ctx context.Context, r ref, includeSecrets bool) (*blockDocument, error) {
	route := "/block_types/slug/" + url.PathEscape(r.slug) + "/block_documents/name/" + url.PathEscape(r.name)
	if includeSecrets {
		route += "?include_secrets=true"
	}
	resp, err := b.send(ctx, http.MethodGet, route, nil)
	if err != nil {
		return nil, err
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
	if err := netclient.DecodeJSON(resp.Body, &doc); err != nil {
		return nil, errors.New("the response is not a block document")
	}
	if doc.Name == "" {
		doc.Name = r.name
	}
	if doc.BlockType.Slug == "" {
		doc.BlockType.Slug = r.slug
	}
	return &doc, nil
}

// resolution renders a document read with its values. A Secret block is
// its value, read as the generation that wrote it; any other block is its
// whole data, kept as JSON for profiles, with the schema's secret fields.
func (b *Backend) resolution(d blockDocument) prefect.Resolution {
	r := prefect.Resolution{Found: true, Source: prefect.SourceREST, Updated: d.Updated}
	if d.BlockType.Slug != "" && d.BlockType.Slug != secretSlug {
		if len(bytes.TrimSpace(d.Data)) == 0 || bytes.TrimSpace(d.Data)[0] != '{' {
			r.Err = errors.New("the block has no data object")
			return r
		}
		r.Data = d.Data
		if d.BlockSchema != nil {
			r.SecretFields = d.BlockSchema.Fields.SecretFields
		}
		r.Text, r.Null, r.Err = prefect.RenderBackendValue(d.Data, b.format, prefect.Prefect3)
		b.nc.Redactor.Add(r.Text)
		return r
	}
	var data struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(d.Data, &data); err != nil || len(data.Value) == 0 {
		r.Err = errors.New("the Secret block has no value")
		return r
	}
	r.Text, r.Null, r.Err = prefect.RenderBackendValue(data.Value, b.format, b.generation(d))
	r.SecretFields = []string{"value"}
	b.nc.Redactor.Add(r.Text)
	return r
}

// aboutBlocks tells Prefect's "block document not found" from a route the
// server does not have ({"detail": "Not Found"}), so that a wrong api-url
// is never mistaken for missing secrets. It consumes the body.
func (b *Backend) aboutBlocks(resp *http.Response) bool {
	body := readAllLimited(resp.Body)
	return strings.Contains(strings.ToLower(b.nc.Detail(body, "detail")), "block")
}

func (b *Backend) statusError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	body := readAllLimited(resp.Body)
	detail := ""
	if resp.StatusCode == http.StatusUnprocessableEntity {
		detail = b.detail422(body)
	}
	if detail == "" {
		detail = b.nc.Detail(body, "detail", "exception_message")
	}
	return &netclient.StatusError{Host: resp.Request.URL.Host, Status: resp.StatusCode, Detail: detail}
}

func (b *Backend) wrap(what string, err error) error {
	var se *netclient.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
		said := ""
		if se.Detail != "" {
			said = ": " + se.Detail
		}
		return fmt.Errorf("rest backend at %s: %s: authentication failed (HTTP %d)%s; check api-key or auth-string", b.host, what, se.Status, said)
	}
	return fmt.Errorf("rest backend at %s: %s: %w", b.host, what, err)
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

type variable struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Value   json.RawMessage `json:"value"`
	Tags    []string        `json:"tags"`
	Updated time.Time       `json:"updated"`
}

// variablesFilter runs one POST /variables/filter.
func (b *Backend) variablesFilter(ctx context.Context, names []string, like string, offset int) ([]variable, error) {
	name := map[string]any{}
	if names != nil {
		name["any_"] = names
	} else if like != "" {
		name["like_"] = like
	}
	body := map[string]any{"limit": PageSize, "offset": offset, "sort": "NAME_ASC"}
	if len(name) > 0 {
		body["variables"] = map[string]any{"name": name}
	}
	resp, err := b.send(ctx, http.MethodPost, "/variables/filter", body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := b.statusError(resp); err != nil {
		return nil, err
	}
	var vars []variable
	if err := netclient.DecodeJSON(resp.Body, &vars); err != nil {
		return nil, errors.New("the response is not a list of variables")
	}
	if len(vars) > PageSize {
		return nil, fmt.Errorf("the server sent %d variables for a page of %d", len(vars), PageSize)
	}
	return vars, nil
}

// ValidVariable is what a Prefect Variable name may be.
var ValidVariable = regexp.MustCompile(`^[a-z0-9_-]+$`)

// Variables resolves Prefect Variables by name, 200 a request. A value is
// exported as Variable.get gives it: a string as it is, anything else as
// JSON, null as empty.
func (b *Backend) Variables(ctx context.Context, names []string) (map[string]prefect.Resolution, error) {
	var valid []string
	for _, n := range names {
		if ValidVariable.MatchString(n) {
			valid = append(valid, n)
		}
	}
	vars, err := b.variableStates(ctx, valid)
	if err != nil {
		return nil, err
	}
	out := make(map[string]prefect.Resolution, len(vars))
	for name, v := range vars {
		out[name] = b.variableResolution(v)
	}
	return out, nil
}

// variableStates reads Variables by name, 200 a request, with their ids
// and tags.
func (b *Backend) variableStates(ctx context.Context, names []string) (map[string]variable, error) {
	var chunks [][]string
	for start := 0; start < len(names); start += PageSize {
		chunks = append(chunks, names[start:min(start+PageSize, len(names))])
	}
	out := map[string]variable{}
	var mu sync.Mutex
	err := forEach(ctx, chunks, func(ctx context.Context, chunk []string) error {
		vars, err := b.variablesFilter(ctx, chunk, "", 0)
		if err != nil {
			return b.wrap("reading variables", err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, v := range vars {
			out[v.Name] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListVariables lists the Variables whose names start with prefix, with
// their values, a page of 200 at a time.
func (b *Backend) ListVariables(ctx context.Context, prefix string, limit int) ([]string, map[string]prefect.Resolution, error) {
	var names []string
	out := map[string]prefect.Resolution{}
	seen := map[string]bool{}
	for offset := 0; ; offset += PageSize {
		vars, err := b.variablesFilter(ctx, nil, prefix, offset)
		if err != nil {
			return nil, nil, b.wrap("listing variables", err)
		}
		fresh := 0
		for _, v := range vars {
			if seen[v.Name] {
				continue
			}
			seen[v.Name] = true
			fresh++
			if strings.HasPrefix(v.Name, prefix) {
				names = append(names, v.Name)
				out[v.Name] = b.variableResolution(v)
			}
		}
		if len(names) > limit {
			return nil, nil, b.wrap("listing variables", fmt.Errorf("more than %d names start with %q", limit, prefix))
		}
		if len(vars) < PageSize {
			return names, out, nil
		}
		if fresh == 0 || len(seen) > MaxListed {
			return nil, nil, b.wrap("listing variables", errors.New("the server repeats pages or lists too many"))
		}
	}
}

func (b *Backend) variableResolution(v variable) prefect.Resolution {
	r := prefect.Resolution{Found: true, Source: prefect.SourceREST, Updated: v.Updated}
	if len(v.Value) == 0 {
		v.Value = json.RawMessage("null")
	}
	// Variable.get returns the stored value itself, never json.loads of a
	// string: Prefect 2's Secret semantics.
	r.Text, r.Null, r.Err = prefect.RenderBackendValue(v.Value, b.format, prefect.Prefect2)
	return r
}
