package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
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

// DangerousExport says why a name that came from secret data (a wildcard
// match, a JSON key) must not become a variable, or "" when it may: these
// change how every later step runs programs.
func DangerousExport(name string) string {
	if r := RefusedExport(name); r != "" {
		return r
	}
	u := strings.ToUpper(name)
	switch u {
	case "PATH", "BASH_ENV", "ENV":
		return u + " changes how later steps run programs"
	}
	for _, p := range []string{"LD_", "DYLD_", "GIT_", "SSH_"} {
		if strings.HasPrefix(u, p) {
			return p + "* variables change how later steps run programs"
		}
	}
	return ""
}

// ParseDeclarations parses the `secrets` input (SPEC §3). It returns every
// problem it finds, one per entry.
func ParseDeclarations(text string) ([]Declaration, []string) {
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
	if len(decls) == 0 && len(problems) == 0 {
		problems = append(problems, "no secrets are declared")
	}
	seen := map[string]Declaration{}
	for _, d := range decls {
		if d.Wildcard {
			continue
		}
		if why := RefusedExport(d.Export); why != "" {
			problems = append(problems, fmt.Sprintf("%s: export name %q is refused: %s; give it an alias", d.Declared, d.Export, why))
			continue
		}
		key := strings.ToUpper(d.Export)
		if prev, dup := seen[key]; dup {
			problems = append(problems, fmt.Sprintf("%s and %s both export %q (names compare without case)", prev.Declared, d.Declared, d.Export))
			continue
		}
		seen[key] = d
	}
	return decls, problems
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
		d.Export = alias
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
		switch tail {
		case "":
		case "*":
			d.Wildcard = true
		default:
			return d, fmt.Sprintf("entry %q: unexpected text after the quoted name", e)
		}
		d.Name = name
		d.Declared = rest
		if !d.Wildcard {
			d.Declared = QuoteName(name)
		}
	} else {
		if strings.HasSuffix(rest, "*") {
			d.Wildcard = true
			rest = rest[:len(rest)-1]
		}
		if rest == "" && !d.Wildcard {
			return d, fmt.Sprintf("entry %q: no secret name", e)
		}
		if i := strings.IndexAny(rest, " \t\r\"=*?"); i >= 0 {
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
	}
	if d.Wildcard {
		if d.Export != "" {
			return d, fmt.Sprintf("entry %q: a wildcard cannot have an alias", e)
		}
		return d, ""
	}
	if d.Export == "" {
		d.Export = ExportName(d.Name)
		if !validExport.MatchString(d.Export) {
			return d, fmt.Sprintf("entry %q: the name gives no usable export name; give it an alias", e)
		}
	}
	return d, ""
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
