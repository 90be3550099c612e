// Package streammask masks secrets in a byte stream as it passes: every
// occurrence of any of a set of texts becomes "***", even when it arrives
// split across writes. Bytes that hold no secret pass through unchanged
// and in order, binary included; a byte is held back only while it may be
// the start of a secret, and never past the end of its line or a short
// delay.
//
// The matcher is an Aho-Corasick automaton written here rather than taken
// from a library: a stream needs the automaton's state kept across writes
// and the length of the longest tail that may still begin a secret (the
// state's depth), which is what decides how much output may go, and the
// libraries available match whole buffers only.
package streammask

import (
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Replacement is what each secret becomes.
const Replacement = "***"

// DefaultDelay bounds how long a byte that may start a secret is held.
const DefaultDelay = 100 * time.Millisecond

// automaton is a complete Aho-Corasick DFA over byte classes: the bytes
// the secrets use each have a class of their own, every other byte shares
// class 0, which keeps the table small for secrets of a few dozen
// characters.
type automaton struct {
	class [256]uint8
	width int     // number of classes
	delta []int32 // next state: delta[state*width+class]
	depth []int32 // length of the pattern prefix a state stands for
	out   []int32 // length of the longest pattern ending in a state, 0 for none
}

// compile builds the automaton of patterns. A pattern holding a newline
// is split into its lines: each line is masked on its own, so no match
// ever spans a line end, and a line's bytes are never held past it.
func compile(patterns []string) *automaton {
	seen := map[string]bool{}
	var pats []string
	for _, p := range patterns {
		for _, line := range strings.Split(p, "\n") {
			if line != "" && !seen[line] {
				seen[line] = true
				pats = append(pats, line)
			}
		}
	}
	sort.Strings(pats) // a stable automaton for the same set
	a := &automaton{width: 1}
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			if a.class[p[i]] == 0 && a.width < 256 {
				a.class[p[i]] = uint8(a.width)
				a.width++
			}
		}
	}
	if a.width == 256 {
		// Every byte value but one is used: give each its own class.
		for c := range a.class {
			a.class[c] = uint8(c)
		}
	}
	w := a.width
	a.delta, a.depth, a.out = make([]int32, w), []int32{0}, []int32{0}
	// The trie, in delta, with 0 meaning "no edge yet" (no edge leads back
	// to the root in a trie).
	for _, p := range pats {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			at := int(s)*w + int(a.class[p[i]])
			next := a.delta[at]
			if next == 0 {
				next = int32(len(a.depth))
				a.delta[at] = next
				a.delta = append(a.delta, make([]int32, w)...)
				a.depth = append(a.depth, int32(i+1))
				a.out = append(a.out, 0)
			}
			s = next
		}
		a.out[s] = int32(len(p))
	}
	// Breadth first: failure links, then every missing edge filled in from
	// the failure state's, which makes the trie a DFA.
	fail := make([]int32, len(a.depth))
	queue := make([]int32, 0, len(a.depth))
	for c := 0; c < w; c++ {
		if next := a.delta[c]; next != 0 {
			queue = append(queue, next)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if a.out[fail[s]] > a.out[s] {
			a.out[s] = a.out[fail[s]]
		}
		row, failRow := int(s)*w, int(fail[s])*w
		for c := 0; c < w; c++ {
			next := a.delta[row+c]
			if next != 0 && a.depth[next] == a.depth[s]+1 {
				fail[next] = a.delta[failRow+c]
				queue = append(queue, next)
			} else {
				a.delta[row+c] = a.delta[failRow+c]
			}
		}
	}
	return a
}

// span is a masked run of held bytes, [start, end).
type span struct{ start, end int }

// Writer masks what is written to it and passes the rest to the
// underlying writer. It is safe for one writer goroutine and its own
// timer; Close flushes what is held.
type Writer struct {
	mu    sync.Mutex
	w     io.Writer
	a     *automaton
	state int32
	held  []byte
	spans []span
	delay time.Duration
	timer *time.Timer
	err   error
	out   []byte // the next write to w, reused
	// endsMasked says the last byte written was masked: a run that
	// starts at the next byte continues it, under the same Replacement.
	endsMasked bool
}

// Set is a compiled set of secrets, shared by the writers of one command's
// streams.
type Set struct{ a *automaton }

// Compile compiles the secrets to mask.
func Compile(secrets []string) *Set { return &Set{a: compile(secrets)} }

// New returns a Writer masking secrets on their way to w, holding a byte
// that may start one at most delay (DefaultDelay when zero).
func New(w io.Writer, secrets []string, delay time.Duration) *Writer {
	return Compile(secrets).Writer(w, delay)
}

// Writer returns a Writer masking the set's secrets on their way to w.
func (s *Set) Writer(w io.Writer, delay time.Duration) *Writer {
	if delay <= 0 {
		delay = DefaultDelay
	}
	return &Writer{w: w, a: s.a, delay: delay}
}

// Write masks p. Bytes that cannot be part of a secret go out at once;
// the tail that may still start one waits for the next write, the end of
// its line, or the delay.
func (m *Writer) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return 0, m.err
	}
	base := len(m.held)
	m.held = append(m.held, p...)
	a, s := m.a, m.state
	w, delta, class := a.width, a.delta, &a.class
	for i, c := range p {
		s = delta[int(s)*w+int(class[c])]
		if n := a.out[s]; n != 0 {
			m.mark(base+i+1-int(n), base+i+1)
		}
	}
	m.state = s
	final := len(m.held) - int(a.depth[s])
	// A masked run that crosses the boundary waits whole. Runs after the
	// boundary may lie wholly inside the tail, so the one to check is the
	// last that starts before it.
	for k := len(m.spans) - 1; k >= 0; k-- {
		if sp := m.spans[k]; sp.start < final {
			if sp.end > final {
				final = sp.start
			}
			break
		}
	}
	if final < 0 {
		final = 0
	}
	m.emit(final)
	switch {
	case len(m.held) == 0 && m.timer != nil:
		m.timer.Stop()
		m.timer = nil
	case len(m.held) > 0 && m.timer == nil:
		m.timer = time.AfterFunc(m.delay, m.expire)
	}
	if m.err != nil {
		return 0, m.err
	}
	return len(p), nil
}

// mark adds a masked run. Matches come in the order they end, so a new
// run ends last; it swallows the runs it overlaps or touches. A run that
// begins before the held bytes (its start went out on a delay) covers
// what is still held.
func (m *Writer) mark(start, end int) {
	if start < 0 {
		start = 0
	}
	for k := len(m.spans); k > 0 && m.spans[k-1].end >= start; k = len(m.spans) {
		start = min(start, m.spans[k-1].start)
		m.spans = m.spans[:k-1]
	}
	m.spans = append(m.spans, span{start, end})
}

// emit writes held[:n], its masked runs replaced, and keeps the rest.
func (m *Writer) emit(n int) {
	if n == 0 {
		return
	}
	out := m.out[:0]
	at, k := 0, 0
	continued := m.endsMasked
	for ; k < len(m.spans) && m.spans[k].start < n; k++ {
		sp := m.spans[k]
		out = append(out, m.held[at:sp.start]...)
		if !(continued && sp.start == 0) {
			out = append(out, Replacement...)
		}
		at = sp.end
	}
	out = append(out, m.held[at:n]...)
	m.endsMasked = at == n && k > 0 || (continued && len(out) == 0)
	if _, err := m.w.Write(out); err != nil && m.err == nil {
		m.err = err
	}
	if cap(out) <= 1<<20 {
		m.out = out
	}
	rest := copy(m.held, m.held[n:])
	m.held = m.held[:rest]
	spans := m.spans[:0]
	for _, sp := range m.spans[k:] {
		spans = append(spans, span{sp.start - n, sp.end - n})
	}
	m.spans = spans
}

// expire lets the held bytes go once they have waited the delay: output
// is never late by more than that. A secret whose first piece went out
// this way still has the rest of it masked.
func (m *Writer) expire() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.timer = nil
	m.emit(len(m.held))
}

// Close writes what is held. It does not close the underlying writer.
func (m *Writer) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	m.emit(len(m.held))
	m.state = 0
	return m.err
}
