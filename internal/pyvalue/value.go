// Package pyvalue models the Python values that Prefect 1 produces while it
// loads secrets, and reproduces the Python operations that shape them:
// ast.literal_eval, json.loads, json.dumps and repr/str, down to CPython's
// iteration order for sets and its dictionary key equality (1 == 1.0 == True).
//
// Prefect types configuration values with Python itself, so matching its
// output byte for byte means matching Python's rules rather than Go's.
package pyvalue

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Value is one Python value. The concrete types are the exported types of
// this package; nothing else implements it.
type Value interface {
	pyValue()
}

// NoneType is Python's None.
type NoneType struct{}

// Bool is a Python bool.
type Bool bool

// Int is a Python int of any size.
type Int struct{ V *big.Int }

// Float is a Python float.
type Float float64

// Complex is a Python complex.
type Complex complex128

// Str is a Python str, held as UTF-8. Bytes that are not valid UTF-8 stand
// for the surrogate escapes Python uses for undecodable environment bytes.
type Str string

// Bytes is a Python bytes object.
type Bytes string

// EllipsisType is Python's Ellipsis (...).
type EllipsisType struct{}

// Tuple is a Python tuple.
type Tuple struct{ Items []Value }

// List is a Python list.
type List struct{ Items []Value }

// Set is a Python set whose Items are in CPython's iteration order.
type Set struct{ Items []Value }

// Temporal is a date, time or datetime from TOML. Python renders it with
// str(), which this package reproduces from the fields.
type Temporal struct {
	Kind                           TemporalKind
	Year, Month, Day               int
	Hour, Minute, Second, Microsec int
	HasOffset                      bool
	OffsetMinutes                  int
}

// TemporalKind says which of Python's datetime types a Temporal is.
type TemporalKind int

// The datetime types TOML values map to.
const (
	Date TemporalKind = iota
	Time
	DateTime
)

func (NoneType) pyValue()     {}
func (Bool) pyValue()         {}
func (Int) pyValue()          {}
func (Float) pyValue()        {}
func (Complex) pyValue()      {}
func (Str) pyValue()          {}
func (Bytes) pyValue()        {}
func (EllipsisType) pyValue() {}
func (*Tuple) pyValue()       {}
func (*List) pyValue()        {}
func (*Set) pyValue()         {}
func (*Dict) pyValue()        {}
func (Temporal) pyValue()     {}

// None is the Python None singleton.
var None Value = NoneType{}

// Ellipsis is the Python Ellipsis singleton.
var Ellipsis Value = EllipsisType{}

// NewInt returns a Python int.
func NewInt(i int64) Int { return Int{V: big.NewInt(i)} }

// TypeName returns Python's name for the type of v, as error messages show it.
func TypeName(v Value) string {
	switch v.(type) {
	case NoneType:
		return "NoneType"
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Float:
		return "float"
	case Complex:
		return "complex"
	case Str:
		return "str"
	case Bytes:
		return "bytes"
	case EllipsisType:
		return "ellipsis"
	case *Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Set:
		return "set"
	case *Dict:
		return "dict"
	case Temporal:
		return "datetime"
	}
	return "object"
}

// ErrUnhashable reports a list, dict or set used as a set element or dict key.
var ErrUnhashable = errors.New("unhashable type")

// MaxIntDigits is CPython's default limit on decimal digits when converting
// between int and str (sys.int_info.default_max_str_digits). Python refuses
// longer conversions, so Prefect does too.
const MaxIntDigits = 4300

// ErrIntTooLong reports an int conversion beyond MaxIntDigits digits.
var ErrIntTooLong = fmt.Errorf("integer has more than %d decimal digits", MaxIntDigits)

// keyID returns a string that two values share exactly when Python considers
// them equal as dict keys or set elements.
func keyID(v Value) (string, error) {
	var b strings.Builder
	if err := writeKeyID(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeKeyID(b *strings.Builder, v Value) error {
	switch x := v.(type) {
	case NoneType:
		b.WriteString("N")
	case EllipsisType:
		b.WriteString("E")
	case Bool:
		if x {
			b.WriteString("n1")
		} else {
			b.WriteString("n0")
		}
	case Int:
		b.WriteString("n")
		b.WriteString(x.V.String())
	case Float:
		writeFloatID(b, float64(x))
	case Complex:
		if imag(x) == 0 {
			writeFloatID(b, real(x))
		} else {
			b.WriteString("c(")
			writeFloatID(b, real(x))
			b.WriteString(",")
			writeFloatID(b, imag(x))
			b.WriteString(")")
		}
	case Str:
		b.WriteString("s")
		b.WriteString(strconv.Itoa(len(x)))
		b.WriteString(":")
		b.WriteString(string(x))
	case Bytes:
		b.WriteString("b")
		b.WriteString(strconv.Itoa(len(x)))
		b.WriteString(":")
		b.WriteString(string(x))
	case Temporal:
		b.WriteString("d")
		b.WriteString(x.String())
	case *Tuple:
		b.WriteString("t")
		b.WriteString(strconv.Itoa(len(x.Items)))
		b.WriteString("(")
		for _, it := range x.Items {
			if err := writeKeyID(b, it); err != nil {
				return err
			}
			b.WriteString(";")
		}
		b.WriteString(")")
	default:
		return fmt.Errorf("%w: %q", ErrUnhashable, TypeName(v))
	}
	return nil
}

// writeFloatID writes the identity of a float so that integral floats equal
// the int of the same value, as they do in Python.
func writeFloatID(b *strings.Builder, f float64) {
	switch {
	case math.IsNaN(f):
		// NaN never equals anything, itself included; no literal can hold two.
		b.WriteString("nan")
	case math.IsInf(f, 0):
		if f > 0 {
			b.WriteString("inf")
		} else {
			b.WriteString("-inf")
		}
	case f == math.Trunc(f):
		bf := new(big.Float).SetFloat64(f)
		i, _ := bf.Int(nil)
		b.WriteString("n")
		b.WriteString(i.String())
	default:
		b.WriteString("f")
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
}

// Dict is a Python dict: insertion-ordered, keyed by Python equality.
type Dict struct {
	keys  []Value
	vals  []Value
	index map[string]int
}

// NewDict returns an empty dict.
func NewDict() *Dict { return &Dict{index: map[string]int{}} }

// Len returns the number of entries.
func (d *Dict) Len() int { return len(d.keys) }

// Key returns the i-th key in insertion order.
func (d *Dict) Key(i int) Value { return d.keys[i] }

// Val returns the i-th value in insertion order.
func (d *Dict) Val(i int) Value { return d.vals[i] }

// Set assigns d[k] = v. An existing equal key keeps its place and its
// original key object, as in Python.
func (d *Dict) Set(k, v Value) error {
	id, err := keyID(k)
	if err != nil {
		return err
	}
	if i, ok := d.index[id]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[id] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

// SetStr assigns d[k] = v for a str key.
func (d *Dict) SetStr(k string, v Value) {
	_ = d.Set(Str(k), v) // str keys are always hashable
}

// Get returns d[k].
func (d *Dict) Get(k Value) (Value, bool) {
	id, err := keyID(k)
	if err != nil {
		return nil, false
	}
	i, ok := d.index[id]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// GetStr returns d[k] for a str key.
func (d *Dict) GetStr(k string) (Value, bool) { return d.Get(Str(k)) }

// Copy returns a shallow copy.
func (d *Dict) Copy() *Dict {
	c := &Dict{
		keys:  append([]Value(nil), d.keys...),
		vals:  append([]Value(nil), d.vals...),
		index: make(map[string]int, len(d.index)),
	}
	for k, v := range d.index {
		c.index[k] = v
	}
	return c
}

// NewSet builds a set from elements in the order Python's set() would add
// them, and returns it with CPython's iteration order.
func NewSet(elems []Value) (*Set, error) {
	seen := map[string]bool{}
	unique := make([]Value, 0, len(elems))
	for _, e := range elems {
		id, err := keyID(e)
		if err != nil {
			return nil, err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		unique = append(unique, e)
	}
	return &Set{Items: cpythonSetOrder(unique)}, nil
}
