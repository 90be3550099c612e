package pyvalue

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Repr returns Python's repr(v).
func Repr(v Value) (string, error) {
	var b strings.Builder
	if err := writeRepr(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// PyStr returns Python's str(v): the text itself for a str, repr otherwise
// (with datetime's own str form).
func PyStr(v Value) (string, error) {
	switch x := v.(type) {
	case Str:
		return string(x), nil
	case Temporal:
		return x.String(), nil
	}
	return Repr(v)
}

// IntString returns str(i), refusing what CPython refuses.
func IntString(i Int) (string, error) {
	s := i.V.String()
	digits := len(s)
	if i.V.Sign() < 0 {
		digits--
	}
	if digits > MaxIntDigits {
		return "", ErrIntTooLong
	}
	return s, nil
}

func writeRepr(b *strings.Builder, v Value) error {
	switch x := v.(type) {
	case NoneType:
		b.WriteString("None")
	case EllipsisType:
		b.WriteString("Ellipsis")
	case Bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case Int:
		s, err := IntString(x)
		if err != nil {
			return err
		}
		b.WriteString(s)
	case Float:
		b.WriteString(FloatRepr(float64(x)))
	case Complex:
		b.WriteString(complexRepr(complex128(x)))
	case Str:
		writeStrRepr(b, string(x))
	case Bytes:
		writeBytesRepr(b, string(x))
	case Temporal:
		b.WriteString(x.repr())
	case *Tuple:
		b.WriteString("(")
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeRepr(b, it); err != nil {
				return err
			}
		}
		if len(x.Items) == 1 {
			b.WriteString(",")
		}
		b.WriteString(")")
	case *List:
		b.WriteString("[")
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeRepr(b, it); err != nil {
				return err
			}
		}
		b.WriteString("]")
	case *Set:
		if len(x.Items) == 0 {
			b.WriteString("set()")
			return nil
		}
		b.WriteString("{")
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeRepr(b, it); err != nil {
				return err
			}
		}
		b.WriteString("}")
	case *Dict:
		b.WriteString("{")
		for i := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeRepr(b, x.keys[i]); err != nil {
				return err
			}
			b.WriteString(": ")
			if err := writeRepr(b, x.vals[i]); err != nil {
				return err
			}
		}
		b.WriteString("}")
	default:
		return fmt.Errorf("no repr for %T", v)
	}
	return nil
}

// FloatRepr returns Python's repr of a float: the shortest digits that
// round-trip, fixed notation for exponents from -4 to 15, and always a
// fractional part or an exponent.
func FloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return shortFloat(f, true)
}

// shortFloat formats like CPython's float_repr_style "short" with mode 'r'.
// addDot0 appends ".0" to integral fixed-notation values, as float repr does
// and complex repr does not.
func shortFloat(f float64, addDot0 bool) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	neg := strings.HasPrefix(e, "-")
	if neg {
		e = e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expStr)
	decpt := exp + 1 // position of the decimal point relative to digits
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -decpt))
			b.WriteString(digits)
		case decpt >= len(digits):
			b.WriteString(digits)
			b.WriteString(strings.Repeat("0", decpt-len(digits)))
			if addDot0 {
				b.WriteString(".0")
			}
		default:
			b.WriteString(digits[:decpt])
			b.WriteByte('.')
			b.WriteString(digits[decpt:])
		}
		return b.String()
	}
	b.WriteString(digits[:1])
	if len(digits) > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	x := decpt - 1
	b.WriteByte('e')
	if x < 0 {
		b.WriteByte('-')
		x = -x
	} else {
		b.WriteByte('+')
	}
	if x < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(x))
	return b.String()
}

func complexPart(f float64, sign bool) string {
	var s string
	switch {
	case math.IsNaN(f):
		s = "nan"
	case math.IsInf(f, 1):
		s = "inf"
	case math.IsInf(f, -1):
		s = "-inf"
	default:
		s = shortFloat(f, false)
	}
	if sign && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

func complexRepr(c complex128) string {
	re, im := real(c), imag(c)
	if re == 0 && !math.Signbit(re) {
		return complexPart(im, false) + "j"
	}
	return "(" + complexPart(re, false) + complexPart(im, true) + "j)"
}

func writeStrRepr(b *strings.Builder, s string) {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// An undecodable byte is a surrogate escape in Python.
			fmt.Fprintf(b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case isPrintable(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
}

// isPrintable follows str.isprintable: everything but separators other than
// the ASCII space, controls, format characters, surrogates, private-use and
// unassigned code points.
func isPrintable(r rune) bool {
	if r == ' ' {
		return true
	}
	return unicode.IsPrint(r)
}

func writeBytesRepr(b *strings.Builder, s string) {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	b.WriteString("b")
	b.WriteByte(quote)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
}

// String returns Python's str() of the date, time or datetime.
func (t Temporal) String() string {
	date := fmt.Sprintf("%04d-%02d-%02d", t.Year, t.Month, t.Day)
	clock := fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
	if t.Microsec != 0 {
		clock += fmt.Sprintf(".%06d", t.Microsec)
	}
	if t.HasOffset {
		off := t.OffsetMinutes
		sign := "+"
		if off < 0 {
			sign = "-"
			off = -off
		}
		clock += fmt.Sprintf("%s%02d:%02d", sign, off/60, off%60)
	}
	switch t.Kind {
	case Date:
		return date
	case Time:
		return clock
	}
	return date + " " + clock
}

func (t Temporal) repr() string {
	var args []int
	var name string
	switch t.Kind {
	case Date:
		return fmt.Sprintf("datetime.date(%d, %d, %d)", t.Year, t.Month, t.Day)
	case Time:
		name = "datetime.time"
		args = []int{t.Hour, t.Minute}
	default:
		name = "datetime.datetime"
		args = []int{t.Year, t.Month, t.Day, t.Hour, t.Minute}
	}
	if t.Second != 0 || t.Microsec != 0 {
		args = append(args, t.Second)
	}
	if t.Microsec != 0 {
		args = append(args, t.Microsec)
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = strconv.Itoa(a)
	}
	s := name + "(" + strings.Join(parts, ", ")
	if t.HasOffset {
		// Python shows the tzinfo object's address here, which no run
		// reproduces; the offset is the useful part.
		s += fmt.Sprintf(", tzinfo=<UTC%+03d:%02d>", t.OffsetMinutes/60, abs(t.OffsetMinutes%60))
	}
	return s + ")"
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
