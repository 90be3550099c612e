package pyvalue

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// ErrNotLiteral reports text that ast.literal_eval rejects, for any reason:
// a syntax error, a non-literal expression, an unhashable key. Prefect keeps
// such text as a plain string, so the reason matters only for debugging.
var ErrNotLiteral = errors.New("not a Python literal")

// maxNesting is CPython's tokenizer limit on open brackets (MAXLEVEL).
const maxNesting = 200

// LiteralEval evaluates src as Python 3.11's ast.literal_eval(src) does.
func LiteralEval(src string) (Value, error) {
	src = strings.TrimLeft(src, " \t")
	if strings.IndexByte(src, 0) >= 0 || !utf8.ValidString(src) {
		// compile() refuses NUL bytes, and text with surrogate escapes
		// cannot be encoded as source.
		return nil, fmt.Errorf("%w: source cannot be compiled", ErrNotLiteral)
	}
	toks, err := tokenize(translateNewlines(src))
	if err != nil {
		return nil, err
	}
	p := &literalParser{toks: toks}
	n, err := p.expressions()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tokEnd {
		return nil, notLiteral("unexpected token after expression")
	}
	return convert(n)
}

func notLiteral(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotLiteral}, args...)...)
}

// translateNewlines does what CPython's tokenizer does to string input:
// CRLF and lone CR become LF.
func translateNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

type tokKind int

const (
	tokEnd tokKind = iota
	tokNewline
	tokNumber
	tokString
	tokName
	tokOp
)

type token struct {
	kind tokKind
	text string // operator text, name, or number text
	val  Value  // decoded string or bytes literal
}

// tokenize produces the tokens of an eval-mode source, applying CPython's
// rules for line joining, indentation and brackets.
func tokenize(s string) ([]token, error) {
	var toks []token
	level := 0
	atLineStart := true
	i := 0
	for {
		if atLineStart && level == 0 {
			col := 0
			for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f') {
				if s[i] == '\f' {
					col = 0
				} else {
					col++
				}
				i++
			}
			if i < len(s) && s[i] != '#' && s[i] != '\n' && s[i] != '\\' && col != 0 {
				return nil, notLiteral("unexpected indent")
			}
			atLineStart = false
			blank := i >= len(s) || s[i] == '#' || s[i] == '\n'
			if blank {
				for i < len(s) && s[i] != '\n' {
					i++
				}
				if i >= len(s) {
					break
				}
				i++
				atLineStart = true
				continue
			}
		}
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f') {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\n':
			i++
			if level == 0 {
				toks = append(toks, token{kind: tokNewline})
				atLineStart = true
			}
		case c == '\\':
			if i+1 >= len(s) || s[i+1] != '\n' {
				return nil, notLiteral("unexpected character after line continuation")
			}
			i += 2
			if i >= len(s) {
				return nil, notLiteral("unexpected end of file")
			}
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			end, err := scanNumber(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokNumber, text: s[i:end]})
			i = end
		case c == '\'' || c == '"':
			v, end, err := scanString(s, i, "")
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, val: v})
			i = end
		case isIdentStart(s, i):
			start := i
			prefix, quoted := stringPrefix(s, i)
			if quoted {
				v, end, err := scanString(s, i+len(prefix), prefix)
				if err != nil {
					return nil, err
				}
				toks = append(toks, token{kind: tokString, val: v})
				i = end
				continue
			}
			for i < len(s) && isIdentChar(s, i) {
				_, size := utf8.DecodeRuneInString(s[i:])
				i += size
			}
			toks = append(toks, token{kind: tokName, text: s[start:i]})
		case strings.HasPrefix(s[i:], "..."):
			toks = append(toks, token{kind: tokOp, text: "..."})
			i += 3
		case strings.IndexByte("([{", c) >= 0:
			if level >= maxNesting {
				return nil, notLiteral("too many nested parentheses")
			}
			level++
			toks = append(toks, token{kind: tokOp, text: string(c)})
			i++
		case strings.IndexByte(")]}", c) >= 0:
			if level == 0 {
				return nil, notLiteral("unmatched %q", c)
			}
			level--
			toks = append(toks, token{kind: tokOp, text: string(c)})
			i++
		case strings.IndexByte(",:+-", c) >= 0:
			toks = append(toks, token{kind: tokOp, text: string(c)})
			i++
		default:
			// Every other operator or character either is a syntax error
			// or builds an expression literal_eval refuses.
			return nil, notLiteral("unsupported character %q", c)
		}
	}
	if level != 0 {
		return nil, notLiteral("unexpected end of file inside brackets")
	}
	return append(toks, token{kind: tokEnd}), nil
}

func isIdentStart(s string, i int) bool {
	c := s[i]
	return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') || c >= 0x80
}

func isIdentChar(s string, i int) bool {
	return isIdentStart(s, i) || isDigit(s[i])
}

// stringPrefix recognises the legal prefixes of a string literal at s[i:]
// (b, r, u, f and their legal pairs, in either case) followed by a quote.
func stringPrefix(s string, i int) (string, bool) {
	var sawB, sawR, sawU, sawF bool
	j := i
	for j < len(s) {
		c := s[j] | 0x20
		switch {
		case c == 'b' && !(sawB || sawU || sawF):
			sawB = true
		case c == 'u' && !(sawB || sawU || sawR || sawF):
			sawU = true
		case c == 'r' && !(sawR || sawU):
			sawR = true
		case c == 'f' && !(sawF || sawB || sawU):
			sawF = true
		default:
			return "", false
		}
		j++
		if j < len(s) && (s[j] == '\'' || s[j] == '"') {
			return strings.ToLower(s[i:j]), true
		}
	}
	return "", false
}

// scanNumber returns the end of the number token starting at i, following
// the tokenizer's grammar, including its refusals (leading zeros, misplaced
// underscores, a number running into a name).
func scanNumber(s string, i int) (int, error) {
	at := func(k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	bad := func() (int, error) { return 0, notLiteral("invalid number literal") }
	// digitRun consumes digits accepted by ok, with single underscores
	// between them; it requires at least one digit.
	digitRun := func(k int, ok func(byte) bool) (int, bool) {
		if !ok(at(k)) {
			return k, false
		}
		for {
			for ok(at(k)) {
				k++
			}
			if at(k) != '_' {
				return k, true
			}
			if !ok(at(k + 1)) {
				return k, false
			}
			k++
		}
	}
	isDec := func(c byte) bool { return isDigit(c) }
	end := func(k int) (int, error) {
		if k < len(s) && isIdentChar(s, k) {
			return bad()
		}
		return k, nil
	}
	k := i
	if at(k) == '0' && strings.IndexByte("xXoObB", at(k+1)) >= 0 && at(k+1) != 0 {
		var ok func(byte) bool
		switch at(k+1) | 0x20 {
		case 'x':
			ok = func(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
		case 'o':
			ok = func(c byte) bool { return c >= '0' && c <= '7' }
		default:
			ok = func(c byte) bool { return c == '0' || c == '1' }
		}
		k += 2
		if at(k) == '_' {
			k++
		}
		k, good := digitRun(k, ok)
		if !good {
			return bad()
		}
		return end(k)
	}
	intDigits := true
	if at(k) != '.' {
		var good bool
		k, good = digitRun(k, isDec)
		if !good {
			return bad()
		}
	} else {
		intDigits = false
	}
	isFloat := false
	if at(k) == '.' {
		isFloat = true
		k++
		if isDigit(at(k)) {
			var good bool
			k, good = digitRun(k, isDec)
			if !good {
				return bad()
			}
		} else if !intDigits {
			return bad()
		}
	}
	if at(k)|0x20 == 'e' {
		isFloat = true
		k++
		if at(k) == '+' || at(k) == '-' {
			k++
		}
		var good bool
		k, good = digitRun(k, isDec)
		if !good {
			return bad()
		}
	}
	if at(k)|0x20 == 'j' {
		return end(k + 1)
	}
	if !isFloat {
		// A decimal integer may not have leading zeros, except zero itself.
		text := strings.ReplaceAll(s[i:k], "_", "")
		if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
			return bad()
		}
	}
	return end(k)
}

// scanString scans a string literal whose opening quote is at s[i], with
// the given (lower-cased) prefix, and decodes it.
func scanString(s string, i int, prefix string) (Value, int, error) {
	q := s[i]
	triple := i+2 < len(s) && s[i+1] == q && s[i+2] == q
	open := 1
	if triple {
		open = 3
	}
	j := i + open
	bodyStart := j
	for {
		if j >= len(s) {
			return nil, 0, notLiteral("unterminated string literal")
		}
		c := s[j]
		if c == '\\' {
			j += 2
			continue
		}
		if c == '\n' && !triple {
			return nil, 0, notLiteral("unterminated string literal")
		}
		if c == q && (!triple || (j+2 < len(s) && s[j+1] == q && s[j+2] == q)) {
			break
		}
		j++
	}
	if j > len(s) {
		return nil, 0, notLiteral("unterminated string literal")
	}
	body := s[bodyStart:j]
	end := j + open
	if strings.Contains(prefix, "f") {
		// f-strings are JoinedStr nodes, never constants.
		return nil, 0, notLiteral("f-string")
	}
	raw := strings.Contains(prefix, "r")
	if strings.Contains(prefix, "b") {
		for k := 0; k < len(body); k++ {
			if body[k] >= 0x80 {
				return nil, 0, notLiteral("bytes can only contain ASCII literal characters")
			}
		}
		if raw {
			return Bytes(body), end, nil
		}
		b, err := decodeEscapes(body, true)
		return Bytes(b), end, err
	}
	if raw {
		return Str(body), end, nil
	}
	str, err := decodeEscapes(body, false)
	return Str(str), end, err
}

// decodeEscapes applies Python's backslash escapes; unknown escapes are kept
// as written.
func decodeEscapes(body string, isBytes bool) (string, error) {
	if strings.IndexByte(body, '\\') < 0 {
		return body, nil
	}
	var out []byte
	for i := 0; i < len(body); {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(body) {
			return "", notLiteral("trailing backslash")
		}
		e := body[i+1]
		i += 2
		switch e {
		case '\n':
		case '\\', '\'', '"':
			out = append(out, e)
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, 11)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for n := 0; n < 2 && i < len(body) && body[i] >= '0' && body[i] <= '7'; n++ {
				v = v*8 + int(body[i]-'0')
				i++
			}
			if isBytes {
				out = append(out, byte(v))
			} else {
				out = utf8.AppendRune(out, rune(v))
			}
		case 'x':
			r, err := hexEscape(body, i, 2)
			if err != nil {
				return "", err
			}
			i += 2
			if isBytes {
				out = append(out, byte(r))
			} else {
				out = utf8.AppendRune(out, r)
			}
		case 'u', 'U', 'N':
			if isBytes {
				out = append(out, '\\', e)
				continue
			}
			var r rune
			switch e {
			case 'u':
				v, err := hexEscape(body, i, 4)
				if err != nil {
					return "", err
				}
				r, i = v, i+4
			case 'U':
				v, err := hexEscape(body, i, 8)
				if err != nil {
					return "", err
				}
				r, i = v, i+8
			default:
				if i >= len(body) || body[i] != '{' {
					return "", notLiteral("malformed \\N character escape")
				}
				close := strings.IndexByte(body[i:], '}')
				if close < 0 {
					return "", notLiteral("malformed \\N character escape")
				}
				v, ok := lookupRuneName(body[i+1 : i+close])
				if !ok {
					return "", notLiteral("unknown Unicode character name")
				}
				r, i = v, i+close+1
			}
			if r > utf8.MaxRune || (r >= 0xd800 && r < 0xe000) {
				// Python builds a str it cannot encode from a surrogate
				// escape; such a value could never be exported, so the
				// text stays as written.
				return "", notLiteral("escape is not a Unicode scalar value")
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, '\\', e)
		}
	}
	return string(out), nil
}

func hexEscape(body string, i, n int) (rune, error) {
	if i+n > len(body) {
		return 0, notLiteral("truncated escape")
	}
	for k := i; k < i+n; k++ {
		c := body[k] | 0x20
		if !isDigit(body[k]) && (c < 'a' || c > 'f') {
			return 0, notLiteral("truncated escape")
		}
	}
	v, err := strconv.ParseUint(body[i:i+n], 16, 32)
	if err != nil {
		return 0, notLiteral("truncated escape")
	}
	return rune(v), nil
}

var (
	runeNamesOnce sync.Once
	runeNames     map[string]rune
)

// lookupRuneName resolves \N{NAME} case-insensitively. The table is built on
// first use only: secrets with named escapes are rare.
func lookupRuneName(name string) (rune, bool) {
	runeNamesOnce.Do(func() {
		runeNames = make(map[string]rune, 40000)
		for r := rune(0); r <= utf8.MaxRune; r++ {
			if n := runenames.Name(r); n != "" && n[0] != '<' {
				if _, dup := runeNames[n]; !dup {
					runeNames[n] = r
				}
			}
		}
	})
	upper := strings.ToUpper(name)
	if hex, ok := strings.CutPrefix(upper, "CJK UNIFIED IDEOGRAPH-"); ok && (len(hex) == 4 || len(hex) == 5) {
		if v, err := strconv.ParseUint(hex, 16, 32); err == nil && runenames.Name(rune(v)) == "<CJK Ideograph>" {
			return rune(v), true
		}
	}
	r, ok := runeNames[upper]
	return r, ok
}

// node is the subset of Python's AST that literal_eval looks at.
type node struct {
	kind  string // const, tuple, list, set, dict, call_set, unary, binop, other
	val   Value
	op    string
	elems []*node
	keys  []*node
}

type literalParser struct {
	toks []token
	pos  int
}

func (p *literalParser) peek() token { return p.toks[p.pos] }

func (p *literalParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEnd {
		p.pos++
	}
	return t
}

func (p *literalParser) isOp(text string) bool {
	t := p.peek()
	return t.kind == tokOp && t.text == text
}

// expressions parses the eval input: one expression or a bare tuple,
// followed only by newlines.
func (p *literalParser) expressions() (*node, error) {
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	result := first
	if p.isOp(",") {
		elems := []*node{first}
		for p.isOp(",") {
			p.next()
			if p.startsExpr() {
				e, err := p.expr()
				if err != nil {
					return nil, err
				}
				elems = append(elems, e)
			} else {
				break
			}
		}
		result = &node{kind: "tuple", elems: elems}
	}
	for p.peek().kind == tokNewline {
		p.next()
	}
	return result, nil
}

func (p *literalParser) startsExpr() bool {
	t := p.peek()
	switch t.kind {
	case tokNumber, tokString, tokName:
		return true
	case tokOp:
		return strings.Contains("([{+-", t.text) || t.text == "..."
	}
	return false
}

// expr parses a sum: factor (('+'|'-') factor)*, left-associative.
func (p *literalParser) expr() (*node, error) {
	left, err := p.factor()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.next().text
		right, err := p.factor()
		if err != nil {
			return nil, err
		}
		left = &node{kind: "binop", op: op, elems: []*node{left, right}}
	}
	return left, nil
}

func (p *literalParser) factor() (*node, error) {
	if p.isOp("+") || p.isOp("-") {
		op := p.next().text
		operand, err := p.factor()
		if err != nil {
			return nil, err
		}
		return &node{kind: "unary", op: op, elems: []*node{operand}}, nil
	}
	return p.atom()
}

func (p *literalParser) atom() (*node, error) {
	t := p.next()
	switch t.kind {
	case tokNumber:
		v, err := parseNumber(t.text)
		if err != nil {
			return nil, err
		}
		return &node{kind: "const", val: v}, nil
	case tokString:
		v := t.val
		for p.peek().kind == tokString {
			nv := p.next().val
			switch a := v.(type) {
			case Str:
				b, ok := nv.(Str)
				if !ok {
					return nil, notLiteral("cannot mix bytes and nonbytes literals")
				}
				v = a + b
			case Bytes:
				b, ok := nv.(Bytes)
				if !ok {
					return nil, notLiteral("cannot mix bytes and nonbytes literals")
				}
				v = a + b
			}
		}
		return &node{kind: "const", val: v}, nil
	case tokName:
		switch t.text {
		case "True":
			return &node{kind: "const", val: Bool(true)}, nil
		case "False":
			return &node{kind: "const", val: Bool(false)}, nil
		case "None":
			return &node{kind: "const", val: None}, nil
		}
		name := t.text
		if !isASCII(name) {
			// Identifiers are NFKC-normalised by the parser.
			name = norm.NFKC.String(name)
		}
		if name == "set" && p.isOp("(") {
			p.next()
			if !p.isOp(")") {
				return nil, notLiteral("set() takes no arguments here")
			}
			p.next()
			return &node{kind: "call_set"}, nil
		}
		return nil, notLiteral("names are not literals")
	case tokOp:
		switch t.text {
		case "...":
			return &node{kind: "const", val: Ellipsis}, nil
		case "(":
			if p.isOp(")") {
				p.next()
				return &node{kind: "tuple"}, nil
			}
			first, err := p.expr()
			if err != nil {
				return nil, err
			}
			if p.isOp(")") {
				p.next()
				return first, nil
			}
			elems, err := p.seqTail(first, ")")
			if err != nil {
				return nil, err
			}
			return &node{kind: "tuple", elems: elems}, nil
		case "[":
			if p.isOp("]") {
				p.next()
				return &node{kind: "list"}, nil
			}
			first, err := p.expr()
			if err != nil {
				return nil, err
			}
			if p.isOp("]") {
				p.next()
				return &node{kind: "list", elems: []*node{first}}, nil
			}
			elems, err := p.seqTail(first, "]")
			if err != nil {
				return nil, err
			}
			return &node{kind: "list", elems: elems}, nil
		case "{":
			return p.braces()
		}
	}
	return nil, notLiteral("unexpected token")
}

// seqTail parses ", expr"* [","] close after a first element.
func (p *literalParser) seqTail(first *node, close string) ([]*node, error) {
	elems := []*node{first}
	for {
		if p.isOp(close) {
			p.next()
			return elems, nil
		}
		if !p.isOp(",") {
			return nil, notLiteral("expected ',' or %q", close)
		}
		p.next()
		if p.isOp(close) {
			p.next()
			return elems, nil
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
	}
}

func (p *literalParser) braces() (*node, error) {
	if p.isOp("}") {
		p.next()
		return &node{kind: "dict"}, nil
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !p.isOp(":") {
		if p.isOp("}") {
			p.next()
			return &node{kind: "set", elems: []*node{first}}, nil
		}
		elems, err := p.seqTail(first, "}")
		if err != nil {
			return nil, err
		}
		return &node{kind: "set", elems: elems}, nil
	}
	d := &node{kind: "dict"}
	key := first
	for {
		if !p.isOp(":") {
			return nil, notLiteral("expected ':'")
		}
		p.next()
		val, err := p.expr()
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, key)
		d.elems = append(d.elems, val)
		if p.isOp("}") {
			p.next()
			return d, nil
		}
		if !p.isOp(",") {
			return nil, notLiteral("expected ',' or '}'")
		}
		p.next()
		if p.isOp("}") {
			p.next()
			return d, nil
		}
		key, err = p.expr()
		if err != nil {
			return nil, err
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseNumber turns a number token into an int, float or complex.
func parseNumber(text string) (Value, error) {
	t := strings.ReplaceAll(text, "_", "")
	if last := t[len(t)-1] | 0x20; last == 'j' {
		f, err := parseFloat(t[:len(t)-1])
		if err != nil {
			return nil, err
		}
		return Complex(complex(0, f)), nil
	}
	if len(t) > 1 && t[0] == '0' && strings.IndexByte("xXoObB", t[1]) >= 0 {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[t[1]|0x20]
		i, ok := new(big.Int).SetString(t[2:], base)
		if !ok {
			return nil, notLiteral("invalid number")
		}
		return Int{V: i}, nil
	}
	if strings.ContainsAny(t, ".eE") {
		f, err := parseFloat(t)
		if err != nil {
			return nil, err
		}
		return Float(f), nil
	}
	if len(t) > MaxIntDigits {
		return nil, notLiteral("integer literal has more than %d digits", MaxIntDigits)
	}
	i, ok := new(big.Int).SetString(t, 10)
	if !ok {
		return nil, notLiteral("invalid number")
	}
	return Int{V: i}, nil
}

func parseFloat(t string) (float64, error) {
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !isRangeErr(err) {
		return 0, notLiteral("invalid number")
	}
	return f, nil
}

// convert evaluates a node the way ast.literal_eval's _convert does.
func convert(n *node) (Value, error) {
	switch n.kind {
	case "const":
		return n.val, nil
	case "tuple":
		items, err := convertAll(n.elems)
		if err != nil {
			return nil, err
		}
		return &Tuple{Items: items}, nil
	case "list":
		items, err := convertAll(n.elems)
		if err != nil {
			return nil, err
		}
		return &List{Items: items}, nil
	case "set":
		items, err := convertAll(n.elems)
		if err != nil {
			return nil, err
		}
		s, err := NewSet(items)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotLiteral, err)
		}
		return s, nil
	case "call_set":
		return &Set{}, nil
	case "dict":
		d := NewDict()
		for i := range n.keys {
			k, err := convert(n.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := convert(n.elems[i])
			if err != nil {
				return nil, err
			}
			if err := d.Set(k, v); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNotLiteral, err)
			}
		}
		return d, nil
	case "binop":
		left, err := convertSignedNum(n.elems[0])
		if err != nil {
			return nil, err
		}
		right, err := convertNum(n.elems[1])
		if err != nil {
			return nil, err
		}
		rc, rightComplex := right.(Complex)
		lf, leftReal := realValue(left)
		if !rightComplex || !leftReal {
			return nil, notLiteral("malformed node")
		}
		if math.IsInf(lf, 0) && !isFloatValue(left) {
			return nil, notLiteral("int too large to convert to float")
		}
		if n.op == "+" {
			return Complex(complex(lf+real(rc), 0+imag(rc))), nil
		}
		return Complex(complex(lf-real(rc), 0-imag(rc))), nil
	}
	return convertSignedNum(n)
}

func isFloatValue(v Value) bool { _, ok := v.(Float); return ok }

// realValue converts an int or float operand to float, as int + complex does.
func realValue(v Value) (float64, bool) {
	switch x := v.(type) {
	case Int:
		f, _ := new(big.Float).SetInt(x.V).Float64()
		return f, true
	case Float:
		return float64(x), true
	}
	return 0, false
}

func convertAll(nodes []*node) ([]Value, error) {
	out := make([]Value, len(nodes))
	for i, e := range nodes {
		v, err := convert(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func convertNum(n *node) (Value, error) {
	if n.kind == "const" {
		switch n.val.(type) {
		case Int, Float, Complex:
			return n.val, nil
		}
	}
	return nil, notLiteral("malformed node")
}

func convertSignedNum(n *node) (Value, error) {
	if n.kind != "unary" {
		return convertNum(n)
	}
	operand, err := convertNum(n.elems[0])
	if err != nil {
		return nil, err
	}
	if n.op == "+" {
		return operand, nil
	}
	switch x := operand.(type) {
	case Int:
		return Int{V: new(big.Int).Neg(x.V)}, nil
	case Float:
		return Float(-float64(x)), nil
	case Complex:
		return Complex(complex(-real(x), -imag(x))), nil
	}
	return nil, notLiteral("malformed node")
}
