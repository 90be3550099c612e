package export

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Shell writes `export NAME='value'` lines that a POSIX shell's eval reads
// back byte for byte: single quotes keep everything, and a quote inside is
// written as '\”.
func Shell(entries []Entry) (string, error) {
	var b strings.Builder
	for _, e := range entries {
		if !validName(e.Name) || strings.Contains(e.Name, "-") {
			return "", fmt.Errorf("refusing to write name %q: not a shell variable name", e.Name)
		}
		if strings.IndexByte(e.Value, 0) >= 0 {
			return "", fmt.Errorf("%s: the value has a NUL byte, which no shell variable can hold", e.Name)
		}
		b.WriteString("export ")
		b.WriteString(e.Name)
		b.WriteString("='")
		b.WriteString(strings.ReplaceAll(e.Value, "'", `'\''`))
		b.WriteString("'\n")
	}
	return b.String(), nil
}

// Dotenv writes a dotenv file that docker compose (compose-go), godotenv,
// node's dotenv and `set -a; . ./file` in sh all read back byte for byte.
// Their rules leave one dialect they share: NAME='value', single quotes
// taking every byte literally, newlines included (no $ expansion, no
// escapes, no command substitution in any of them). A value holding a
// single quote is written NAME="value" when it has nothing double quotes
// treat specially in one of them ($, `, ", \ or a control character).
// Three kinds of value no dialect carries to all four, and they are
// refused, naming the variable: a carriage return (node's dotenv turns it
// into a newline), a value ending in a backslash (compose and godotenv
// read \' as an escaped quote), and a single quote with any of the
// double-quote specials.
func Dotenv(entries []Entry) (string, error) {
	var b strings.Builder
	for _, e := range entries {
		if !validName(e.Name) || strings.Contains(e.Name, "-") {
			return "", fmt.Errorf("refusing to write name %q: not a variable name", e.Name)
		}
		quoted, err := dotenvValue(e.Value)
		if err != nil {
			return "", fmt.Errorf("%s: %w; use --format shell or json, or leave it out of the env-file", e.Name, err)
		}
		b.WriteString(e.Name)
		b.WriteString("=")
		b.WriteString(quoted)
		b.WriteString("\n")
	}
	return b.String(), nil
}

// dotenvValue quotes one value in the shared dialect (see Dotenv).
func dotenvValue(v string) (string, error) {
	switch {
	case strings.IndexByte(v, 0) >= 0:
		return "", errors.New("the value has a NUL byte, which no environment variable can hold")
	case strings.IndexByte(v, '\r') >= 0:
		return "", errors.New("the value has a carriage return, which node's dotenv reads as a newline")
	case strings.HasSuffix(v, `\`):
		return "", errors.New("the value ends in a backslash, which compose and godotenv read as escaping the closing quote")
	case !strings.Contains(v, "'"):
		return "'" + v + "'", nil
	case strings.ContainsAny(v, "$`\"\\") || hasControl(v):
		return "", errors.New("the value has a single quote and one of $ ` \" \\ or a control character, which no quoting reads back the same in compose, godotenv, node's dotenv and sh")
	}
	return `"` + v + `"`, nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// errNotUTF8 reports a value JSON text cannot carry byte for byte.
var errNotUTF8 = errors.New("the value is not valid UTF-8, which JSON text cannot carry unchanged; use --format shell")

// JSON writes one JSON object of names and values, in order.
func JSON(entries []Entry) (string, error) {
	var b strings.Builder
	b.WriteString("{")
	for i, e := range entries {
		if !utf8.ValidString(e.Value) {
			return "", fmt.Errorf("%s: %w", e.Name, errNotUTF8)
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		writeQuoted(&b, e.Name, true)
		b.WriteString(": ")
		writeQuoted(&b, e.Value, true)
	}
	if len(entries) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// writeQuoted writes a double-quoted string escaping backslash, the quote
// and control characters. For JSON, U+2028 and U+2029 are escaped as well,
// so the text is also valid JavaScript.
func writeQuoted(b *strings.Builder, s string, forJSON bool) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		case forJSON && c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			fmt.Fprintf(b, `\u%04x`, 0x2000|uint16(s[i+2]-0xa8+0x28))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
