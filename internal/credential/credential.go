// Package credential turns a stored credential (a Prefect 2/3 block's data,
// or a Prefect 1 default secret's value) into what CI tools read: the
// environment variables of an export profile, files for keys and
// configurations, and every text that must be masked. It knows neither
// Prefect's API nor GitHub's runner; it works on decoded values.
package credential

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// Credential is one resolved secret or block, decoded once.
type Credential struct {
	// Label names it in errors, as declared (aws-credentials/prod).
	Label string
	// Value is the decoded value: a block's data, or a secret's value.
	Value pyvalue.Value
	// Text is the value rendered as the action exports it.
	Text string
	// SecretFields are the block schema's secret_fields paths
	// ("aws_secret_access_key", "service_account_info.*").
	SecretFields []string
}

// Variable is one environment variable (and step output) to export.
type Variable struct {
	Name  string
	Value string
}

// File is one file to write; its path is exported under Var once written.
type File struct {
	Var     string
	Name    string // base name, unique within one credential
	Content []byte
}

// Output is what a credential exports.
type Output struct {
	Variables []Variable
	Files     []File
	// Masks are the credential's own texts to mask besides the exported
	// values: every string and number leaf at least the minimum length.
	Masks []string
	// StrictMasks are masked whatever their length: the leaves of the
	// schema's secret fields.
	StrictMasks []string
}

// Error is a profile that cannot be applied; it names the credential and
// the field, never a value.
type Error struct {
	Label, Profile, Field, Why string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: profile %s: %s", e.Label, e.Profile, e.Why)
	}
	return fmt.Sprintf("%s: profile %s: field %q %s", e.Label, e.Profile, e.Field, e.Why)
}

// fields reads a credential's fields by name. The first problem sticks:
// later reads give "", and result reports it, so a profile reads every
// field it wants and checks once.
type fields struct {
	c       Credential
	profile string
	dict    *pyvalue.Dict
	err     *error // shared with sub, so a nested object's problem counts too
}

func newFields(c Credential, profile string) (*fields, error) {
	d, ok := c.Value.(*pyvalue.Dict)
	if !ok {
		return nil, &Error{Label: c.Label, Profile: profile, Why: fmt.Sprintf("needs an object, and the value is %s", describe(c.Value))}
	}
	return &fields{c: c, profile: profile, dict: d, err: new(error)}, nil
}

// sub reads the fields of a nested object with the same sticky error.
func (f *fields) sub(d *pyvalue.Dict) *fields {
	return &fields{c: f.c, profile: f.profile, dict: d, err: f.err}
}

func (f *fields) fail(path, why string) {
	if *f.err == nil {
		*f.err = &Error{Label: f.c.Label, Profile: f.profile, Field: path, Why: why}
	}
}

// problem is the first problem met while reading, or nil.
func (f *fields) problem() error { return *f.err }

// result is out, or the first problem met while reading.
func (f *fields) result(out Output) (Output, error) {
	if *f.err != nil {
		return Output{}, *f.err
	}
	return out, nil
}

func describe(v pyvalue.Value) string {
	switch v.(type) {
	case pyvalue.Str:
		return "a string"
	case *pyvalue.List:
		return "a list"
	case pyvalue.NoneType:
		return "empty"
	}
	return "a " + pyvalue.TypeName(v)
}

// get returns the text of a field at a dotted path, "" when absent or null.
func (f *fields) get(path string) string {
	if *f.err != nil {
		return ""
	}
	v, ok := lookup(f.dict, path)
	if !ok {
		return ""
	}
	switch v.(type) {
	case pyvalue.NoneType:
		return ""
	case *pyvalue.Dict, *pyvalue.List:
		f.fail(path, "is not text")
		return ""
	}
	text, _, err := pyvalue.Render(v)
	if err != nil {
		f.fail(path, "cannot be rendered as text")
		return ""
	}
	return text
}

// need is get for a field that must be there and not empty.
func (f *fields) need(path string) string {
	s := f.get(path)
	if s == "" {
		f.fail(path, "is missing or empty")
	}
	return s
}

// first returns the first of paths that is set.
func (f *fields) first(paths ...string) string {
	for _, p := range paths {
		if s := f.get(p); s != "" {
			return s
		}
	}
	return ""
}

func (f *fields) has(path string) bool {
	v, ok := lookup(f.dict, path)
	if !ok {
		return false
	}
	_, isNone := v.(pyvalue.NoneType)
	return !isNone
}

func lookup(d *pyvalue.Dict, path string) (pyvalue.Value, bool) {
	var v pyvalue.Value = d
	for _, part := range strings.Split(path, ".") {
		dict, ok := v.(*pyvalue.Dict)
		if !ok {
			return nil, false
		}
		if v, ok = dict.GetStr(part); !ok {
			return nil, false
		}
	}
	return v, true
}

// Apply exports c through the named profile. minMask is the length below
// which a leaf is not masked on its own (secret fields always are).
func Apply(profile string, c Credential, minMask int) (Output, error) {
	p, ok := profiles[profile]
	if !ok {
		return Output{}, fmt.Errorf("%s: no profile %q", c.Label, profile)
	}
	out, err := p.apply(c)
	if err != nil {
		return Output{}, err
	}
	out.addMasks(c, minMask)
	return out, nil
}

// Flatten exports every field of c as PREFIX_FIELD, nested objects as
// PREFIX_FIELD_SUB (the parse-json naming rule, with exportName turning a
// key into a name); lists and scalars are rendered as values are.
func Flatten(prefix string, c Credential, minMask int, exportName func(string) string) (Output, error) {
	d, ok := c.Value.(*pyvalue.Dict)
	if !ok {
		return Output{}, &Error{Label: c.Label, Profile: "flatten", Why: fmt.Sprintf("needs an object, and the value is %s", describe(c.Value))}
	}
	var out Output
	var walk func(prefix string, d *pyvalue.Dict) error
	walk = func(prefix string, d *pyvalue.Dict) error {
		for i := 0; i < d.Len(); i++ {
			k, _ := d.Key(i).(pyvalue.Str)
			name := prefix + "_" + exportName(string(k))
			if sub, ok := d.Val(i).(*pyvalue.Dict); ok && sub.Len() > 0 {
				if err := walk(name, sub); err != nil {
					return err
				}
				continue
			}
			text, _, err := pyvalue.Render(d.Val(i))
			if err != nil {
				return &Error{Label: c.Label, Profile: "flatten", Field: string(k), Why: "cannot be rendered as text"}
			}
			out.Variables = append(out.Variables, Variable{Name: name, Value: text})
		}
		return nil
	}
	if err := walk(prefix, d); err != nil {
		return Output{}, err
	}
	out.addMasks(c, minMask)
	return out, nil
}

// addMasks records every leaf of the credential: plain fields hold
// secrets too (a session token, a URL with a password, a kubeconfig's
// tokens), whatever the schema says.
func (o *Output) addMasks(c Credential, minMask int) {
	strict := map[string]bool{}
	for _, path := range c.SecretFields {
		for _, leaf := range leavesAt(c.Value, strings.Split(path, ".")) {
			strict[leaf] = true
		}
	}
	seen := map[string]bool{}
	pyvalue.Leaves(c.Value, func(leaf string) {
		if seen[leaf] {
			return
		}
		seen[leaf] = true
		switch {
		case strict[leaf]:
			o.StrictMasks = append(o.StrictMasks, leaf)
		case utf8.RuneCountInString(leaf) >= minMask:
			o.Masks = append(o.Masks, leaf)
		}
	})
}

// leavesAt returns the leaves under a secret_fields path; "*" matches
// every key.
func leavesAt(v pyvalue.Value, path []string) []string {
	if len(path) == 0 {
		var out []string
		pyvalue.Leaves(v, func(s string) { out = append(out, s) })
		return out
	}
	d, ok := v.(*pyvalue.Dict)
	if !ok {
		return nil
	}
	if path[0] == "*" {
		var out []string
		for i := 0; i < d.Len(); i++ {
			out = append(out, leavesAt(d.Val(i), path[1:])...)
		}
		return out
	}
	child, ok := d.GetStr(path[0])
	if !ok {
		return nil
	}
	return leavesAt(child, path[1:])
}

// ErrNoProfile is returned by ForType for a block type without a profile.
var ErrNoProfile = errors.New("no profile for this block type")

// ForType returns the profile a block type exports through by default.
func ForType(slug string) (string, error) {
	for _, name := range names() {
		for _, t := range profiles[name].types {
			if t == slug {
				return name, nil
			}
		}
	}
	return "", ErrNoProfile
}

// FileProfile writes the rendered value to a file and exports its path
// under the entry's own name (see AsFile).
const FileProfile = "file"

// Known reports whether name is a profile.
func Known(name string) bool {
	_, ok := profiles[name]
	return ok || name == FileProfile
}

// Names lists the profiles, sorted, the file profile last.
func Names() []string { return append(names(), FileProfile) }

// Variables lists the variables a profile may export, so that two entries
// that would export one variable are found before anything is resolved.
// The file profile exports the entry's own name, and so lists none.
func Variables(profile string) []string {
	p, ok := profiles[profile]
	if !ok {
		return nil
	}
	return append([]string(nil), p.variables...)
}

func names() []string {
	out := make([]string, 0, len(profiles))
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
