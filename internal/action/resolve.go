package action

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/export"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

// Statuses a secret ends in.
const (
	statusFound   = "found"
	statusMissing = "missing"
	statusEmpty   = "empty"
	statusSkipped = "skipped"
	statusError   = "error"
)

// Backend answers for secrets that no local source has. The Prefect Cloud
// 1.0 GraphQL API and the Prefect 2/3 REST API implement it.
type Backend interface {
	// Kind is the source name the summary shows: graphql or rest.
	Kind() string
	// Values resolves names; names the backend lacks are absent from the
	// result. An error means the backend could not answer, never "missing".
	Values(ctx context.Context, names []string) (map[string]prefect.Resolution, error)
	// List lists the names that start with prefix; more than limit of
	// them is an error. With values it may resolve them in the same
	// requests, and returns what it resolved.
	List(ctx context.Context, prefix string, limit int, values bool) ([]string, map[string]prefect.Resolution, error)
	// Exists says which names exist without asking for any value.
	Exists(ctx context.Context, names []string) (map[string]bool, error)
	// Requests is the number of HTTP requests made so far.
	Requests() int
}

// VariableReader is a backend that also serves Prefect Variables (the
// Prefect 2/3 REST API).
type VariableReader interface {
	// Variables resolves names; names the backend lacks are absent.
	Variables(ctx context.Context, names []string) (map[string]prefect.Resolution, error)
	// ListVariables lists, with their values, the Variables whose names
	// start with prefix; more than limit is an error.
	ListVariables(ctx context.Context, prefix string, limit int) ([]string, map[string]prefect.Resolution, error)
}

// SourceVariable is the source the summary shows for a Prefect Variable.
const SourceVariable = "variable"

// variableReads are the answers for the declared Prefect Variables,
// fetched while secrets resolve: they depend on nothing secrets need.
type variableReads struct {
	values   map[string]prefect.Resolution
	listings map[string][]string // wildcard prefix to the names it matched
	err      error
}

// fetchVariables asks the backend for every declared Variable: one filter
// request per 200 names and one round of pages per wildcard.
func fetchVariables(ctx context.Context, cfg *config.Config, backend Backend) variableReads {
	out := variableReads{values: map[string]prefect.Resolution{}, listings: map[string][]string{}}
	if len(cfg.Variables) == 0 {
		return out
	}
	vr, ok := backend.(VariableReader)
	if !ok {
		out.err = fmt.Errorf("the %s backend has no Prefect Variables", backend.Kind())
		return out
	}
	var names []string
	for _, d := range cfg.Variables {
		if !d.Wildcard {
			names = append(names, d.Name)
		}
	}
	if len(names) > 0 {
		v, err := vr.Variables(ctx, names)
		if err != nil {
			out.err = err
			return out
		}
		for k, r := range v {
			out.values[k] = r
		}
	}
	for _, d := range cfg.Variables {
		if !d.Wildcard {
			continue
		}
		matches, listed, err := vr.ListVariables(ctx, d.Name, MaxWildcardMatches)
		if err != nil {
			out.err = err
			return out
		}
		out.listings[d.Name] = matches
		for k, r := range listed {
			out.values[k] = r
		}
	}
	return out
}

// resolveVariables turns the answers into entries. Export names are
// shared with the secrets already resolved.
func resolveVariables(cfg *config.Config, reads variableReads, secrets []*secret) ([]*secret, error) {
	if reads.err != nil {
		return nil, reads.err
	}
	taken := map[string]*secret{}
	for _, s := range secrets {
		if s.export != "" && s.status != statusSkipped {
			taken[strings.ToUpper(s.export)] = s
		}
	}
	// One bound for every wildcard of the run, secrets and variables
	// together.
	matched := 0
	for _, s := range secrets {
		if s.matched {
			matched++
		}
	}
	var out []*secret
	for _, d := range cfg.Variables {
		if d.Wildcard {
			continue
		}
		s := &secret{name: d.Name, declared: d.Declared, export: d.Export, optional: d.Optional, variable: true, aliased: d.Aliased}
		out = append(out, s)
		taken[strings.ToUpper(d.Export)] = s
	}
	for _, d := range cfg.Variables {
		if !d.Wildcard {
			continue
		}
		matches := reads.listings[d.Name]
		if len(matches) == 0 {
			out = append(out, &secret{name: d.Name, declared: d.Declared, optional: d.Optional, variable: true, status: statusMissing})
			continue
		}
		if matched += len(matches); matched > MaxWildcardMatches {
			return nil, fmt.Errorf("wildcard %s: the wildcards of secrets and variables match more than %d names together; declare narrower prefixes", export.Display(d.Declared), MaxWildcardMatches)
		}
		for _, name := range matches {
			s := &secret{name: name, declared: config.QuoteName(name), export: config.ExportName(name), optional: d.Optional, variable: true, matched: true}
			key := strings.ToUpper(s.export)
			if !plainMatch(name) {
				// The same rule as for secrets: a matched name is written
				// into reports and could run commands where one is pasted.
				s.status, s.why, s.export = statusSkipped, "a matched name may hold only letters, digits, _, -, . and /", ""
				out = append(out, s)
				continue
			}
			if prev, dup := taken[key]; dup {
				if prev.variable && prev.name == name {
					continue
				}
				s.status, s.why, s.export = statusSkipped, fmt.Sprintf("export name %q is taken by %s", s.export, prev.declared), ""
			} else if why := config.DangerousExport(s.export); why != "" {
				s.status, s.why, s.export = statusSkipped, why, ""
			} else {
				taken[key] = s
			}
			out = append(out, s)
		}
	}
	for _, s := range out {
		if s.status != "" {
			continue
		}
		if r, ok := reads.values[s.name]; ok && r.Found {
			s.apply(r)
			s.source = SourceVariable
		} else {
			s.status = statusMissing
		}
	}
	return out, nil
}

// secret is one resolved secret: an explicit entry or a wildcard match.
type secret struct {
	name     string // secret name
	declared string // as declared (or matched), for reports
	export   string // export name; "" for an unmatched wildcard
	optional bool
	status   string
	source   string
	value    string
	err      error
	why      string // why it was skipped

	slug     string // block type of a block other than a Secret block
	profile  string // export profile, "" for none
	aliased  bool   // declared ALIAS=NAME
	matched  bool   // came from a wildcard
	variable bool   // a Prefect Variable, not a secret
	data     []byte // a block's data object
	// secretFields are the block schema's secret_fields.
	secretFields []string
	updated      time.Time // when the backend document last changed
}

// block reports whether this is a block other than a Secret block.
func (s *secret) block() bool { return s.slug != "" && s.slug != config.SecretSlug }

// key names the secret for the backend: its name, or slug/name for a
// block.
func (s *secret) key() string { return prefect.BlockKey(s.slug, s.name) }

// MaxWildcardMatches bounds what all the wildcards of a run may match
// together, as config bounds declared entries: a backend listing a million
// names must not become a million variables.
const MaxWildcardMatches = 10000

// resolve decides every declared secret: local sources first, the backend
// only for names they lack (SPEC §4). Every locally resolved value is
// handed to sensitive before the backend is asked anything, so that no
// server can echo it into a message.
func resolve(ctx context.Context, cfg *config.Config, local *prefect.LocalSecrets, backend Backend, sensitive func(...string)) ([]*secret, error) {
	var secrets []*secret
	taken := map[string]*secret{}
	for _, d := range cfg.Secrets {
		if d.Wildcard {
			continue
		}
		s := &secret{name: d.Name, declared: d.Declared, export: d.Export, optional: d.Optional,
			slug: d.Slug, profile: d.Profile, aliased: d.Aliased}
		secrets = append(secrets, s)
		taken[strings.ToUpper(d.Export)] = s
	}
	listed := map[string]bool{}                   // names a backend listing showed to exist
	prefetched := map[string]prefect.Resolution{} // values a listing brought along
	matched := 0
	for _, d := range cfg.Secrets {
		if !d.Wildcard {
			continue
		}
		var backendNames []string
		if backend != nil {
			names, values, err := backend.List(ctx, prefect.BlockKey(d.Slug, d.Name), MaxWildcardMatches, !cfg.CheckOnly)
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				listed[n] = true
			}
			for n, r := range values {
				prefetched[n] = r
			}
			backendNames = names
		}
		var localNames []string
		if d.Slug == "" {
			localNames = local.Names()
		}
		matches := matchPrefix(prefect.BlockKey(d.Slug, d.Name), localNames, backendNames)
		if len(matches) == 0 {
			secrets = append(secrets, &secret{name: d.Name, slug: d.Slug, declared: d.Declared, optional: d.Optional, status: statusMissing})
			continue
		}
		if matched += len(matches); matched > MaxWildcardMatches {
			return nil, fmt.Errorf("wildcard %s: the wildcards match more than %d secrets together; declare narrower prefixes", export.Display(d.Declared), MaxWildcardMatches)
		}
		for _, match := range matches {
			slug, name := "", match
			if d.Slug != "" {
				slug, name = prefect.SplitBlockKey(match)
			}
			s := &secret{name: name, declared: config.QuoteName(match), export: config.ExportName(name), optional: d.Optional,
				slug: slug, profile: d.Profile, matched: true}
			key := strings.ToUpper(s.export)
			if !plainMatch(name) {
				// A matched name goes into secrets-found, which workflows
				// pass to scripts; a name with quotes, backticks or $ could
				// run commands there.
				s.status, s.why = statusSkipped, "a matched name may hold only letters, digits, _, -, . and /"
				s.export = ""
				secrets = append(secrets, s)
				continue
			}
			if prev, ok := taken[key]; ok {
				if prev.key() == s.key() {
					continue // declared explicitly too
				}
				s.status, s.why = statusSkipped, fmt.Sprintf("export name %q is taken by %s", s.export, prev.declared)
			} else if why := config.DangerousExport(s.export); why != "" {
				s.status, s.why = statusSkipped, why
			} else if !config.ValidExportName(s.export) {
				s.status, s.why = statusSkipped, "the name gives no usable export name"
			} else {
				taken[key] = s
			}
			secrets = append(secrets, s)
		}
	}

	var needBackend []*secret
	for _, s := range secrets {
		if s.status != "" {
			continue
		}
		if s.block() {
			needBackend = append(needBackend, s)
			continue
		}
		r := local.Lookup(s.name)
		if !r.Found {
			needBackend = append(needBackend, s)
			continue
		}
		s.apply(r)
		sensitive(s.value)
	}
	if backend != nil && len(needBackend) > 0 {
		if err := askBackend(ctx, cfg, backend, needBackend, listed, prefetched); err != nil {
			return nil, err
		}
	}
	for _, s := range secrets {
		if s.status == "" {
			s.status = statusMissing
		}
	}
	return secrets, nil
}

// askBackend resolves what local sources lack. In check-only mode it only
// asks which names exist (names a listing showed need no question), so no
// value leaves the backend.
func askBackend(ctx context.Context, cfg *config.Config, backend Backend, need []*secret, listed map[string]bool, prefetched map[string]prefect.Resolution) error {
	if cfg.CheckOnly {
		var asked []string
		for _, s := range need {
			if !listed[s.key()] {
				asked = append(asked, s.key())
			}
		}
		have := map[string]bool{}
		if len(asked) > 0 {
			var err error
			if have, err = backend.Exists(ctx, asked); err != nil {
				return err
			}
		}
		for _, s := range need {
			if listed[s.key()] || have[s.key()] {
				s.status, s.source = statusFound, backend.Kind()
				if r, ok := prefetched[s.key()]; ok {
					s.updated = r.Updated
				}
			}
		}
		return nil
	}
	uniq := make([]string, 0, len(need))
	seen := map[string]bool{}
	for _, s := range need {
		if _, done := prefetched[s.key()]; !done && !seen[s.key()] {
			seen[s.key()] = true
			uniq = append(uniq, s.key())
		}
	}
	values := prefetched
	if len(uniq) > 0 {
		asked, err := backend.Values(ctx, uniq)
		if err != nil {
			return err
		}
		for n, r := range asked {
			values[n] = r
		}
	}
	for _, s := range need {
		if r, ok := values[s.key()]; ok {
			s.apply(r)
		}
	}
	return nil
}

// label names the secret in log lines and messages.
func (s *secret) label() string {
	if s.export == "" && s.status == statusMissing && strings.HasSuffix(s.declared, "*") {
		return export.Display(s.key() + "*")
	}
	return export.Display(s.key())
}

func (s *secret) apply(r prefect.Resolution) {
	s.source = r.Source
	s.data, s.secretFields, s.updated = r.Data, r.SecretFields, r.Updated
	switch {
	case r.Err != nil:
		s.status, s.err = statusError, r.Err
	case r.Text == "":
		s.status = statusEmpty
	default:
		s.status, s.value = statusFound, r.Text
	}
}

// plainMatch reports whether a wildcard match is only ASCII letters,
// digits, "_", "-", "." and "/": safe in a shell word, a YAML scalar and a
// comma-separated list.
func plainMatch(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/') {
			return false
		}
	}
	return name != ""
}

func matchPrefix(prefix string, lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, n := range l {
			if strings.HasPrefix(n, prefix) && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}
