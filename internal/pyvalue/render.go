package pyvalue

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// errNotJSON is json.dumps' TypeError: a value or key JSON cannot hold.
var errNotJSON = errors.New("not JSON serializable")

// Render turns the value Prefect's Secret.get returns into the exported
// text: a str is itself, None is "" (and null reports true), bools are
// true/false, numbers as Python prints them, containers as
// json.dumps(..., ensure_ascii=False) with Python's default separators, or
// Python's repr where JSON cannot hold an element.
func Render(v Value) (text string, null bool, err error) {
	switch x := v.(type) {
	case Str:
		return string(x), false, nil
	case Bool:
		if x {
			return "true", false, nil
		}
		return "false", false, nil
	case NoneType:
		return "", true, nil
	case Int:
		s, err := IntString(x)
		return s, false, err
	case Float:
		return jsonFloat(float64(x)), false, nil
	case *Dict, *List, *Tuple:
		plain := toPlain(v)
		var b strings.Builder
		err := Dumps(&b, plain)
		if errors.Is(err, errNotJSON) {
			s, err := Repr(plain)
			return s, false, err
		}
		return b.String(), false, err
	}
	s, err := PyStr(v)
	return s, false, err
}

// toPlain turns tuples into lists recursively, leaving dict keys and all
// other values as they are, as Prefect's rendering of Box/BoxList does.
func toPlain(v Value) Value {
	switch x := v.(type) {
	case *Tuple:
		return &List{Items: plainItems(x.Items)}
	case *List:
		return &List{Items: plainItems(x.Items)}
	case *Dict:
		d := &Dict{keys: x.keys, vals: plainItems(x.vals), index: x.index}
		return d
	}
	return v
}

func plainItems(items []Value) []Value {
	out := make([]Value, len(items))
	for i, it := range items {
		out[i] = toPlain(it)
	}
	return out
}

// Dumps writes json.dumps(v, ensure_ascii=False) with the default ", " and
// ": " separators. Values JSON cannot hold make it fail with a TypeError-like
// error, which Render turns into the repr fallback.
func Dumps(b *strings.Builder, v Value) error {
	switch x := v.(type) {
	case NoneType:
		b.WriteString("null")
	case Bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case Int:
		s, err := IntString(x)
		if err != nil {
			return err
		}
		b.WriteString(s)
	case Float:
		b.WriteString(jsonFloat(float64(x)))
	case Str:
		writeJSONString(b, string(x))
	case *List:
		return dumpItems(b, x.Items)
	case *Tuple:
		return dumpItems(b, x.Items)
	case *Dict:
		b.WriteString("{")
		for i := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			k, err := jsonKey(x.keys[i])
			if err != nil {
				return err
			}
			writeJSONString(b, k)
			b.WriteString(": ")
			if err := Dumps(b, x.vals[i]); err != nil {
				return err
			}
		}
		b.WriteString("}")
	default:
		return fmt.Errorf("%w: %s", errNotJSON, TypeName(v))
	}
	return nil
}

func dumpItems(b *strings.Builder, items []Value) error {
	b.WriteString("[")
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := Dumps(b, it); err != nil {
			return err
		}
	}
	b.WriteString("]")
	return nil
}

// jsonKey converts a dict key the way json.dumps does.
func jsonKey(k Value) (string, error) {
	switch x := k.(type) {
	case Str:
		return string(x), nil
	case Bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case NoneType:
		return "null", nil
	case Int:
		return IntString(x)
	case Float:
		return jsonFloat(float64(x)), nil
	}
	return "", fmt.Errorf("%w: keys must be str, int, float, bool or None, not %s", errNotJSON, TypeName(k))
}

func jsonFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return FloatRepr(f)
}

// writeJSONString escapes like json's encode_basestring: quotes, backslash
// and control characters only; everything else is written as it is.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var esc string
		switch {
		case c == '"':
			esc = `\"`
		case c == '\\':
			esc = `\\`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == '\t':
			esc = `\t`
		case c == '\b':
			esc = `\b`
		case c == '\f':
			esc = `\f`
		case c < 0x20:
			esc = fmt.Sprintf(`\u%04x`, c)
		default:
			continue
		}
		b.WriteString(s[start:i])
		b.WriteString(esc)
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// CompactJSON writes v as JSON without spaces, for values shown in their
// stored form: TOML numbers, booleans, arrays, tables and dates (as
// strings). Non-finite floats are written as Python's json module writes
// them.
func CompactJSON(v Value) (string, error) {
	var b strings.Builder
	if err := compactJSON(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func compactJSON(b *strings.Builder, v Value) error {
	switch x := v.(type) {
	case *List:
		b.WriteString("[")
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(",")
			}
			if err := compactJSON(b, it); err != nil {
				return err
			}
		}
		b.WriteString("]")
		return nil
	case *Dict:
		b.WriteString("{")
		for i := range x.keys {
			if i > 0 {
				b.WriteString(",")
			}
			k, err := jsonKey(x.keys[i])
			if err != nil {
				return err
			}
			writeJSONString(b, k)
			b.WriteString(":")
			if err := compactJSON(b, x.vals[i]); err != nil {
				return err
			}
		}
		b.WriteString("}")
		return nil
	case Temporal:
		writeJSONString(b, strings.Replace(x.String(), " ", "T", 1))
		return nil
	}
	return Dumps(b, v)
}

// Leaves calls fn with the rendered text of every string and number leaf
// of a JSON-like value, in order; true, false and null are not secrets and
// are left out, as are blank texts.
func Leaves(v Value, fn func(string)) {
	switch x := v.(type) {
	case *Dict:
		for i := 0; i < x.Len(); i++ {
			Leaves(x.Val(i), fn)
		}
	case *List:
		for _, it := range x.Items {
			Leaves(it, fn)
		}
	case Str, Int, Float:
		if text, _, err := Render(x); err == nil && strings.TrimSpace(text) != "" {
			fn(text)
		}
	}
}
