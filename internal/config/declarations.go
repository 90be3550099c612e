package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/credential"
)

// Declaration is one entry of the `secrets` input.
type Declaration struct {
	// Name is the secret name; for a wildcard, the prefix names must have.
	Name string
	// Export is the variable and output name: the alias, or the name made
	// into a valid identifier. Empty for a wildcard.
	Export string
	// Optional marks an entry written with a trailing "?".
	Optional bool
	// Wildcard marks an entry written with a trailing "*".
	Wildcard bool
	// Declared is the entry's name as the user wrote it, for reports.
	Declared string
	// Aliased marks an entry written ALIAS=NAME.
	Aliased bool
	// Slug is the block type of a slug/name entry (aws-credentials/prod);
	// "" for a secret. It is kept only for the rest backend: elsewhere a
	// slash is part of a secret name.
	Slug string
	// Profile is the export profile written as NAME@PROFILE, "" for none.
	Profile string
}

// SecretSlug is the block type of Prefect 2/3 Secret blocks: secret/NAME
// is the same entry as NAME.
const SecretSlug = "secret"

var blockSlug = regexp.MustCompile(`^[a-z0-9-]+$`)

// Block reports whether the entry names a block other than a Secret.
func (d Declaration) Block() bool { return d.Slug != "" && d.Slug != SecretSlug }

// asSecretName folds a slug/name entry back into the secret name it is
// for backends without blocks.
func (d Declaration) asSecretName() Declaration {
	if d.Slug == "" {
		return d
	}
	d.Name = d.Slug + "/" + d.Name
	d.Slug = ""
	if !d.Aliased && !d.Wildcard {
		d.Export = ExportName(d.Name)
	}
	return d
}

var validExport = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidExportName reports whether s can be a variable and output name:
// [A-Za-z_][A-Za-z0-9_]*.
func ValidExportName(s string) bool { return validExport.MatchString(s) }

// maxDeclarations bounds the `secrets` input; far more than any job needs,
// far less than would hurt.
const maxDeclarations = 10000

// ExportName derives the export name of a secret name: characters outside
// [A-Za-z0-9_] become "_", a leading digit gets a "_" before it, and the
// result is upper-cased.
func ExportName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		i += size
		switch {
		case r < utf8.RuneSelf && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return s
}

// RefusedExport says why an export name may never be written, or "" when
// it may. The runner drops NODE_OPTIONS and overwrites the others.
func RefusedExport(name string) string {
	u := strings.ToUpper(name)
	switch u {
	case "NODE_OPTIONS":
		return "the runner refuses NODE_OPTIONS"
	case "HOME", "CI":
		return "the runner sets " + u + " itself"
	case "_":
		return "shells set _ themselves"
	}
	for _, p := range []string{"GITHUB_", "RUNNER_", "ACTIONS_"} {
		if strings.HasPrefix(u, p) {
			return "the runner owns " + p + "* variables"
		}
	}
	return ""
}

// ParseDeclarations parses the `secrets` input (SPEC §3), keeping slug/name
// entries as blocks. It returns every problem it finds, one per entry.
func ParseDeclarations(text string) ([]Declaration, []string) {
	decls, problems := parseEntries(text)
	if len(decls) == 0 && len(problems) == 0 {
		problems = append(problems, "no secrets are declared")
	}
	return decls, append(problems, checkClaims(decls)...)
}

// parseEntries parses declarations without checking them against each
// other.
func parseEntries(text string) ([]Declaration, []string) {
	entries, problems := splitEntries(text)
	var decls []Declaration
	for _, e := range entries {
		d, err := parseEntry(e)
		if err != "" {
			problems = append(problems, err)
			continue
		}
		decls = append(decls, d)
	}
	if len(decls) > maxDeclarations {
		return nil, append(problems, fmt.Sprintf("more than %d entries", maxDeclarations))
	}
	return decls, problems
}

// validVariable is what a Prefect Variable name may be.
var validVariable = regexp.MustCompile(`^[a-z0-9_-]*$`)

// parseVariables parses the `variables` input: the declaration syntax
// without blocks or profiles.
func parseVariables(text string) ([]Declaration, []string) {
	decls, problems := parseEntries(text)
	var out []Declaration
	for _, d := range decls {
		d = d.asSecretName()
		switch {
		case d.Profile != "":
			problems = append(problems, fmt.Sprintf("entry %q: variables have no profiles", d.Declared))
		case !validVariable.MatchString(d.Name):
			problems = append(problems, fmt.Sprintf("entry %q: a Prefect Variable name holds only a-z, 0-9, _ and -", d.Declared))
		default:
			out = append(out, d)
		}
	}
	return out, problems
}

// checkClaims refuses export names the runner owns and two entries that
// would export one variable.
func checkClaims(decls []Declaration) []string {
	var problems []string
	seen := map[string]Declaration{}
	for _, d := range decls {
		if d.Wildcard {
			continue
		}
		reported := map[string]bool{}
		for _, name := range d.Claims() {
			if why := RefusedExport(name); why != "" {
				problems = append(problems, fmt.Sprintf("%s: export name %q is refused: %s; give it an alias", d.Declared, name, why))
				continue
			}
			key := strings.ToUpper(name)
			if prev, dup := seen[key]; dup {
				if !reported[prev.Declared] {
					reported[prev.Declared] = true
					problems = append(problems, fmt.Sprintf("%s and %s both export %q (names compare without case)", prev.Declared, d.Declared, name))
				}
				continue
			}
			seen[key] = d
		}
	}
	return problems
}

// splitEntries splits at commas and newlines outside quoted names and drops
// comments: "#" starts one at the start of an entry or after whitespace.
func splitEntries(text string) ([]string, []string) {
	var entries []string
	var cur strings.Builder
	inQuote := false
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			entries = append(entries, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inQuote {
			cur.WriteByte(c)
			switch c {
			case '\\':
				if i+1 < len(text) {
					i++
					cur.WriteByte(text[i])
				}
			case '"':
				inQuote = false
			case '\n':
				return nil, []string{"a quoted name is not closed before the end of its line"}
			}
			continue
		}
		switch c {
		case '"':
			inQuote = true
			cur.WriteByte(c)
		case ',', '\n':
			flush()
		case '#':
			s := cur.String()
			if strings.TrimSpace(s) == "" || isSpace(s[len(s)-1]) {
				for i+1 < len(text) && text[i+1] != '\n' {
					i++
				}
				continue
			}
			cur.WriteByte(c)
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, []string{"a quoted name is not closed"}
	}
	flush()
	return entries, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func parseEntry(e string) (Declaration, string) {
	var d Declaration
	rest := e
	// An alias comes before the first "=" that is outside a quoted name.
	if eq := strings.IndexByte(e, '='); eq >= 0 && !strings.Contains(e[:eq], `"`) {
		alias := strings.TrimSpace(e[:eq])
		rest = strings.TrimSpace(e[eq+1:])
		if !validExport.MatchString(alias) {
			return d, fmt.Sprintf("entry %q: alias %q is not a valid name ([A-Za-z_][A-Za-z0-9_]*)", e, alias)
		}
		d.Export, d.Aliased = alias, true
	}
	if strings.HasSuffix(rest, "?") {
		d.Optional = true
		rest = strings.TrimSpace(rest[:len(rest)-1])
	}
	if strings.HasPrefix(rest, `"`) {
		dec := json.NewDecoder(strings.NewReader(rest))
		var name string
		if err := dec.Decode(&name); err != nil {
			return d, fmt.Sprintf("entry %q: the quoted name is not a valid JSON string", e)
		}
		tail := strings.TrimSpace(rest[dec.InputOffset():])
		if at := strings.LastIndexByte(tail, '@'); at >= 0 {
			d.Profile, tail = tail[at+1:], strings.TrimSpace(tail[:at])
		}
		switch tail {
		case "":
		case "*":
			d.Wildcard = true
		default:
			return d, fmt.Sprintf("entry %q: unexpected text after the quoted name", e)
		}
		d.Name = name
		d.Declared = strings.TrimSpace(rest[:dec.InputOffset()]) + map[bool]string{true: "*"}[d.Wildcard]
		if !d.Wildcard {
			d.Declared = QuoteName(name)
		}
	} else {
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			d.Profile, rest = rest[at+1:], rest[:at]
		}
		if strings.HasSuffix(rest, "*") {
			d.Wildcard = true
			rest = rest[:len(rest)-1]
		}
		if rest == "" && !d.Wildcard {
			return d, fmt.Sprintf("entry %q: no secret name", e)
		}
		if i := strings.IndexAny(rest, " \t\r\"=*?@"); i >= 0 {
			return d, fmt.Sprintf("entry %q: %q is not allowed in a bare name; write the name as a JSON string", e, rest[i])
		}
		if !utf8.ValidString(rest) {
			return d, fmt.Sprintf("entry %q: the name is not valid UTF-8", e)
		}
		if hasControl(rest) {
			return d, fmt.Sprintf("entry %q: a bare name cannot hold control characters; write the name as a JSON string", e)
		}
		d.Name = rest
		d.Declared = rest
		if d.Wildcard {
			d.Declared = rest + "*"
		}
		if slug, name, ok := strings.Cut(rest, "/"); ok && blockSlug.MatchString(slug) && !strings.Contains(name, "/") {
			d.Slug, d.Name = slug, name
			if slug == SecretSlug {
				d.Declared = strings.TrimPrefix(d.Declared, SecretSlug+"/")
			}
		}
	}
	if d.Profile != "" && !credential.Known(d.Profile) {
		return d, fmt.Sprintf("entry %q: %q is not a profile (%s); write a name holding @ as a JSON string", e, d.Profile, strings.Join(credential.Names(), ", "))
	}
	if d.Wildcard {
		if d.Aliased {
			return d, fmt.Sprintf("entry %q: a wildcard cannot have an alias", e)
		}
		return d, ""
	}
	if d.Slug != "" && d.Name == "" {
		return d, fmt.Sprintf("entry %q: no name after the block type", e)
	}
	if d.Export == "" {
		d.Export = ExportName(d.Name)
		if !validExport.MatchString(d.Export) {
			return d, fmt.Sprintf("entry %q: the name gives no usable export name; give it an alias", e)
		}
	}
	return d, ""
}

// Claims lists the variables an entry will export, for finding two
// entries that would write one: a profile's variables, or the entry's own
// name. A flattened block's names are known only once it is read.
func (d Declaration) Claims() []string {
	profile := d.Profile
	if profile == "" && d.Block() && !d.Aliased {
		profile, _ = credential.ForType(d.Slug)
	}
	switch {
	case profile == "" && d.Block():
		return nil // flattened: PREFIX_FIELD names, checked once read
	case profile == "", profile == credential.FileProfile:
		return []string{d.Export}
	}
	return credential.Variables(profile)
}

// QuoteName writes a name the way a user would have to declare it: bare
// when it can be, as a JSON string otherwise.
//
// The result never holds a control character: reports and the reserved
// outputs carry it.
func QuoteName(name string) string {
	if name != "" && !strings.ContainsAny(name, " \t\r\n\",=*?#") && utf8.ValidString(name) && !hasControl(name) {
		return name
	}
	b, _ := json.Marshal(name)
	// json.Marshal leaves DEL and the C1 controls as they are.
	var out strings.Builder
	for _, r := range string(b) {
		if unicode.IsControl(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return out.String()
}

// hasControl reports C0 and C1 control characters and DEL.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
