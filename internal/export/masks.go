package export

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// maskSeparators are where a value is cut into pieces that are masked on
// their own. GitHub's runner splits at CR and LF itself; runners built on
// nektos/act do not, end an ::add-mask:: command at the first "::" in its
// data, and decode "%0A" and "%0D" in a random order, so a value holding
// any of them is registered wrongly there unless its pieces are too.
var maskSeparators = []string{"\r\n", "\r", "\n", "::", "%0A", "%0D", "%0a", "%0d"}

// MaskDecoded returns what to register with ::add-mask:: for one value: the
// whole value; each non-empty trimmed piece of it between line breaks, "::"
// and the texts %0A and %0D; its JSON-escaped forms where they differ (act
// prints toJSON(outputs) at -v); and for a JSON object or array every string
// or number leaf at least minLeaf characters long, treated the same way.
// Empty and whitespace-only strings are left out: the runner would only
// warn.
//
// decoded is the value already decoded (nil when it is not JSON), so that
// a value is parsed once for exports and masks alike.
func MaskDecoded(value string, decoded pyvalue.Value, minLeaf int) []string {
	var out []string
	add := func(s string) {
		if strings.TrimSpace(s) == "" {
			return
		}
		out = append(out, s)
		for _, piece := range splitPieces(s) {
			if t := strings.TrimSpace(piece); t != "" && t != s {
				out = append(out, t)
			}
		}
		for _, escaped := range jsonEscaped(s) {
			if escaped != s {
				out = append(out, escaped)
			}
		}
	}
	add(value)
	switch decoded.(type) {
	case *pyvalue.Dict, *pyvalue.List:
		pyvalue.Leaves(decoded, func(leaf string) {
			if utf8.RuneCountInString(leaf) >= minLeaf {
				add(leaf)
			}
		})
	}
	return out
}

// MaskText is MaskDecoded for text that is not to be read as JSON: the
// text, its pieces and its JSON-escaped forms.
func MaskText(text string) []string { return MaskDecoded(text, nil, 0) }

// splitPieces cuts s at every mask separator.
func splitPieces(s string) []string {
	pieces := []string{s}
	for _, sep := range maskSeparators {
		var next []string
		for _, p := range pieces {
			next = append(next, strings.Split(p, sep)...)
		}
		pieces = next
	}
	return pieces
}

// jsonEscaped is s as a JSON string's contents, without the quotes: as
// Go's encoder writes it by default (which act's toJSON uses, escaping
// <, > and &) and without HTML escaping (as GitHub writes it).
func jsonEscaped(s string) []string {
	var out []string
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if err := enc.Encode(s); err != nil {
			continue
		}
		text := strings.TrimSuffix(b.String(), "\n")
		text = text[1 : len(text)-1]
		if len(out) == 0 || out[0] != text {
			out = append(out, text)
		}
	}
	return out
}

// Masker collects masks and registers each once. Masks wait until Flush,
// which registers everything pending longest first: act replaces masks
// one at a time in the order they came, so a short mask registered first
// (a user name) would cut a longer one (a password that starts with it)
// and leave the rest of it readable.
type Masker struct {
	add     func(string)
	seen    map[string]bool
	pending []string
}

// NewMasker returns a Masker that registers masks with add.
func NewMasker(add func(string)) *Masker {
	return &Masker{add: add, seen: map[string]bool{}}
}

// Mask queues s unless it is empty, whitespace-only or already queued.
func (m *Masker) Mask(s string) {
	if strings.TrimSpace(s) == "" || m.seen[s] {
		return
	}
	m.seen[s] = true
	m.pending = append(m.pending, s)
}

// MaskDecoded queues every mask MaskDecoded gives.
func (m *Masker) MaskDecoded(value string, decoded pyvalue.Value, minLeaf int) {
	for _, s := range MaskDecoded(value, decoded, minLeaf) {
		m.Mask(s)
	}
}

// MaskText queues every mask MaskText gives.
func (m *Masker) MaskText(text string) {
	for _, s := range MaskText(text) {
		m.Mask(s)
	}
}

// Flush registers every queued mask, longest first.
func (m *Masker) Flush() {
	if len(m.pending) == 0 {
		return
	}
	pending := m.pending
	m.pending = nil
	sort.SliceStable(pending, func(i, j int) bool { return len(pending[i]) > len(pending[j]) })
	for _, s := range pending {
		m.add(s)
	}
}
