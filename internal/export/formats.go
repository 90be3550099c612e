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

// Dotenv writes NAME="value" lines in the double-quoted dotenv dialect with
// JSON-style escapes: backslash, double quote and control characters are
// escaped, every other byte is written as it is. Each entry stays on one
// line.
func Dotenv(entries []Entry) (string, error) {
	var b strings.Builder
	for _, e := range entries {
		if !validName(e.Name) || strings.Contains(e.Name, "-") {
			return "", fmt.Errorf("refusing to write name %q: not a variable name", e.Name)
		}
		b.WriteString(e.Name)
		b.WriteString("=")
		writeQuoted(&b, e.Value, false)
		b.WriteString("\n")
	}
	return b.String(), nil
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
