// Package osenv holds a process environment as an ordered, read-only map.
//
// Prefect reads the environment through Python's os.environ, which keeps
// the first of duplicate entries and the process's own order; both matter
// for which PREFECT__ variable wins. Everything that needs the environment
// receives an *Environ, so no package reads the real one behind a test's back.
package osenv

import "strings"

// Environ is an ordered environment. The zero value is empty.
type Environ struct {
	names  []string
	values map[string]string
}

// New builds an Environ from "NAME=value" entries, as os.Environ returns
// them. Entries without "=" are ignored and the first of duplicates wins,
// as in Python's os.environ.
func New(entries []string) *Environ {
	e := &Environ{values: make(map[string]string, len(entries))}
	for _, kv := range entries {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if _, dup := e.values[name]; dup {
			continue
		}
		e.names = append(e.names, name)
		e.values[name] = value
	}
	return e
}

// FromPairs builds an Environ from alternating names and values.
func FromPairs(pairs ...string) *Environ {
	entries := make([]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		entries = append(entries, pairs[i]+"="+pairs[i+1])
	}
	return New(entries)
}

// Lookup returns the value of name and whether it is set.
func (e *Environ) Lookup(name string) (string, bool) {
	if e == nil {
		return "", false
	}
	v, ok := e.values[name]
	return v, ok
}

// Get returns the value of name, or "" when unset.
func (e *Environ) Get(name string) string {
	v, _ := e.Lookup(name)
	return v
}

// Names returns the variable names in environment order.
func (e *Environ) Names() []string {
	if e == nil {
		return nil
	}
	return e.names
}
