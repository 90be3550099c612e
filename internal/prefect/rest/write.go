package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/prefect-secrets/prefect-secrets-action/internal/netclient"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

// target is what Plan learned of one block: the existing document, or the
// type and newest schema a create uses.
type target struct {
	doc    *blockDocument
	typeID string
	schema *blockSchema
}

// Plan reads the current state of every change: the documents of the
// blocks with their values (one filter request per page, as reads go),
// the Variables (one filter request per 200 names), and, only for blocks
// that do not exist yet, their types and the types' newest schemas. It
// checks every block change against the schema it will be written with:
// the existing document's for an update, the newest for a create. It
// never registers a type or a schema, and writes nothing.
func (b *Backend) Plan(ctx context.Context, changes []prefect.Change) ([]prefect.Planned, error) {
	var keys, names []string
	for _, c := range changes {
		if c.Variable {
			names = append(names, c.Key)
		} else {
			keys = append(keys, c.Key)
		}
	}
	var docs map[string]blockDocument
	var vars map[string]variable
	var docErr, varErr error
	var wg sync.WaitGroup
	if len(keys) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs, docErr = b.documents(ctx, keys, true)
		}()
	}
	if len(names) > 0 {
		vars, varErr = b.variableStates(ctx, names)
	}
	wg.Wait()
	if docErr != nil {
		return nil, docErr
	}
	if varErr != nil {
		return nil, varErr
	}
	var newSlugs []string
	knownType := map[string]string{}
	for _, d := range docs {
		if id := firstSet(d.BlockTypeID, d.BlockType.ID); id != "" {
			knownType[d.BlockType.Slug] = id
		}
	}
	seenSlug := map[string]bool{}
	for _, k := range keys {
		if _, ok := docs[k]; ok {
			continue
		}
		slug := parseKey(k).slug
		if !seenSlug[slug] {
			seenSlug[slug] = true
			newSlugs = append(newSlugs, slug)
		}
	}
	types, schemas, err := b.newestSchemas(ctx, newSlugs, knownType)
	if err != nil {
		return nil, err
	}
	out := make([]prefect.Planned, 0, len(changes))
	for _, c := range changes {
		p := prefect.Planned{Change: c}
		if c.Variable {
			if v, ok := vars[c.Key]; ok {
				p.Exists, p.Differs = true, !prefect.SameJSON(v.Value, c.Value)
			}
			out = append(out, p)
			continue
		}
		slug := parseKey(c.Key).slug
		if d, ok := docs[c.Key]; ok {
			p.Exists = true
			p.Differs = differs(d.Data, c.Fields)
			p.Handle = target{doc: &d}
			if d.BlockSchema != nil {
				p.Problem = checkFields(d.BlockSchema, c.Fields, false)
			}
		} else {
			switch {
			case types[slug] == "":
				p.Problem = fmt.Errorf("the server has no block type %q; it is registered by installing its Prefect collection, never by a write", slug)
			case schemas[slug] == nil:
				p.Problem = fmt.Errorf("the server has no schema for block type %q", slug)
			default:
				p.Problem = checkFields(schemas[slug], c.Fields, true)
			}
			p.Handle = target{typeID: types[slug], schema: schemas[slug]}
		}
		out = append(out, p)
	}
	return out, nil
}

func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// differs reports whether setting fields would change data.
func differs(data json.RawMessage, fields map[string]json.RawMessage) bool {
	var current map[string]json.RawMessage
	if json.Unmarshal(data, &current) != nil {
		return true
	}
	for name, value := range fields {
		old, ok := current[name]
		if !ok || !prefect.SameJSON(old, value) {
			return true
		}
	}
	return false
}

// checkFields refuses data the schema does not describe: a field it has
// no property for, a value of a type the property does not allow, and,
// for a create, a required field left out. The server checks none of
// this, and a block that does not match its schema fails to load in
// every flow that uses it.
func checkFields(s *blockSchema, fields map[string]json.RawMessage, create bool) error {
	if len(s.Fields.Properties) == 0 {
		return nil
	}
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		prop, ok := s.Fields.Properties[n]
		if !ok {
			return fmt.Errorf("the block schema (version %s) has no field %q", s.Version, n)
		}
		if allowed, any := propertyTypes(prop); !any && !allowed[jsonType(fields[n])] {
			return fmt.Errorf("the block schema (version %s) does not allow %s for field %q", s.Version, article(jsonType(fields[n])), n)
		}
	}
	if create {
		for _, r := range s.Fields.Required {
			if _, ok := fields[r]; !ok {
				return fmt.Errorf("the block schema (version %s) requires field %q, which this entry does not give", s.Version, r)
			}
		}
	}
	return nil
}

func article(t string) string {
	if t == "object" || t == "array" || t == "integer" {
		return "an " + t
	}
	return "a " + t
}

// propertyTypes lists the JSON types a schema property allows, from its
// type and the alternatives of anyOf, oneOf and allOf; any is true when
// some alternative does not restrict the type (a $ref, {}).
func propertyTypes(prop json.RawMessage) (map[string]bool, bool) {
	var p struct {
		Type  json.RawMessage   `json:"type"`
		AnyOf []json.RawMessage `json:"anyOf"`
		OneOf []json.RawMessage `json:"oneOf"`
		AllOf []json.RawMessage `json:"allOf"`
		Ref   string            `json:"$ref"`
	}
	if json.Unmarshal(prop, &p) != nil {
		return nil, true
	}
	alts := append(append(p.AnyOf, p.OneOf...), p.AllOf...)
	if len(alts) > 0 {
		allowed := map[string]bool{}
		for _, a := range alts {
			sub, any := propertyTypes(a)
			if any {
				return nil, true
			}
			for t := range sub {
				allowed[t] = true
			}
		}
		return allowed, false
	}
	if p.Ref != "" || len(p.Type) == 0 {
		return nil, true
	}
	var one string
	var many []string
	allowed := map[string]bool{}
	if json.Unmarshal(p.Type, &one) == nil {
		many = []string{one}
	} else if json.Unmarshal(p.Type, &many) != nil {
		return nil, true
	}
	for _, t := range many {
		allowed[t] = true
		if t == "number" {
			allowed["integer"] = true
		}
	}
	return allowed, false
}

// jsonType names a JSON value's type as JSON Schema does.
func jsonType(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "null"
	}
	switch t[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	if bytes.ContainsAny(t, ".eE") {
		return "number"
	}
	return "integer"
}

// newestSchemas finds the type id of every slug (from the documents read,
// else GET /block_types/slug/<slug>) and the newest schema of each, with
// one POST /block_schemas/filter for all the types. A slug the server does
// not know has no id.
func (b *Backend) newestSchemas(ctx context.Context, slugs []string, known map[string]string) (map[string]string, map[string]*blockSchema, error) {
	types := map[string]string{}
	var mu sync.Mutex
	var lookup []string
	for _, s := range slugs {
		if id := known[s]; id != "" {
			types[s] = id
		} else {
			lookup = append(lookup, s)
		}
	}
	err := forEach(ctx, lookup, func(ctx context.Context, slug string) error {
		resp, err := b.send(ctx, http.MethodGet, "/block_types/slug/"+url.PathEscape(slug), nil)
		if err != nil {
			return b.wrap(fmt.Sprintf("reading block type %q", slug), err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil
		}
		if err := b.statusError(resp); err != nil {
			return b.wrap(fmt.Sprintf("reading block type %q", slug), err)
		}
		var bt struct {
			ID string `json:"id"`
		}
		if err := netclient.DecodeJSON(resp.Body, &bt); err != nil || bt.ID == "" {
			return b.wrap(fmt.Sprintf("reading block type %q", slug), errors.New("the response is not a block type"))
		}
		mu.Lock()
		defer mu.Unlock()
		types[slug] = bt.ID
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	slugOf := map[string]string{}
	for s, id := range types {
		ids = append(ids, id)
		slugOf[id] = s
	}
	schemas := map[string]*blockSchema{}
	if len(ids) == 0 {
		return types, schemas, nil
	}
	sort.Strings(ids)
	body := map[string]any{"block_schemas": map[string]any{"block_type_id": map[string]any{"any_": ids}}}
	resp, err := b.send(ctx, http.MethodPost, "/block_schemas/filter", body)
	if err != nil {
		return nil, nil, b.wrap("reading block schemas", err)
	}
	defer resp.Body.Close()
	if err := b.statusError(resp); err != nil {
		return nil, nil, b.wrap("reading block schemas", err)
	}
	var list []blockSchema
	if err := netclient.DecodeJSON(resp.Body, &list); err != nil {
		return nil, nil, b.wrap("reading block schemas", errors.New("the response is not a list of block schemas"))
	}
	// The server lists the newest first; the dates decide all the same.
	for i := range list {
		s := &list[i]
		slug, ok := slugOf[s.BlockTypeID]
		if !ok {
			continue
		}
		if cur := schemas[slug]; cur == nil || s.Created.After(cur.Created) {
			schemas[slug] = s
		}
	}
	return types, schemas, nil
}

// Write makes one planned create or update. A create that finds the name
// taken (a writer that came first, or a POST retried after a 503 whose
// first attempt went through) goes on, when overwrite is set, to read the
// document and PATCH it; an update whose target was deleted meanwhile
// creates it again. It returns what was done.
func (b *Backend) Write(ctx context.Context, p prefect.Planned, overwrite bool) (prefect.Action, error) {
	if p.Variable {
		return b.writeVariable(ctx, p, overwrite)
	}
	t, _ := p.Handle.(target)
	r := parseKey(p.Key)
	if t.doc != nil {
		err := b.patch(ctx, *t.doc, p.Fields)
		if !errors.Is(err, errGone) {
			return prefect.ActionUpdate, b.entryError(p.Key, err)
		}
		t = target{typeID: firstSet(t.doc.BlockTypeID, t.doc.BlockType.ID), schema: &blockSchema{ID: t.doc.BlockSchemaID}}
	}
	if t.schema == nil || t.typeID == "" {
		return "", b.entryError(p.Key, errors.New("no block type or schema to create it with"))
	}
	body := map[string]any{"name": r.name, "block_type_id": t.typeID, "block_schema_id": t.schema.ID, "data": p.Fields, "is_anonymous": false}
	if done, err := b.create(ctx, "/block_documents/", body, overwrite); done || err != nil {
		return prefect.ActionCreate, b.entryError(p.Key, err)
	}
	doc, err := b.readOne(ctx, r, true)
	if err != nil {
		return "", b.entryError(p.Key, err)
	}
	if doc == nil {
		return "", b.entryError(p.Key, errors.New("the server said it exists, then that it does not"))
	}
	if !differs(doc.Data, p.Fields) {
		return prefect.ActionUnchanged, nil
	}
	return prefect.ActionUpdate, b.entryError(p.Key, b.patch(ctx, *doc, p.Fields))
}

var errGone = errors.New("deleted meanwhile")

// patch sets fields of a document. The server merges the top level of
// data (merge_existing_data defaults to true), so the fields not sent
// keep their values; the document keeps its schema.
func (b *Backend) patch(ctx context.Context, doc blockDocument, fields map[string]json.RawMessage) error {
	if doc.ID == "" {
		return errors.New("the server gave the document no id")
	}
	return b.update(ctx, "/block_documents/"+url.PathEscape(doc.ID), map[string]any{"data": fields})
}

// create POSTs a new object. done is false when the name is taken (409)
// and overwrite allows going on to an update; without overwrite a taken
// name is ErrTaken.
func (b *Backend) create(ctx context.Context, route string, body any, overwrite bool) (done bool, err error) {
	resp, err := b.send(ctx, http.MethodPost, route, body)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode != http.StatusConflict:
		return true, b.statusError(resp)
	case !overwrite:
		return false, prefect.ErrTaken
	}
	return false, nil
}

// update PATCHes an object; errGone when it no longer exists.
func (b *Backend) update(ctx context.Context, route string, body any) error {
	resp, err := b.send(ctx, http.MethodPatch, route, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return errGone
	}
	return b.statusError(resp)
}

func (b *Backend) writeVariable(ctx context.Context, p prefect.Planned, overwrite bool) (prefect.Action, error) {
	// Only value is sent: a partial update keeps the tags.
	patch := func() error {
		return b.update(ctx, "/variables/name/"+url.PathEscape(p.Key), map[string]any{"value": p.Value})
	}
	if p.Exists {
		if err := patch(); !errors.Is(err, errGone) {
			return prefect.ActionUpdate, b.entryError(p.Key, err)
		}
	}
	body := map[string]any{"name": p.Key, "value": p.Value, "tags": []string{}}
	if done, err := b.create(ctx, "/variables/", body, overwrite); done || err != nil {
		return prefect.ActionCreate, b.entryError(p.Key, err)
	}
	return prefect.ActionUpdate, b.entryError(p.Key, patch())
}

// entryError wraps the failure of one entry's write, or returns nil.
func (b *Backend) entryError(key string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, prefect.ErrTaken) {
		return err
	}
	return b.wrap(fmt.Sprintf("writing %q", key), err)
}

// detail422 reads the first message of a validation error body:
// {"exception_message": …, "exception_detail": [{"loc": […], "msg": …}]}.
func (b *Backend) detail422(body []byte) string {
	var parsed struct {
		Detail []struct {
			Loc []any  `json:"loc"`
			Msg string `json:"msg"`
		} `json:"exception_detail"`
	}
	if json.Unmarshal(body, &parsed) != nil || len(parsed.Detail) == 0 {
		return ""
	}
	d := parsed.Detail[0]
	var loc []string
	for _, l := range d.Loc {
		if s, ok := l.(string); ok && s != "body" {
			loc = append(loc, s)
		}
	}
	msg := b.nc.Clean(d.Msg)
	if len(loc) > 0 {
		msg = b.nc.Clean(strings.Join(loc, ".")) + ": " + msg
	}
	return msg
}

// readAllLimited reads at most 64 KiB of an error body.
func readAllLimited(r io.Reader) []byte {
	body, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	return body
}
