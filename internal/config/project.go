package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets-action/internal/safefile"
)

// Mode is how the binary was asked to run.
type Mode int

// The modes: the action (or the plain command line), `run`, and `check`.
const (
	ModeAction Mode = iota
	ModeRun
	ModeCheck
)

// ProjectFileName is the project file `run` and `check` look for from
// the working directory upward.
const ProjectFileName = ".prefect-secrets.toml"

// FindProject returns the nearest project file at dir or above it, or ""
// when there is none.
func FindProject(dir string) string {
	for dir != "" {
		p := filepath.Join(dir, ProjectFileName)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

// projectKeys are the inputs a project file may set: every input but the
// ones only a runner fills in.
func projectInput(name string) (Input, bool) {
	for _, in := range Inputs {
		if in.Name == name && !in.fromRunner {
			return in, true
		}
	}
	return Input{}, false
}

// integerInputs take a TOML integer.
var integerInputs = map[string]bool{"retries": true, "mask-min-length": true}

// listInputs take a TOML array of entries as well as the input's text.
var listInputs = map[string]bool{"secrets": true, "variables": true}

// LoadProject reads a project file into input values, in the inputs'
// own text syntax. Every problem names the file and the line.
func LoadProject(path string) (map[string]string, []string) {
	data, err := safefile.Read(path, MaxFileBytes)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: cannot read it: %s", path, safefile.Describe(err))}
	}
	return parseProject(path, data)
}

// parseProject reads the text of a project file named path.
func parseProject(path string, data []byte) (map[string]string, []string) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			return nil, []string{fmt.Sprintf("%s line %d: %s", path, line, strings.TrimPrefix(de.Error(), "toml: "))}
		}
		return nil, []string{fmt.Sprintf("%s: not TOML", path)}
	}
	lines := keyLines(data)
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lines[keys[i]] < lines[keys[j]] })
	values := map[string]string{}
	var problems []string
	for _, k := range keys {
		where := fmt.Sprintf("%s line %d", path, lines[k])
		in, ok := projectInput(k)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: unknown key %q; the keys are the action's input names (secrets, variables, backend, api-url, ...)", where, k))
			continue
		}
		text, err := projectValue(in, doc[k])
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s %v", where, k, err))
			continue
		}
		values[k] = text
	}
	return values, problems
}

// projectValue turns a TOML value into the input's text.
func projectValue(in Input, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case bool:
		if in.boolean {
			return strconv.FormatBool(x), nil
		}
	case int64:
		if integerInputs[in.Name] {
			return strconv.FormatInt(x, 10), nil
		}
	case []any:
		if listInputs[in.Name] {
			entries := make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return "", errors.New("must be an array of strings")
				}
				if strings.ContainsAny(s, "\n\r") {
					return "", errors.New("entries hold no line breaks")
				}
				entries = append(entries, s)
			}
			return strings.Join(entries, "\n"), nil
		}
	case map[string]any:
		return "", errors.New("is a table; the project file holds input values only")
	}
	want := "a string"
	switch {
	case in.boolean:
		want = "true or false"
	case integerInputs[in.Name]:
		want = "a whole number"
	case listInputs[in.Name]:
		want = "a string or an array of strings"
	}
	return "", fmt.Errorf("must be %s", want)
}

// keyLines finds the line of each top-level key (and of each table, under
// its first key part).
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	p := unstable.Parser{}
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		if e.Kind != unstable.KeyValue && e.Kind != unstable.Table && e.Kind != unstable.ArrayTable {
			continue
		}
		it := e.Key()
		if it.Next() {
			k := string(it.Node().Data)
			if _, seen := lines[k]; !seen {
				lines[k] = p.Shape(it.Node().Raw).Start.Line
			}
		}
	}
	return lines
}

// PrefectSettings are the settings `run` and `check` take from Prefect's
// active profile when the environment lacks them, as Prefect's CLI does.
var PrefectSettings = []string{"PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_AUTH_STRING"}

// Profile is the active Prefect profile's settings.
type Profile struct {
	Path, Name string
	Settings   map[string]string
}

// LoadProfile reads Prefect's profiles as its CLI does: the file
// PREFECT_PROFILES_PATH names, else profiles.toml in PREFECT_HOME
// (~/.prefect); the profile PREFECT_PROFILE names, else the file's
// active one. No file at the default path means no profile; every other
// problem names the file, the line or the profile.
func LoadProfile(env *osenv.Environ, users prefect.UserDirectory) (*Profile, error) {
	path, explicit := env.Lookup("PREFECT_PROFILES_PATH")
	if !explicit || path == "" {
		home := firstSet(env.Get("PREFECT_HOME"), "~/.prefect")
		path, explicit = filepath.Join(prefect.ExpandPath(env, users, home), "profiles.toml"), false
	} else {
		path = prefect.ExpandPath(env, users, path)
	}
	data, err := safefile.Read(path, MaxFileBytes)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			if name := env.Get("PREFECT_PROFILE"); name != "" {
				return nil, fmt.Errorf("profile %q (PREFECT_PROFILE) does not exist: there is no %s", name, path)
			}
			return nil, nil
		}
		return nil, fmt.Errorf("%s: cannot read it: %s", path, safefile.Describe(err))
	}
	var doc struct {
		Active   string                    `toml:"active"`
		Profiles map[string]map[string]any `toml:"profiles"`
	}
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			return nil, fmt.Errorf("%s line %d: %s", path, line, strings.TrimPrefix(de.Error(), "toml: "))
		}
		return nil, fmt.Errorf("%s: not a Prefect profiles file: %v", path, err)
	}
	name, from := env.Get("PREFECT_PROFILE"), "PREFECT_PROFILE"
	if name == "" {
		name, from = doc.Active, "the file's active key"
	}
	if name == "" {
		return nil, nil
	}
	settings, ok := doc.Profiles[name]
	if !ok {
		return nil, fmt.Errorf("%s: profile %q (from %s) does not exist", path, name, from)
	}
	p := &Profile{Path: path, Name: name, Settings: map[string]string{}}
	for _, k := range PrefectSettings {
		if v, ok := settings[k]; ok {
			s, isString := v.(string)
			if !isString {
				return nil, fmt.Errorf("%s: profile %q: %s is not a string", path, name, k)
			}
			p.Settings[k] = s
		}
	}
	return p, nil
}

// withProfile returns env with the profile's settings added where env
// lacks them: Prefect's environment variables win over its profile.
func withProfile(env *osenv.Environ, p *Profile) *osenv.Environ {
	if p == nil {
		return env
	}
	var entries []string
	for _, n := range env.Names() {
		entries = append(entries, n+"="+env.Get(n))
	}
	for _, k := range PrefectSettings {
		if v, ok := p.Settings[k]; ok {
			if _, set := env.Lookup(k); !set {
				entries = append(entries, k+"="+v)
			}
		}
	}
	return osenv.New(entries)
}
