package actionmeta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// segment is one piece of a template: literal text, or an expression.
type segment struct {
	literal string
	expr    actionlint.ExprNode
}

// parseTemplate splits s at each ${{ … }}, with actionlint's parser of
// GitHub's expression language.
func parseTemplate(s string) ([]segment, error) {
	var out []segment
	for {
		i := strings.Index(s, "${{")
		if i < 0 {
			if s != "" {
				out = append(out, segment{literal: s})
			}
			return out, nil
		}
		if i > 0 {
			out = append(out, segment{literal: s[:i]})
		}
		rest := s[i+3:]
		lex := actionlint.NewExprLexer(rest)
		node, err := actionlint.NewExprParser().Parse(lex)
		if err != nil {
			return nil, fmt.Errorf("expression %q: %s", strings.TrimSpace(cut(rest)), err.Message)
		}
		out = append(out, segment{expr: node})
		s = rest[lex.Offset():]
	}
}

// parseCondition reads an if: value, which is an expression with or
// without ${{ }}.
func parseCondition(s string) ([]segment, error) {
	t := strings.TrimSpace(s)
	if strings.Contains(t, "${{") {
		return parseTemplate(t)
	}
	node, err := actionlint.NewExprParser().Parse(actionlint.NewExprLexer(t + "}}"))
	if err != nil {
		return nil, fmt.Errorf("condition %q: %s", t, err.Message)
	}
	return []segment{{expr: node}}, nil
}

func cut(s string) string {
	if i := strings.Index(s, "}}"); i >= 0 {
		return s[:i]
	}
	return s
}

// expressions reports each named value or function that ctx does not
// allow in n's value.
func (c *checker) expressions(key string, n *yaml.Node, ctx *Context) {
	var segs []segment
	var err error
	if ctx == CompositeIf {
		segs, err = parseCondition(n.Value)
	} else {
		segs, err = parseTemplate(n.Value)
	}
	if err != nil {
		c.problem(n, key, "%v", err)
		return
	}
	for _, s := range segs {
		if s.expr == nil {
			continue
		}
		if ctx == nil {
			c.problem(n, key, "no expression is allowed here")
			return
		}
		for _, bad := range disallowed(s.expr, ctx) {
			c.problem(n, key, "%s", bad)
		}
	}
}

// disallowed lists, as the runner words them, the named values and
// functions of node that ctx does not have.
func disallowed(node actionlint.ExprNode, ctx *Context) []string {
	var out []string
	actionlint.VisitExprNode(node, func(n, _ actionlint.ExprNode, entering bool) {
		if !entering {
			return
		}
		switch n := n.(type) {
		case *actionlint.VariableNode:
			if !hasFold(ctx.Names, n.Name) {
				out = append(out, fmt.Sprintf("Unrecognized named-value: '%s'", n.Name))
			}
		case *actionlint.FuncCallNode:
			if !hasFold(Builtins, n.Callee) && !hasFold(ctx.Funcs, n.Callee) {
				out = append(out, fmt.Sprintf("Unrecognized function: '%s'", n.Callee))
			}
		}
	})
	return out
}

func hasFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

// ErrUnrecognized is returned by Evaluate for a named value the contexts
// lack, as the runner refuses it.
var ErrUnrecognized = errors.New("unrecognized named-value")

// Evaluate evaluates a template string as the runner does for a string
// value: each ${{ }} is replaced by its value converted to a string. The
// contexts map a named value (github, runner, inputs …) to its data:
// strings, float64s, bools, nil, map[string]any and []any, as decoded JSON
// is. Only the contexts given exist: a template that names another fails
// with ErrUnrecognized, as the runner fails a key that does not allow it.
func Evaluate(template string, contexts map[string]any) (string, error) {
	segs, err := parseTemplate(template)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, s := range segs {
		if s.expr == nil {
			b.WriteString(s.literal)
			continue
		}
		v, err := eval(s.expr, contexts)
		if err != nil {
			return "", err
		}
		b.WriteString(toString(v))
	}
	return b.String(), nil
}

func eval(n actionlint.ExprNode, ctx map[string]any) (any, error) {
	switch n := n.(type) {
	case *actionlint.VariableNode:
		for k, v := range ctx {
			if strings.EqualFold(k, n.Name) {
				return v, nil
			}
		}
		return nil, fmt.Errorf("%w: '%s'", ErrUnrecognized, n.Name)
	case *actionlint.ObjectDerefNode:
		recv, err := eval(n.Receiver, ctx)
		if err != nil {
			return nil, err
		}
		return property(recv, n.Property), nil
	case *actionlint.IndexAccessNode:
		recv, err := eval(n.Operand, ctx)
		if err != nil {
			return nil, err
		}
		idx, err := eval(n.Index, ctx)
		if err != nil {
			return nil, err
		}
		return property(recv, toString(idx)), nil
	case *actionlint.StringNode:
		return n.Value, nil
	case *actionlint.NullNode:
		return nil, nil
	case *actionlint.BoolNode:
		return n.Value, nil
	case *actionlint.IntNode:
		return float64(n.Value), nil
	case *actionlint.FloatNode:
		return n.Value, nil
	case *actionlint.FuncCallNode:
		args := make([]any, len(n.Args))
		for i, a := range n.Args {
			v, err := eval(a, ctx)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		return call(n.Callee, args)
	}
	return nil, fmt.Errorf("expression node %T is not modelled", n)
}

// property reads a key of an object, case-insensitively as the runner
// does; anything else, or a missing key, is null.
func property(v any, name string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if x, ok := m[name]; ok {
		return x
	}
	for k, x := range m {
		if strings.EqualFold(k, name) {
			return x
		}
	}
	return nil
}

func call(name string, args []any) (any, error) {
	switch strings.ToLower(name) {
	case "tojson":
		if len(args) != 1 {
			return nil, errors.New("toJSON takes one argument")
		}
		return toJSON(args[0])
	case "fromjson":
		if len(args) != 1 {
			return nil, errors.New("fromJSON takes one argument")
		}
		var v any
		if err := json.Unmarshal([]byte(toString(args[0])), &v); err != nil {
			return nil, fmt.Errorf("fromJSON: %w", err)
		}
		return v, nil
	case "format":
		if len(args) == 0 {
			return nil, errors.New("format takes a format string")
		}
		return format(toString(args[0]), args[1:])
	case "contains":
		if len(args) != 2 {
			return nil, errors.New("contains takes two arguments")
		}
		return strings.Contains(strings.ToLower(toString(args[0])), strings.ToLower(toString(args[1]))), nil
	case "startswith":
		if len(args) != 2 {
			return nil, errors.New("startsWith takes two arguments")
		}
		return strings.HasPrefix(strings.ToLower(toString(args[0])), strings.ToLower(toString(args[1]))), nil
	case "endswith":
		if len(args) != 2 {
			return nil, errors.New("endsWith takes two arguments")
		}
		return strings.HasSuffix(strings.ToLower(toString(args[0])), strings.ToLower(toString(args[1]))), nil
	}
	return nil, fmt.Errorf("function %s is not modelled", name)
}

// toJSON writes v as the runner's toJSON does: indented by two spaces,
// and without escaping <, > and &.
func toJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// format replaces {N} with the Nth argument; {{ and }} stand for braces.
func format(f string, args []any) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		ch := f[i]
		switch {
		case ch == '{' && i+1 < len(f) && f[i+1] == '{':
			b.WriteByte('{')
			i++
		case ch == '}' && i+1 < len(f) && f[i+1] == '}':
			b.WriteByte('}')
			i++
		case ch == '{':
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("format %q: unclosed {", f)
			}
			n, err := strconv.Atoi(f[i+1 : i+end])
			if err != nil || n < 0 || n >= len(args) {
				return "", fmt.Errorf("format %q: bad argument index", f)
			}
			b.WriteString(toString(args[n]))
			i += end
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), nil
}

// toString converts a value as the runner does when it lands in a
// string: null is empty, booleans and numbers are written out, objects
// and arrays print as their kind.
func toString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case map[string]any:
		return "Object"
	case []any:
		return "Array"
	}
	return fmt.Sprint(v)
}
