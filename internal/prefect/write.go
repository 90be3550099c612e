package prefect

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
)

// Change is one value to write to a backend: a block's top-level data
// fields (a Secret block's "value"), a Variable's value, or a Prefect 1
// secret's value. Values are JSON.
type Change struct {
	// Key is the block key (a Secret block's name, or slug/name), the
	// Variable's name, or the Prefect 1 secret's name.
	Key      string
	Variable bool
	// Fields are the block data fields to set; every other field of an
	// existing document is kept.
	Fields map[string]json.RawMessage
	// Value is a Variable's or a Prefect 1 secret's value.
	Value json.RawMessage
}

// Planned is a change with what the backend found: whether the target
// exists, whether the change would alter it, and whether the server's
// schema accepts it.
type Planned struct {
	Change
	Exists  bool
	Differs bool
	// Problem is why the server cannot take the change (its schema has no
	// such field, or holds another type); nothing may be written then.
	Problem error
	// Handle is the backend's own record of the target (ids, schema).
	Handle any
}

// Action is what a write did, or would do.
type Action string

// The actions of a write.
const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
	ActionSkip      Action = "skip"
)

// ErrTaken is a create that found the name taken by a writer that came
// first, when overwriting is not allowed.
var ErrTaken = errors.New("it was created by another writer meanwhile")

// SameJSON reports whether two JSON texts hold the same value: objects
// compare without key order, numbers by their text.
func SameJSON(a, b json.RawMessage) bool {
	if bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b)) {
		return true
	}
	va, errA := decodeNumbers(a)
	vb, errB := decodeNumbers(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

func decodeNumbers(data json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}
