// Package writeback writes values a CI job holds into Prefect: it builds
// each entry's value from the step's environment and files, checks every
// entry before anything is written, reads what exists, decides for each
// entry whether to create, update or leave it, and makes the writes with
// bounded parallelism. It knows neither GitHub's runner nor how the
// backends talk; a Store does that.
package writeback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/credential"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

// Store is a backend that can be written to.
type Store interface {
	// Plan reads the current state of every change and writes nothing.
	Plan(ctx context.Context, changes []prefect.Change) ([]prefect.Planned, error)
	// Write makes one planned create or update; overwrite says whether a
	// create that finds the name taken meanwhile may update it.
	Write(ctx context.Context, p prefect.Planned, overwrite bool) (prefect.Action, error)
}

// Parallelism bounds the writes in flight. Prefect's SQLite server answers
// simultaneous writes with 503 (retried); eight keeps a batch quick on
// Postgres and Prefect Cloud without burying a small server.
const Parallelism = 8

// MaxVariableBytes is the largest Variable value a server takes: 5000
// bytes of its JSON, as the server's orjson writes it.
const MaxVariableBytes = 5000

// Masked is the text a server shows in place of a secret field without
// include_secrets. A PATCH that sends it keeps the stored value, so it
// can never be written on purpose.
const Masked = "********"

// Entry is one declared write with its value.
type Entry struct {
	// Declared is the entry's name as written, for reports and outputs.
	Declared string
	// Target names what is written, for reports: "Secret block
	// db-password", "aws-credentials block prod", "Variable region".
	Target string
	// Sources are the variables the value came from.
	Sources []string
	Change  prefect.Change
	// Secrets are the whole values to mask before anything is printed;
	// Leaves are the strings inside JSON values, masked when they are
	// long enough to mean something.
	Secrets []string
	Leaves  []string
	// Skip says why the entry is not written although declared: its
	// source is unset and it is optional, or on-missing lets it go.
	Skip string
	// Warn marks a skip the user asked to be told of (on-missing: warn).
	Warn bool
}

// Environment is what values are read from.
type Environment struct {
	Lookup   func(name string) (string, bool)
	ReadFile func(path string) ([]byte, error)
}

// Build turns the declarations of cfg into entries, reading every value.
// It returns every problem found: a missing source under on-missing:
// fail, text that is not UTF-8, JSON that does not parse, a value no
// server takes. With any problem, nothing may be written.
func Build(cfg *config.WriteConfig, env Environment) ([]Entry, []string) {
	b := &builder{cfg: cfg, env: env}
	for _, d := range cfg.Secrets {
		b.secret(d)
	}
	for _, d := range cfg.Variables {
		b.variable(d)
	}
	return b.entries, b.problems
}

type builder struct {
	cfg      *config.WriteConfig
	env      Environment
	entries  []Entry
	problems []string
}

func (b *builder) problem(d config.Declaration, format string, args ...any) {
	b.problems = append(b.problems, fmt.Sprintf("entry %s: ", d.Declared)+fmt.Sprintf(format, args...))
}

// missing records an entry without a source, as its policy says.
func (b *builder) missing(d config.Declaration, e Entry, what string) {
	switch {
	case d.Optional:
		e.Skip = what + " (optional)"
	case b.cfg.OnMissing == config.Fail:
		b.problem(d, "%s", what)
		return
	case b.cfg.OnMissing == config.Warn:
		e.Skip, e.Warn = what, true
	default:
		e.Skip = what
	}
	b.entries = append(b.entries, e)
}

// text reads the entry's variable, or the file it names for @file.
func (b *builder) text(d config.Declaration, e *Entry) (string, bool, error) {
	name := d.Export
	e.Sources = []string{name}
	s, ok := b.env.Lookup(name)
	if !ok || s == "" {
		return "", false, nil
	}
	if d.Profile != credential.FileProfile {
		return s, true, nil
	}
	data, err := b.env.ReadFile(s)
	if err != nil {
		return "", false, fmt.Errorf("cannot read the file %s names: %w", name, err)
	}
	if len(data) == 0 {
		return "", false, nil
	}
	return string(data), true, nil
}

// encode turns a text into the JSON value written.
func (b *builder) encode(text string) (json.RawMessage, error) {
	if !utf8.ValidString(text) {
		return nil, errors.New("the value is not valid UTF-8 text, which Prefect stores")
	}
	if b.cfg.Format == config.WriteJSON {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(text)); err != nil {
			return nil, errors.New("value-format is json, but the value is not JSON")
		}
		return buf.Bytes(), nil
	}
	return marshal(text), nil
}

// marshal writes JSON without HTML escaping, so that the bytes sent are
// the bytes meant.
func marshal(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func (b *builder) secret(d config.Declaration) {
	rest := b.cfg.Backend.Kind == config.BackendREST
	e := Entry{Declared: d.Declared}
	profile := d.Profile
	if profile == "" && d.Block() && !d.Aliased {
		profile, _ = credential.ForType(d.Slug)
	}
	switch {
	case !rest:
		e.Target = "secret " + config.QuoteName(d.Name)
		e.Change = prefect.Change{Key: d.Name}
	case d.Block():
		e.Target = d.Slug + " block " + d.Name
		e.Change = prefect.Change{Key: d.Slug + "/" + d.Name}
	default:
		e.Target = "Secret block " + d.Name
		e.Change = prefect.Change{Key: d.Name}
	}
	if profile != "" && profile != credential.FileProfile {
		slug := d.Slug
		if !rest {
			slug = ""
		}
		got, err := credential.Collect(d.Declared, profile, slug, credential.Environment{Lookup: b.env.Lookup, ReadFile: b.env.ReadFile})
		var me *credential.MissingError
		switch {
		case errors.As(err, &me):
			e.Sources = me.Variables
			b.missing(d, e, fmt.Sprintf("none of %s is set", strings.Join(me.Variables, ", ")))
			return
		case err != nil:
			b.problems = append(b.problems, "entry "+err.Error())
			return
		}
		e.Secrets, e.Leaves = got.Secrets, got.Leaves
		e.Sources = got.Sources
		if rest {
			e.Change.Fields = got.Fields
		} else {
			e.Change.Value = marshal(got.Fields)
		}
		b.check(d, &e)
		return
	}
	if d.Block() && d.Profile == credential.FileProfile {
		b.problem(d, "@file writes Secret blocks; a %s block takes its fields as a JSON object", d.Slug)
		return
	}
	text, ok, err := b.text(d, &e)
	if err != nil {
		b.problem(d, "%v", err)
		return
	}
	if !ok {
		what := e.Sources[0] + " is unset or empty"
		if d.Profile == credential.FileProfile {
			what = e.Sources[0] + " names no file, or an empty one"
		}
		b.missing(d, e, what)
		return
	}
	e.Secrets = append(e.Secrets, text)
	if d.Block() {
		// An aliased block without a profile: the variable holds the
		// block's fields.
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &fields); err != nil || fields == nil {
			b.problem(d, "%s must hold the block's fields as a JSON object", e.Sources[0])
			return
		}
		e.Change.Fields = fields
		e.Leaves = append(e.Leaves, leaves(fields)...)
		b.check(d, &e)
		return
	}
	value, err := b.encode(text)
	if err != nil {
		b.problem(d, "%v", err)
		return
	}
	if b.cfg.Format == config.WriteJSON {
		e.Leaves = append(e.Leaves, leavesOf(value)...)
	}
	if !rest && string(value) == "null" {
		b.problem(d, "Prefect Cloud 1.0 cannot store null: set_secret takes a value that is not null")
		return
	}
	if rest {
		e.Change.Fields = map[string]json.RawMessage{"value": value}
	} else {
		e.Change.Value = value
	}
	b.check(d, &e)
}

// check refuses a block value holding the server's mask: a PATCH that
// sends it keeps the old value, so the write would report a change it
// never made.
func (b *builder) check(d config.Declaration, e *Entry) {
	values := []json.RawMessage{e.Change.Value}
	for _, v := range e.Change.Fields {
		values = append(values, v)
	}
	for _, v := range values {
		if v != nil && containsMask(v) {
			b.problem(d, "the value (or one of its fields) is %q, the text Prefect shows in place of a secret; a server that gets it keeps the old value, so it cannot be written", Masked)
			return
		}
	}
	b.entries = append(b.entries, *e)
}

func containsMask(v json.RawMessage) bool { return slices.Contains(leavesOf(v), Masked) }

func (b *builder) variable(d config.Declaration) {
	e := Entry{Declared: d.Declared, Target: "Variable " + d.Name, Change: prefect.Change{Key: d.Name, Variable: true}}
	text, ok, err := b.text(d, &e)
	if err != nil {
		b.problem(d, "%v", err)
		return
	}
	if !ok {
		b.missing(d, e, e.Sources[0]+" is unset or empty")
		return
	}
	value, err := b.encode(text)
	if err != nil {
		b.problem(d, "%v", err)
		return
	}
	if n := ServerJSONLength(value); n > MaxVariableBytes {
		b.problem(d, "the value takes %d bytes as JSON; a Prefect Variable holds at most %d", n, MaxVariableBytes)
		return
	}
	e.Change.Value = value
	e.Secrets = append(e.Secrets, text)
	b.entries = append(b.entries, e)
}

// ServerJSONLength is the length of a JSON value as Prefect's server
// measures it: orjson's compact UTF-8, which leaves non-ASCII text, the
// HTML characters and U+2028/U+2029 unescaped.
func ServerJSONLength(v json.RawMessage) int {
	var decoded any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if dec.Decode(&decoded) != nil {
		return len(v)
	}
	out := marshal(decoded)
	// encoding/json escapes U+2028 and U+2029 (6 bytes each); orjson
	// writes them as they are (3 bytes each).
	return len(out) - 3*(bytes.Count(out, []byte(`\u2028`))+bytes.Count(out, []byte(`\u2029`)))
}

// leaves lists the string leaves of fields, to mask.
func leaves(fields map[string]json.RawMessage) []string {
	var out []string
	for _, v := range fields {
		out = append(out, leavesOf(v)...)
	}
	return out
}

func leavesOf(v json.RawMessage) []string {
	var decoded any
	if json.Unmarshal(v, &decoded) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case string:
			if t != "" {
				out = append(out, t)
			}
		case map[string]any:
			for _, c := range t {
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(decoded)
	return out
}

// Result is what happened to one entry.
type Result struct {
	Entry
	Action prefect.Action
	// Err is why the entry failed; Action is empty then.
	Err error
}

// Options say how entries are written.
type Options struct {
	OnExists config.ExistsPolicy
	DryRun   bool
}

// ErrNothingWritten wraps a failure before the first write.
var ErrNothingWritten = errors.New("nothing was written")

// Apply reads the state of every entry, decides, and writes. An error
// means nothing was written: the reads failed, the server's schema
// refuses an entry, or an entry exists under on-exists: fail. Otherwise
// every entry has a result; failed writes carry their error, and the
// others went through.
func Apply(ctx context.Context, store Store, entries []Entry, opts Options) ([]Result, error) {
	results := make([]Result, len(entries))
	var changes []prefect.Change
	var index []int
	for i, e := range entries {
		results[i].Entry = e
		if e.Skip != "" {
			results[i].Action = prefect.ActionSkip
			continue
		}
		changes = append(changes, e.Change)
		index = append(index, i)
	}
	if len(changes) == 0 {
		return results, nil
	}
	planned, err := store.Plan(ctx, changes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNothingWritten, err)
	}
	if len(planned) != len(changes) {
		return nil, fmt.Errorf("%w: the backend planned %d of %d entries", ErrNothingWritten, len(planned), len(changes))
	}
	var problems []string
	for j, p := range planned {
		r := &results[index[j]]
		switch {
		case p.Problem != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", r.Declared, p.Problem))
		case !p.Exists:
			r.Action = prefect.ActionCreate
		case !p.Differs:
			r.Action = prefect.ActionUnchanged
		case opts.OnExists == config.Update:
			r.Action = prefect.ActionUpdate
		case opts.OnExists == config.Skip:
			r.Action, r.Skip = prefect.ActionSkip, "it exists with another value (on-exists: skip)"
		default:
			problems = append(problems, fmt.Sprintf("%s: %s exists with another value (on-exists: fail)", r.Declared, r.Target))
		}
	}
	if len(problems) > 0 {
		return nil, &PlanError{Problems: problems}
	}
	if opts.DryRun {
		return results, nil
	}
	sem := make(chan struct{}, Parallelism)
	var wg sync.WaitGroup
	for j, p := range planned {
		r := &results[index[j]]
		if r.Action != prefect.ActionCreate && r.Action != prefect.ActionUpdate {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			r.Action, r.Err = "", fmt.Errorf("not written: %w", ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			action, err := store.Write(ctx, p, opts.OnExists == config.Update)
			switch {
			case errors.Is(err, prefect.ErrTaken) && opts.OnExists == config.Skip:
				r.Action, r.Skip = prefect.ActionSkip, "another writer created it meanwhile (on-exists: skip)"
			case err != nil:
				r.Action, r.Err = "", err
			default:
				r.Action = action
			}
		}()
	}
	wg.Wait()
	return results, nil
}

// PlanError lists the entries that keep a write from starting.
type PlanError struct{ Problems []string }

func (e *PlanError) Error() string {
	return ErrNothingWritten.Error() + ": " + strings.Join(e.Problems, "; ")
}

func (e *PlanError) Unwrap() error { return ErrNothingWritten }
