// Package servertext makes text that a server sent safe to print: error
// details, GraphQL messages and codes, redirect targets. A server may be
// hostile or may simply echo the request, so its words are never trusted
// with a terminal, a runner's log or a credential.
package servertext

import (
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MaxLength is how many characters of server text a message quotes.
const MaxLength = 200

// Redactor replaces known secrets (credentials, values already resolved)
// with "***" in server text, then strips what a terminal or the runner
// would act on. It is safe for concurrent use; the zero value redacts
// nothing.
type Redactor struct {
	mu      sync.Mutex
	secrets map[string]bool
	ordered []string // longest first once sorted, so a secret inside another is not left half shown
	sorted  bool
}

// Add registers secrets. Empty and whitespace-only strings are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" || r.secrets[s] {
			continue
		}
		if r.secrets == nil {
			r.secrets = map[string]bool{}
		}
		r.secrets[s] = true
		r.ordered = append(r.ordered, s)
		r.sorted = false
	}
}

// Clean returns server text fit for one log line: secrets replaced by
// "***" (before and after control characters are dropped, so interleaved
// control bytes cannot smuggle one through), invalid UTF-8 replaced,
// control and bidirectional-override characters removed, runs of white
// space folded to one space, the runner's "##[" command marker broken, and
// the result cut to MaxLength characters at a character boundary.
func (r *Redactor) Clean(s string) string {
	if r != nil {
		s = r.redact(s)
	}
	s = strip(s)
	if r != nil {
		// A secret that is not valid UTF-8 can match part of a character;
		// what is left of it is replaced like any invalid byte.
		s = strings.ToValidUTF8(r.redact(s), "\uFFFD")
	}
	return cut(s, MaxLength)
}

func (r *Redactor) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Every resolved value is added, and text is cleaned only when a
	// server errs: sorting here, not on each Add, keeps Add cheap.
	if !r.sorted {
		sort.SliceStable(r.ordered, func(i, j int) bool { return len(r.ordered[i]) > len(r.ordered[j]) })
		r.sorted = true
	}
	for _, secret := range r.ordered {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// Clean is Redactor.Clean with nothing to redact.
func Clean(s string) string { return (*Redactor)(nil).Clean(s) }

func strip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, c := range s {
		switch {
		case unicode.IsSpace(c):
			space = b.Len() > 0
			continue
		case unicode.IsControl(c), isBidiControl(c):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(c)
	}
	return strings.ReplaceAll(b.String(), "##[", "# #[")
}

// isBidiControl reports the characters that reorder text on screen, which
// can make a terminal show something other than what was printed.
func isBidiControl(c rune) bool {
	return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069 || c == 0x200E || c == 0x200F || c == 0x061C
}

// cut shortens s to at most n characters, never inside a UTF-8 sequence.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i] + "…"
}
