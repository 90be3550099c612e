package prefect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// Source names, as the summary reports them.
const (
	SourceEnv     = "env"
	SourceTOML    = "toml"
	SourceGraphQL = "graphql"
	SourceREST    = "rest"
)

// ValueFormat says how a resolved value becomes exported text.
type ValueFormat int

const (
	// FormatPrefect types and renders values exactly as Prefect resolves them.
	FormatPrefect ValueFormat = iota
	// FormatRaw exports the stored text untouched.
	FormatRaw
)

// MaxValueBytes bounds what ${...} references may grow a value to. Each of
// Prefect's ten reference passes can double a value that refers to itself;
// past this size the value is refused rather than exhausting memory.
const MaxValueBytes = 16 << 20

// envPrefix is the prefix of the environment variables Prefect 1 reads.
const envPrefix = "PREFECT__"

// LocalOptions are the inputs of local resolution.
type LocalOptions struct {
	// Env is the process environment: PREFECT__ variables, and the
	// variables $NAME expansion reads.
	Env *osenv.Environ
	// Users answers ~user expansion.
	Users UserDirectory
	// Files are Prefect configuration documents in the order they apply,
	// later winning: the user config, the backend config, `local-secrets`.
	Files []*ConfigTOML
	// Format is the value format.
	Format ValueFormat
}

// Resolution is what a source says about one secret or block.
type Resolution struct {
	Found  bool
	Text   string // the exported text
	Null   bool   // the value is Python's None (Text is "")
	Source string // SourceEnv, SourceTOML, SourceGraphQL or SourceREST
	Err    error  // the secret exists but cannot be loaded
	// Data is a block's data object as the server sent it (JSON), for
	// blocks other than Secret blocks.
	Data []byte
	// SecretFields are the block schema's secret_fields.
	SecretFields []string
	// Updated is when a backend document was last changed; zero when
	// unknown (local secrets, Cloud 1.0).
	Updated time.Time
}

// BlockKey names a block of any type for backends: its name for a Secret
// block, slug/name otherwise. Neither part can hold a slash.
func BlockKey(slug, name string) string {
	if slug == "" || slug == "secret" {
		return name
	}
	return slug + "/" + name
}

// SplitBlockKey is the inverse of BlockKey; slug is "" for a Secret block.
func SplitBlockKey(key string) (slug, name string) {
	if s, n, ok := strings.Cut(key, "/"); ok {
		return s, n
	}
	return "", key
}

// LocalSecrets are the secrets Prefect 1 would find in prefect.context.
type LocalSecrets struct {
	format  ValueFormat
	root    *pyvalue.Dict
	ctxErr  error
	errs    map[string]error
	origins map[string]string
}

type flatEntry struct {
	path   []string
	value  pyvalue.Value
	origin string
	broken error
}

type flatConfig struct {
	entries []*flatEntry
	index   map[string]int
}

func pathID(p []string) string {
	var b strings.Builder
	for _, s := range p {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

func (f *flatConfig) set(path []string, v pyvalue.Value, origin string, broken error) {
	id := pathID(path)
	if i, ok := f.index[id]; ok {
		e := f.entries[i]
		e.value, e.origin, e.broken = v, origin, broken
		return
	}
	f.index[id] = len(f.entries)
	f.entries = append(f.entries, &flatEntry{path: path, value: v, origin: origin, broken: broken})
}

func (f *flatConfig) get(path []string) (*flatEntry, bool) {
	i, ok := f.index[pathID(path)]
	if !ok {
		return nil, false
	}
	return f.entries[i], true
}

// mergeDicts is Prefect's merge_dicts: tables merge recursively, anything
// else is replaced.
func mergeDicts(d1, d2 *pyvalue.Dict) *pyvalue.Dict {
	out := d1.Copy()
	for i := 0; i < d2.Len(); i++ {
		k, v := d2.Key(i), d2.Val(i)
		cur, _ := out.Get(k)
		cd, curIsDict := cur.(*pyvalue.Dict)
		vd, vIsDict := v.(*pyvalue.Dict)
		if curIsDict && vIsDict {
			_ = out.Set(k, mergeDicts(cd, vd))
		} else {
			_ = out.Set(k, v)
		}
	}
	return out
}

// dictToFlat is dict_to_flatdict: nested tables become key paths; empty
// tables vanish.
func dictToFlat(d *pyvalue.Dict, parent []string, out *flatConfig, origin func([]string) string) {
	for i := 0; i < d.Len(); i++ {
		k, _ := d.Key(i).(pyvalue.Str)
		path := append(append([]string(nil), parent...), string(k))
		if sub, ok := d.Val(i).(*pyvalue.Dict); ok {
			dictToFlat(sub, path, out, origin)
			continue
		}
		out.set(path, d.Val(i), origin(path), nil)
	}
}

// leafAt reports whether d has a non-table value at path.
func leafAt(d *pyvalue.Dict, path []string) bool {
	var v pyvalue.Value = d
	for _, p := range path {
		t, ok := v.(*pyvalue.Dict)
		if !ok {
			return false
		}
		if v, ok = t.GetStr(p); !ok {
			return false
		}
	}
	_, isDict := v.(*pyvalue.Dict)
	return !isDict
}

// envKeyPath turns PREFECT__ variable names into key paths: lower-cased,
// except that for CONTEXT__SECRETS... names only that literal text is
// lower-cased, so secret names keep their case.
func envKeyPath(name string) []string {
	option := name[len(envPrefix):]
	if strings.HasPrefix(strings.ToUpper(option), "CONTEXT__SECRETS") {
		return strings.Split(strings.ReplaceAll(option, "CONTEXT__SECRETS", "context__secrets"), "__")
	}
	return strings.Split(strings.ToLower(option), "__")
}

// errExpansionType reproduces the crash Prefect 1 has when an environment
// value needs two or more rounds of $VAR expansion and the result is typed
// (or never settles): string_to_type then calls .upper() on a non-string.
type errExpansionType struct {
	envVar string
	got    pyvalue.Value
}

func (e errExpansionType) Error() string {
	if _, none := e.got.(pyvalue.NoneType); none {
		return fmt.Sprintf("%s cannot be loaded (Prefect fails too): its $VAR expansion does not settle within %d rounds", e.envVar, maxRounds)
	}
	return fmt.Sprintf("%s cannot be loaded (Prefect fails too): its $VAR expansion takes several rounds and yields a %s, not text", e.envVar, pyvalue.TypeName(e.got))
}

// interpolationRegex is Prefect's INTERPOLATION_REGEX, \${(.[^${}]*)}.
var interpolationRegex = regexp.MustCompile(`\$\{(.[^${}]*)\}`)

// LoadLocal reproduces how Prefect 1.4.1 builds prefect.context.secrets:
// packaged defaults, then the configuration files, then PREFECT__
// environment variables; $VAR and ~ expansion and literal typing; ${...}
// references; and key paths folded back into tables.
//
// Where Prefect itself fails to load, the failure is kept on the secrets it
// concerns, so everything else still resolves.
//
// It returns an error only when ctx ends first.
func LoadLocal(ctx context.Context, opts LocalOptions) (*LocalSecrets, error) {
	x := expander{env: opts.Env, users: opts.Users, budget: newBudget(ctx, MaxExpansionBytes)}
	raw := opts.Format == FormatRaw

	layers := []*pyvalue.Dict{defaultConfig()}
	for _, f := range opts.Files {
		if f != nil {
			layers = append(layers, f.root)
		}
	}
	merged := layers[0]
	for _, l := range layers[1:] {
		merged = mergeDicts(merged, l)
	}
	flat := &flatConfig{index: map[string]int{}}
	dictToFlat(merged, nil, flat, func(path []string) string {
		for i := len(layers) - 1; i > 0; i-- {
			if leafAt(layers[i], path) {
				return SourceTOML
			}
		}
		return ""
	})

	for _, name := range opts.Env.Names() {
		if !strings.HasPrefix(name, envPrefix) {
			continue
		}
		path := envKeyPath(name)
		value := opts.Env.Get(name)
		if raw {
			flat.set(path, pyvalue.Str(value), SourceEnv, nil)
			continue
		}
		expanded, err := x.interpolateEnvVars(value)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			flat.set(path, nil, SourceEnv, err)
			continue
		}
		s, ok := expanded.(pyvalue.Str)
		if !ok {
			flat.set(path, nil, SourceEnv, errExpansionType{envVar: name, got: expanded})
			continue
		}
		flat.set(path, stringToType(string(s)), SourceEnv, nil)
	}

	if !raw {
		for _, e := range flat.entries {
			if e.broken != nil {
				continue
			}
			s, ok := e.value.(pyvalue.Str)
			if !ok {
				continue
			}
			v, err := x.interpolateEnvVars(string(s))
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				e.broken = err
				continue
			}
			if vs, ok := v.(pyvalue.Str); ok {
				v = stringToType(string(vs))
			}
			e.value = v
		}
		resolveReferences(flat, x.budget)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return buildTree(flat, opts.Format), nil
}

// resolveReferences is Prefect's ${...} pass: up to ten rounds, replacing
// one reference per value per round. A reference that is the whole value
// takes the referenced value with its type; a partial one inserts Python's
// str() of it; a missing key gives "".
func resolveReferences(flat *flatConfig, work *budget) {
	pending := make([]*flatEntry, len(flat.entries))
	copy(pending, flat.entries)
	for round := 0; round < maxRounds && len(pending) > 0; round++ {
		next := pending[:0]
		for _, e := range pending {
			if e.broken != nil {
				continue
			}
			s, ok := e.value.(pyvalue.Str)
			if !ok {
				continue
			}
			m := interpolationRegex.FindStringSubmatchIndex(string(s))
			if m == nil {
				continue
			}
			matched := string(s[m[0]:m[1]])
			refPath := strings.Split(string(s[m[2]:m[3]]), ".")
			var ref pyvalue.Value = pyvalue.Str("")
			if r, ok := flat.get(refPath); ok {
				if r.broken != nil {
					e.broken = fmt.Errorf("it refers to %q, which cannot be loaded: %w", strings.Join(refPath, "."), r.broken)
					continue
				}
				ref = r.value
			}
			if string(s) == matched {
				e.value = ref
			} else {
				text, err := pyvalue.PyStr(ref)
				if err != nil {
					e.broken = fmt.Errorf("the value of %q cannot be inserted: %w", strings.Join(refPath, "."), err)
					continue
				}
				size := len(s) - len(matched) + len(text)
				if size > MaxValueBytes {
					e.broken = fmt.Errorf("its ${...} references grow it past %d bytes", MaxValueBytes)
					continue
				}
				if err := work.spend(size); err != nil {
					e.broken = err
					continue
				}
				e.value = pyvalue.Str(strings.Replace(string(s), matched, text, 1))
			}
			next = append(next, e)
		}
		pending = next
	}
}

// buildTree is flatdict_to_dict, keeping per-secret errors where Prefect
// would fail to build the configuration.
func buildTree(flat *flatConfig, format ValueFormat) *LocalSecrets {
	l := &LocalSecrets{
		format:  format,
		root:    pyvalue.NewDict(),
		errs:    map[string]error{},
		origins: map[string]string{},
	}
	for _, e := range flat.entries {
		secret, inSecrets := secretOf(e.path)
		if e.broken != nil {
			if inSecrets {
				l.setErr(secret, e.broken)
				if _, known := l.origins[secret]; !known {
					l.origins[secret] = e.origin
				}
			} else if isContainer(e.path) {
				l.ctxErr = e.broken
			}
			continue
		}
		t := l.root
		ok := true
		for depth, k := range e.path[:len(e.path)-1] {
			v, exists := t.GetStr(k)
			if !exists {
				nd := pyvalue.NewDict()
				t.SetStr(k, nd)
				t = nd
				continue
			}
			d, isDict := v.(*pyvalue.Dict)
			if !isDict {
				err := fmt.Errorf("%q is set both to a %s and to a table, which Prefect cannot load", strings.Join(e.path[:depth+1], "."), pyvalue.TypeName(v))
				if s, in := secretOf(e.path[:depth+1]); in {
					l.setErr(s, err)
				} else if isContainer(e.path[:depth+1]) {
					l.ctxErr = err
				}
				ok = false
				break
			}
			t = d
		}
		if !ok {
			continue
		}
		t.SetStr(e.path[len(e.path)-1], e.value)
		switch {
		case inSecrets:
			l.origins[secret] = e.origin
		case isContainer(e.path):
			if d, isDict := e.value.(*pyvalue.Dict); isDict {
				l.markOrigins(e.path, d, e.origin)
			}
		}
	}
	return l
}

func (l *LocalSecrets) setErr(secret string, err error) {
	if _, dup := l.errs[secret]; !dup {
		l.errs[secret] = err
	}
}

// markOrigins records the origin of secrets defined by a whole-table value
// such as PREFECT__CONTEXT__SECRETS="{'A': 1}".
func (l *LocalSecrets) markOrigins(path []string, d *pyvalue.Dict, origin string) {
	if len(path) == 1 {
		if s, ok := d.GetStr("secrets"); ok {
			if sd, ok := s.(*pyvalue.Dict); ok {
				l.markOrigins([]string{"context", "secrets"}, sd, origin)
			}
		}
		return
	}
	for i := 0; i < d.Len(); i++ {
		if k, ok := d.Key(i).(pyvalue.Str); ok {
			l.origins[string(k)] = origin
		}
	}
}

func secretOf(path []string) (string, bool) {
	if len(path) >= 3 && path[0] == "context" && path[1] == "secrets" {
		return path[2], true
	}
	return "", false
}

func isContainer(path []string) bool {
	return (len(path) == 1 && path[0] == "context") ||
		(len(path) == 2 && path[0] == "context" && path[1] == "secrets")
}

// secretsTable returns prefect.context.secrets, nil when there is none.
func (l *LocalSecrets) secretsTable() (*pyvalue.Dict, error) {
	if l.ctxErr != nil {
		return nil, l.ctxErr
	}
	ctx, ok := l.root.GetStr("context")
	if !ok {
		return nil, nil
	}
	cd, ok := ctx.(*pyvalue.Dict)
	if !ok {
		return nil, fmt.Errorf("PREFECT__CONTEXT holds a %s, not a table, which Prefect cannot load", pyvalue.TypeName(ctx))
	}
	sec, ok := cd.GetStr("secrets")
	if !ok {
		return nil, nil
	}
	sd, ok := sec.(*pyvalue.Dict)
	if !ok {
		if l.format == FormatRaw {
			return nil, errors.New("context.secrets is set as one whole value, which value-format raw cannot split into secrets")
		}
		return nil, fmt.Errorf("context.secrets holds a %s, not a table of secrets", pyvalue.TypeName(sec))
	}
	return sd, nil
}

// Names returns the names of all local secrets, sorted.
func (l *LocalSecrets) Names() []string {
	sd, err := l.secretsTable()
	if err != nil || sd == nil {
		return nil
	}
	names := make([]string, 0, sd.Len())
	for i := 0; i < sd.Len(); i++ {
		if k, ok := sd.Key(i).(pyvalue.Str); ok {
			names = append(names, string(k))
		}
	}
	sort.Strings(names)
	return names
}

// Lookup resolves one secret as Secret(name).get() would from local
// context, rendered in the configured value format.
func (l *LocalSecrets) Lookup(name string) Resolution {
	sd, err := l.secretsTable()
	if err != nil {
		return Resolution{Found: true, Err: err, Source: SourceEnv}
	}
	source := l.origins[name]
	if source == "" {
		source = SourceTOML
	}
	if err, ok := l.errs[name]; ok {
		return Resolution{Found: true, Err: err, Source: source}
	}
	if sd == nil {
		return Resolution{}
	}
	v, ok := sd.GetStr(name)
	if !ok {
		return Resolution{}
	}
	r := Resolution{Found: true, Source: source}
	if l.format == FormatRaw {
		r.Text, r.Err = rawText(v)
		return r
	}
	v, err = secretGet(v)
	if err != nil {
		r.Err = err
		return r
	}
	r.Text, r.Null, r.Err = pyvalue.Render(v)
	return r
}

// secretGet is the last step of Secret.get: a str or bytes value that is a
// JSON document is decoded.
func secretGet(v pyvalue.Value) (pyvalue.Value, error) {
	var out pyvalue.Value
	var err error
	switch x := v.(type) {
	case pyvalue.Str:
		out, err = pyvalue.Loads(string(x))
	case pyvalue.Bytes:
		out, err = pyvalue.LoadsBytes(string(x))
	default:
		return v, nil
	}
	if errors.Is(err, pyvalue.ErrNotJSON) {
		return v, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the value cannot be exported: %w", err)
	}
	return out, nil
}

// rawText is the stored text of a value: a string as it is, anything else
// as compact JSON.
func rawText(v pyvalue.Value) (string, error) {
	if s, ok := v.(pyvalue.Str); ok {
		return string(s), nil
	}
	return pyvalue.CompactJSON(v)
}
