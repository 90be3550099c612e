package export

import (
	"strings"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// MaskStrings returns what to register with ::add-mask:: for one value: the
// whole value, each non-empty trimmed line (lines end at LF, CR or CRLF, as
// the runner splits them; runners built on nektos/act register only what
// they are given), and for a JSON object or array every string or number
// leaf at least minLeaf characters long, with its lines. Empty and
// whitespace-only strings are left out: the runner would only warn.
func MaskStrings(value string, minLeaf int) []string {
	var out []string
	add := func(s string) {
		if strings.TrimSpace(s) == "" {
			return
		}
		out = append(out, s)
		for _, line := range splitLines(s) {
			if t := strings.TrimSpace(line); t != "" && t != s {
				out = append(out, t)
			}
		}
	}
	add(value)
	t := strings.TrimSpace(value)
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		if v, err := pyvalue.Loads(value); err == nil {
			walkLeaves(v, func(leaf string) {
				if utf8.RuneCountInString(leaf) >= minLeaf {
					add(leaf)
				}
			})
		}
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// walkLeaves calls fn with the text of every string and number leaf of a
// JSON value. true, false and null are not secrets and are left out.
func walkLeaves(v pyvalue.Value, fn func(string)) {
	switch x := v.(type) {
	case *pyvalue.Dict:
		for i := 0; i < x.Len(); i++ {
			walkLeaves(x.Val(i), fn)
		}
	case *pyvalue.List:
		for _, it := range x.Items {
			walkLeaves(it, fn)
		}
	case pyvalue.Str, pyvalue.Int, pyvalue.Float:
		if text, _, err := pyvalue.Render(x); err == nil {
			fn(text)
		}
	}
}

// Masker registers masks once each, in the order they are first asked for.
type Masker struct {
	add  func(string)
	seen map[string]bool
}

// NewMasker returns a Masker that registers masks with add.
func NewMasker(add func(string)) *Masker {
	return &Masker{add: add, seen: map[string]bool{}}
}

// Mask registers s unless it is empty, whitespace-only or already registered.
func (m *Masker) Mask(s string) {
	if strings.TrimSpace(s) == "" || m.seen[s] {
		return
	}
	m.seen[s] = true
	m.add(s)
}

// MaskValue registers every mask MaskStrings gives for value.
func (m *Masker) MaskValue(value string, minLeaf int) {
	for _, s := range MaskStrings(value, minLeaf) {
		m.Mask(s)
	}
}
