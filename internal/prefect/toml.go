package prefect

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// ConfigTOML is a parsed Prefect configuration file (or `local-secrets`
// text): a nested dict in document order.
type ConfigTOML struct {
	root *pyvalue.Dict
}

// TOMLError locates a syntax or structure error. It never quotes the
// document, which may hold secrets.
type TOMLError struct {
	Line, Column int
	Reason       string
}

func (e *TOMLError) Error() string {
	if e.Line == 0 {
		return "TOML document refused: " + e.Reason
	}
	return fmt.Sprintf("invalid TOML at line %d, column %d: %s", e.Line, e.Column, e.Reason)
}

// quotedChar matches the one character of the document that go-toml's
// messages quote, such as "unexpected character U+0073 's'".
var quotedChar = regexp.MustCompile(`U\+[0-9A-F]{4,6} '.*?'`)

// ParseTOML parses a Prefect configuration document. Keys keep the order
// they are written in, which is the order Prefect's toml.load produces and
// so the order objects are rendered in.
//
// The full decoder validates the document (duplicate keys, redefined
// tables); the ordered tree is then built from the same library's syntax
// tree, because decoding into Go maps loses the order.
//
// The decoder's duplicate-key tracking takes time that grows faster than
// the number of keys (100,000 keys take many seconds), so a first, linear
// pass over the syntax tree refuses documents with more keys or values
// than any Prefect configuration has, before the decoder sees them.
func ParseTOML(data []byte) (*ConfigTOML, error) {
	if err := checkTOMLSize(data); err != nil {
		return nil, err
	}
	var check map[string]any
	if err := toml.Unmarshal(data, &check); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			reason := strings.TrimPrefix(de.Error(), "toml: ")
			reason = quotedChar.ReplaceAllString(reason, "a character")
			return nil, &TOMLError{Line: line, Column: col, Reason: reason}
		}
		return nil, &TOMLError{Line: 1, Column: 1, Reason: "unreadable document"}
	}
	b := tomlBuilder{root: pyvalue.NewDict()}
	b.current = b.root
	p := unstable.Parser{}
	p.Reset(data)
	for p.NextExpression() {
		if err := b.expression(p.Expression()); err != nil {
			return nil, err
		}
	}
	if err := p.Error(); err != nil {
		return nil, &TOMLError{Line: 1, Column: 1, Reason: "unreadable document"}
	}
	return &ConfigTOML{root: b.root}, nil
}

// Limits of a configuration document: Prefect's own defaults hold about a
// hundred keys.
const (
	MaxTOMLKeys   = 10000
	MaxTOMLValues = 100000
)

// checkTOMLSize counts key parts and values with the library's linear
// parser; syntax errors are left for the full decoder to report.
func checkTOMLSize(data []byte) error {
	keys, values := 0, 0
	var count func(n *unstable.Node)
	count = func(n *unstable.Node) {
		values++
		switch n.Kind {
		case unstable.Array:
			it := n.Children()
			for it.Next() {
				count(it.Node())
			}
		case unstable.InlineTable:
			it := n.Children()
			for it.Next() {
				kv := it.Node()
				keys += len(keyParts(kv))
				count(kv.Value())
			}
		}
	}
	p := unstable.Parser{}
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			keys += len(keyParts(e))
		case unstable.KeyValue:
			keys += len(keyParts(e))
			count(e.Value())
		}
		if keys > MaxTOMLKeys {
			return &TOMLError{Reason: fmt.Sprintf("more than %d keys; a Prefect configuration holds far fewer", MaxTOMLKeys)}
		}
		if values > MaxTOMLValues {
			return &TOMLError{Reason: fmt.Sprintf("more than %d values; a Prefect configuration holds far fewer", MaxTOMLValues)}
		}
	}
	return nil
}

type tomlBuilder struct {
	root, current *pyvalue.Dict
}

func keyParts(n *unstable.Node) []string {
	var parts []string
	it := n.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

// descend returns the table at key under t, creating it; an array of
// tables yields its last element, as TOML headers address it.
func descend(t *pyvalue.Dict, key string) (*pyvalue.Dict, error) {
	v, ok := t.GetStr(key)
	if !ok {
		nd := pyvalue.NewDict()
		t.SetStr(key, nd)
		return nd, nil
	}
	switch x := v.(type) {
	case *pyvalue.Dict:
		return x, nil
	case *pyvalue.List:
		if n := len(x.Items); n > 0 {
			if d, ok := x.Items[n-1].(*pyvalue.Dict); ok {
				return d, nil
			}
		}
	}
	return nil, &TOMLError{Line: 1, Column: 1, Reason: fmt.Sprintf("key %q is not a table", key)}
}

func (b *tomlBuilder) expression(e *unstable.Node) error {
	switch e.Kind {
	case unstable.Table:
		t := b.root
		for _, k := range keyParts(e) {
			var err error
			if t, err = descend(t, k); err != nil {
				return err
			}
		}
		b.current = t
	case unstable.ArrayTable:
		parts := keyParts(e)
		t := b.root
		for _, k := range parts[:len(parts)-1] {
			var err error
			if t, err = descend(t, k); err != nil {
				return err
			}
		}
		last := parts[len(parts)-1]
		nd := pyvalue.NewDict()
		if v, ok := t.GetStr(last); ok {
			l, _ := v.(*pyvalue.List)
			if l == nil {
				return &TOMLError{Line: 1, Column: 1, Reason: fmt.Sprintf("key %q is not an array of tables", last)}
			}
			l.Items = append(l.Items, nd)
		} else {
			t.SetStr(last, &pyvalue.List{Items: []pyvalue.Value{nd}})
		}
		b.current = nd
	case unstable.KeyValue:
		return setKeyValue(b.current, e)
	}
	return nil
}

func setKeyValue(t *pyvalue.Dict, kv *unstable.Node) error {
	parts := keyParts(kv)
	for _, k := range parts[:len(parts)-1] {
		var err error
		if t, err = descend(t, k); err != nil {
			return err
		}
	}
	v, err := tomlValue(kv.Value())
	if err != nil {
		return err
	}
	t.SetStr(parts[len(parts)-1], v)
	return nil
}

func tomlValue(n *unstable.Node) (pyvalue.Value, error) {
	data := string(n.Data)
	switch n.Kind {
	case unstable.String:
		return pyvalue.Str(data), nil
	case unstable.Bool:
		return pyvalue.Bool(data == "true"), nil
	case unstable.Integer:
		return tomlInt(data)
	case unstable.Float:
		return tomlFloat(data)
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return tomlTemporal(n.Kind, data)
	case unstable.Array:
		l := &pyvalue.List{}
		it := n.Children()
		for it.Next() {
			v, err := tomlValue(it.Node())
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, v)
		}
		return l, nil
	case unstable.InlineTable:
		d := pyvalue.NewDict()
		it := n.Children()
		for it.Next() {
			if err := setKeyValue(d, it.Node()); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, &TOMLError{Line: 1, Column: 1, Reason: "unsupported value"}
}

func tomlInt(raw string) (pyvalue.Value, error) {
	s := strings.ReplaceAll(raw, "_", "")
	neg := false
	switch {
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		s, neg = s[1:], true
	}
	base := 10
	if len(s) > 1 && s[0] == '0' {
		switch s[1] {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
		if base != 10 {
			s = s[2:]
		}
	}
	i, ok := new(big.Int).SetString(s, base)
	if !ok {
		return nil, &TOMLError{Line: 1, Column: 1, Reason: "invalid integer"}
	}
	if neg {
		i.Neg(i)
	}
	return pyvalue.Int{V: i}, nil
}

func tomlFloat(raw string) (pyvalue.Value, error) {
	s := strings.ReplaceAll(raw, "_", "")
	switch strings.TrimLeft(s, "+-") {
	case "nan":
		return pyvalue.Float(math.NaN()), nil
	case "inf":
		if strings.HasPrefix(s, "-") {
			return pyvalue.Float(math.Inf(-1)), nil
		}
		return pyvalue.Float(math.Inf(1)), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || !errors.Is(ne.Err, strconv.ErrRange) {
			return nil, &TOMLError{Line: 1, Column: 1, Reason: "invalid float"}
		}
	}
	return pyvalue.Float(f), nil
}

// tomlTemporal maps TOML dates and times to the datetime values Python's
// toml module returns; sub-microsecond digits are dropped, as Python keeps
// microseconds only.
func tomlTemporal(kind unstable.Kind, raw string) (pyvalue.Value, error) {
	t := pyvalue.Temporal{Kind: pyvalue.DateTime}
	s := raw
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	if kind != unstable.LocalTime {
		if len(s) < 10 {
			return nil, &TOMLError{Line: 1, Column: 1, Reason: "invalid date"}
		}
		t.Year, t.Month, t.Day = atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10])
		s = s[10:]
		if kind == unstable.LocalDate {
			t.Kind = pyvalue.Date
			return t, nil
		}
		s = s[1:] // 'T', 't' or ' '
	} else {
		t.Kind = pyvalue.Time
	}
	if len(s) < 5 {
		return nil, &TOMLError{Line: 1, Column: 1, Reason: "invalid time"}
	}
	t.Hour, t.Minute = atoi(s[0:2]), atoi(s[3:5])
	s = s[5:]
	if strings.HasPrefix(s, ":") && len(s) >= 3 {
		t.Second = atoi(s[1:3])
		s = s[3:]
	}
	if strings.HasPrefix(s, ".") {
		j := 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		frac := (s[1:j] + "000000")[:6]
		t.Microsec = atoi(frac)
		s = s[j:]
	}
	switch {
	case s == "":
	case s == "Z" || s == "z":
		t.HasOffset = true
	case len(s) == 6 && (s[0] == '+' || s[0] == '-'):
		t.HasOffset = true
		t.OffsetMinutes = atoi(s[1:3])*60 + atoi(s[4:6])
		if s[0] == '-' {
			t.OffsetMinutes = -t.OffsetMinutes
		}
	}
	return t, nil
}
