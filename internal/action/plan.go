package action

import (
	"fmt"
	"strings"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/credential"
	"github.com/prefect-secrets/prefect-secrets-action/internal/export"
	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// plannedExport is one variable (and output) to write.
type plannedExport struct {
	export.Entry
	owner *secret
}

// plannedFile is one credential file to write; its path is exported under
// Var.
type plannedFile struct {
	credential.File
	owner *secret
	seq   int // the credential it belongs to, for unique file names
}

// plan is everything a run will deliver, decided before anything is
// written, so that a problem anywhere leaves everything untouched.
type plan struct {
	exports  []plannedExport
	files    []plannedFile
	problems []string
}

// entries are the planned exports as variables to write.
func (p plan) entries() []export.Entry {
	out := make([]export.Entry, 0, len(p.exports))
	for _, e := range p.exports {
		out = append(out, e.Entry)
	}
	return out
}

// plan turns resolved secrets into exports, files and masks. Each value is
// decoded once, for its exports and its masks alike.
func (r *run) plan(secrets []*secret, masker *export.Masker) plan {
	cfg := r.cfg
	var p plan
	if cfg.CheckOnly {
		return p // nothing is exported, and values were never asked for
	}
	owner := map[string]*secret{}
	claim := func(s *secret, name string) bool {
		key := strings.ToUpper(name)
		if prev, dup := owner[key]; dup && prev != s {
			p.problems = append(p.problems, fmt.Sprintf("%s: exports %s, which %s exports too", s.label(), name, prev.label()))
			return false
		}
		owner[key] = s
		return true
	}
	type shaped struct {
		s     *secret
		seq   int
		out   credential.Output
		whole bool
	}
	var all []shaped
	for seq, s := range secrets {
		if s.status != statusFound && s.status != statusEmpty {
			continue
		}
		decoded := s.decode()
		if !s.variable {
			masker.MaskDecoded(s.value, decoded, cfg.MaskMinLength)
		}
		out, whole, err := r.shape(s, decoded)
		if err != nil {
			p.problems = append(p.problems, err.Error())
			continue
		}
		all = append(all, shaped{s: s, seq: seq, out: out, whole: whole})
	}
	// Names exported whole were checked against each other when declared;
	// they keep their names, and a split or profile export that meets one
	// is the problem.
	for _, sh := range all {
		if sh.whole {
			for _, v := range sh.out.Variables {
				owner[strings.ToUpper(v.Name)] = sh.s
			}
		}
	}
	for _, sh := range all {
		s, out := sh.s, sh.out
		if !s.variable {
			for _, m := range out.Masks {
				masker.MaskText(m)
			}
			for _, m := range out.StrictMasks {
				masker.MaskText(m)
			}
			for _, f := range out.Files {
				masker.MaskText(string(f.Content))
			}
		}
		for _, v := range out.Variables {
			if why := config.DangerousExport(v.Name); why != "" && !sh.whole {
				r.ui.warnf("%s: %s is not exported: %s", s.label(), export.Display(v.Name), why)
				continue
			}
			if !claim(s, v.Name) {
				continue
			}
			if !s.variable {
				// Every exported value is a value of its own, masked
				// whatever its length.
				masker.MaskText(v.Value)
			}
			p.exports = append(p.exports, plannedExport{Entry: export.Entry{Name: v.Name, Value: v.Value}, owner: s})
		}
		for _, f := range out.Files {
			if claim(s, f.Var) {
				p.files = append(p.files, plannedFile{File: f, owner: s, seq: sh.seq})
			}
		}
	}
	return p
}

// shape decides how one secret is exported: as its value, split by
// parse-json, flattened, or through a profile. whole reports an export
// under the entry's own name, which declarations already checked.
func (r *run) shape(s *secret, decoded pyvalue.Value) (credential.Output, bool, error) {
	c := credential.Credential{Label: s.label(), Value: decoded, Text: s.value, SecretFields: s.secretFields}
	if c.Value == nil {
		c.Value = pyvalue.Str(s.value)
	}
	profile := s.exportProfile()
	minMask := r.cfg.MaskMinLength
	switch {
	case profile == credential.FileProfile:
		return credential.AsFile(s.export, c, minMask), true, nil
	case profile != "":
		out, err := credential.Apply(profile, c, minMask)
		return out, false, err
	case s.block():
		out, err := credential.Flatten(s.export, c, minMask, config.ExportName)
		return out, false, err
	}
	if _, isDict := decoded.(*pyvalue.Dict); r.cfg.ParseJSON && isDict {
		out, err := credential.Flatten(s.export, c, minMask, config.ExportName)
		return out, false, err
	}
	return credential.Output{Variables: []credential.Variable{{Name: s.export, Value: s.value}}}, true, nil
}

// exportProfile is the profile the secret exports through: the one
// declared, or a block type's own unless the entry is aliased or a
// wildcard match (which flatten under their names).
func (s *secret) exportProfile() string {
	if s.profile == "" && s.block() && !s.aliased && !s.matched {
		p, _ := credential.ForType(s.slug)
		return p
	}
	return s.profile
}

// exportLabel says in reports what the secret exports as: its name, a
// profile (@aws) or a flattened prefix (NAME_*).
func (s *secret) exportLabel() string {
	switch p := s.exportProfile(); {
	case s.export == "":
		return ""
	case p == credential.FileProfile:
		return s.export
	case p != "":
		return "@" + p
	case s.block():
		return s.export + "_*"
	}
	return s.export
}

// decode reads a resolved value once: a block's data, or a value that is
// a JSON object or list; nil for anything else.
func (s *secret) decode() pyvalue.Value {
	text := s.value
	if s.block() && len(s.data) > 0 {
		text = string(s.data)
	}
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return nil
	}
	v, err := pyvalue.Loads(text)
	if err != nil {
		return nil
	}
	if s.block() {
		v = withoutNestedMarkers(v, false)
	}
	return v
}

// nestedBlockMarker is the key Prefect's server adds to an unsaved nested
// block embedded in its parent's data (s3-bucket's credentials), naming
// the nested block's type. It is the server's bookkeeping, not a field:
// exported, it would become PREFIX_CREDENTIALS_BLOCK_TYPE_SLUG.
const nestedBlockMarker = "block_type_slug"

// withoutNestedMarkers returns v with the marker dropped from every
// nested object; the block's own top level keeps any field of that name.
func withoutNestedMarkers(v pyvalue.Value, nested bool) pyvalue.Value {
	d, ok := v.(*pyvalue.Dict)
	if !ok {
		return v
	}
	out := pyvalue.NewDict()
	for i := 0; i < d.Len(); i++ {
		if k, ok := d.Key(i).(pyvalue.Str); nested && ok && string(k) == nestedBlockMarker {
			continue
		}
		_ = out.Set(d.Key(i), withoutNestedMarkers(d.Val(i), true)) // keys came from a dict
	}
	return out
}
