package pyvalue

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrNotJSON is json.JSONDecodeError: the text is not a JSON document.
// Prefect's Secret.get catches exactly this error and keeps the text.
var ErrNotJSON = errors.New("not a JSON document")

// MaxJSONDepth bounds nesting. Python's decoder recurses and fails with
// RecursionError (which Secret.get does not catch) near this depth.
const MaxJSONDepth = 990

// ErrLoneSurrogate reports a document that Python decodes, but into a str
// holding a lone UTF-16 surrogate ("\ud800"), which no UTF-8 text can
// carry: such a value can never be exported.
var ErrLoneSurrogate = errors.New("it decodes to text with a lone UTF-16 surrogate, which cannot be written as UTF-8")

// ErrTooDeep reports a document nested deeper than MaxJSONDepth.
var ErrTooDeep = fmt.Errorf("nested more than %d levels deep", MaxJSONDepth)

// Loads parses s as Python's json.loads does: objects keep their key order
// (a repeated key keeps its first place and its last value), integers have
// any size, and NaN, Infinity and -Infinity are accepted. Errors wrap
// ErrNotJSON when Python raises JSONDecodeError; other errors (an integer
// over MaxIntDigits digits, nesting over MaxJSONDepth) are ones Python
// raises as other exceptions.
func Loads(s string) (Value, error) {
	if len(s) >= 3 && s[:3] == "\xef\xbb\xbf" {
		return nil, fmt.Errorf("%w: unexpected UTF-8 BOM", ErrNotJSON)
	}
	p := jsonParser{s: s}
	p.skipWS()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if p.i != len(p.s) {
		return nil, p.fail("extra data")
	}
	if p.lone {
		return nil, ErrLoneSurrogate
	}
	return v, nil
}

// LoadsBytes is json.loads on a bytes value: the bytes are decoded with the
// encoding json.detect_encoding picks, and a decoding failure is a
// UnicodeDecodeError, not a JSONDecodeError.
func LoadsBytes(b string) (Value, error) {
	text, err := decodeJSONBytes(b)
	if err != nil {
		return nil, err
	}
	return Loads(text)
}

// ErrUndecodable reports bytes that are not text in the detected encoding.
var ErrUndecodable = errors.New("bytes are not valid text")

func decodeJSONBytes(b string) (string, error) {
	switch {
	case hasPrefix(b, "\x00\x00\xfe\xff"), hasPrefix(b, "\xff\xfe\x00\x00"):
		return decodeUTF32(b)
	case hasPrefix(b, "\xfe\xff"), hasPrefix(b, "\xff\xfe"):
		return decodeUTF16(b[2:], b[0] == 0xfe)
	case hasPrefix(b, "\xef\xbb\xbf"):
		b = b[3:]
	case len(b) >= 4 && b[0] == 0:
		if b[1] != 0 {
			return decodeUTF16(b, true)
		}
		return decodeUTF32(b)
	case len(b) >= 4 && b[1] == 0:
		if b[2] != 0 || b[3] != 0 {
			return decodeUTF16(b, false)
		}
		return decodeUTF32(b)
	case len(b) == 2 && b[0] == 0:
		return decodeUTF16(b, true)
	case len(b) == 2 && b[1] == 0:
		return decodeUTF16(b, false)
	}
	if !utf8.ValidString(b) {
		return "", fmt.Errorf("%w: invalid UTF-8", ErrUndecodable)
	}
	return b, nil
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func decodeUTF16(b string, bigEndian bool) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("%w: truncated UTF-16", ErrUndecodable)
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		hi, lo := uint16(b[2*i]), uint16(b[2*i+1])
		if bigEndian {
			units[i] = hi<<8 | lo
		} else {
			units[i] = lo<<8 | hi
		}
	}
	runes := utf16.Decode(units)
	for _, r := range runes {
		if r == utf8.RuneError {
			return "", fmt.Errorf("%w: unpaired UTF-16 surrogate", ErrUndecodable)
		}
	}
	return string(runes), nil
}

func decodeUTF32(b string) (string, error) {
	bigEndian := true
	switch {
	case hasPrefix(b, "\x00\x00\xfe\xff"):
		b = b[4:]
	case hasPrefix(b, "\xff\xfe\x00\x00"):
		b, bigEndian = b[4:], false
	case len(b) >= 4 && b[0] != 0:
		bigEndian = false
	}
	if len(b)%4 != 0 {
		return "", fmt.Errorf("%w: truncated UTF-32", ErrUndecodable)
	}
	runes := make([]rune, 0, len(b)/4)
	for i := 0; i < len(b); i += 4 {
		var r uint32
		if bigEndian {
			r = uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
		} else {
			r = uint32(b[i+3])<<24 | uint32(b[i+2])<<16 | uint32(b[i+1])<<8 | uint32(b[i])
		}
		if r > utf8.MaxRune || (r >= 0xd800 && r < 0xe000) {
			return "", fmt.Errorf("%w: invalid UTF-32 code point", ErrUndecodable)
		}
		runes = append(runes, rune(r))
	}
	return string(runes), nil
}

type jsonParser struct {
	s    string
	i    int
	lone bool // a \u escape left a lone surrogate: valid JSON, not text
}

func (p *jsonParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrNotJSON, what, p.i)
}

func (p *jsonParser) skipWS() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) literal(word string) bool {
	if hasPrefix(p.s[p.i:], word) {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) value(depth int) (Value, error) {
	if p.i >= len(p.s) {
		return nil, p.fail("expecting value")
	}
	switch c := p.s[p.i]; {
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return Str(s), nil
	case c == '{':
		if depth >= MaxJSONDepth {
			return nil, ErrTooDeep
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= MaxJSONDepth {
			return nil, ErrTooDeep
		}
		return p.array(depth + 1)
	case p.literal("null"):
		return None, nil
	case p.literal("true"):
		return Bool(true), nil
	case p.literal("false"):
		return Bool(false), nil
	case p.literal("NaN"):
		return Float(math.NaN()), nil
	case p.literal("Infinity"):
		return Float(math.Inf(1)), nil
	case p.literal("-Infinity"):
		return Float(math.Inf(-1)), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.fail("expecting value")
}

func (p *jsonParser) number() (Value, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		p.i = start
		return nil, p.fail("expecting value")
	}
	isFloat := false
	if p.i+1 < len(p.s) && p.s[p.i] == '.' && isDigit(p.s[p.i+1]) {
		p.i++
		digits()
		isFloat = true
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		save := p.i
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			p.i = save
		} else {
			isFloat = true
		}
	}
	text := p.s[start:p.i]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !isRangeErr(err) {
			return nil, p.fail("bad number")
		}
		return Float(f), nil
	}
	n := len(text)
	if text[0] == '-' {
		n--
	}
	if n > MaxIntDigits {
		return nil, ErrIntTooLong
	}
	i, _ := new(big.Int).SetString(text, 10)
	return Int{V: i}, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	var out []byte
	start := p.i
	for {
		if p.i >= len(p.s) {
			return "", p.fail("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			out = append(out, p.s[start:p.i]...)
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", p.fail("invalid control character")
		case c == '\\':
			out = append(out, p.s[start:p.i]...)
			p.i++
			if p.i >= len(p.s) {
				return "", p.fail("unterminated string")
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					// Python pairs a high surrogate with a following low one
					// and keeps any other surrogate as it is; the escape after
					// an unpaired one is read again on its own.
					paired := false
					if r < 0xdc00 && hasPrefix(p.s[p.i:], `\u`) {
						save := p.i
						p.i += 2
						if lo, err := p.hex4(); err == nil && lo >= 0xdc00 && lo <= 0xdfff {
							r, paired = utf16.DecodeRune(r, lo), true
						} else {
							p.i = save
						}
					}
					if !paired {
						p.lone = true
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", p.fail("invalid escape")
			}
			start = p.i
		default:
			p.i++
		}
	}
}

func (p *jsonParser) hex4() (rune, error) {
	if p.i+4 > len(p.s) {
		return 0, p.fail("invalid \\u escape")
	}
	v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil || p.s[p.i] == '+' || p.s[p.i] == '-' {
		return 0, p.fail("invalid \\u escape")
	}
	p.i += 4
	return rune(v), nil
}

func (p *jsonParser) array(depth int) (Value, error) {
	p.i++
	l := &List{}
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return l, nil
	}
	for {
		p.skipWS()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, v)
		p.skipWS()
		if p.i >= len(p.s) {
			return nil, p.fail("expecting ',' delimiter")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return l, nil
		default:
			return nil, p.fail("expecting ',' delimiter")
		}
	}
}

func (p *jsonParser) object(depth int) (Value, error) {
	p.i++
	d := NewDict()
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return d, nil
	}
	for {
		p.skipWS()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("expecting property name enclosed in double quotes")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipWS()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail("expecting ':' delimiter")
		}
		p.i++
		p.skipWS()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		d.SetStr(k, v)
		p.skipWS()
		if p.i >= len(p.s) {
			return nil, p.fail("expecting ',' delimiter")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return d, nil
		default:
			return nil, p.fail("expecting ',' delimiter")
		}
	}
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange)
}
