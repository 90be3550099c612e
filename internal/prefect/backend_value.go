package prefect

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// ErrMalformedValue reports a backend value that is not JSON at all, which
// points at a broken server or proxy rather than at the secret.
var ErrMalformedValue = errors.New("backend sent a value that is not JSON")

// Generation is the Prefect release line whose Secret.get a backend value
// is read with. Each wrote its Secret blocks differently, and each reads
// them back differently.
type Generation int

const (
	// Prefect1 is Prefect Cloud 1.0 (and local secrets): a string that is
	// a JSON document is decoded, and the result rendered by the rules the
	// Prefect 1.4.1 vectors record.
	Prefect1 Generation = iota
	// Prefect2 is a Secret block written by Prefect 2: Secret.get returns
	// the stored string as it is, and an empty secret is stored as null.
	Prefect2
	// Prefect3 is a Secret block written by Prefect 3: any JSON value; a
	// string that is a JSON document is decoded, as in Prefect 1; a bare
	// number prints as Python prints it (inf, nan), not as JSON writes it.
	Prefect3
)

// RenderBackendValue turns a secret value as a backend sends it (the JSON
// text of Cloud 1.0's secret_value or of a Secret block's data.value) into
// exported text, as gen's Secret.get would give it. In FormatRaw a string
// is exported as it is and anything else as the JSON text the backend
// sent, whatever the generation.
func RenderBackendValue(raw []byte, format ValueFormat, gen Generation) (text string, null bool, err error) {
	// JSON text is UTF-8 (RFC 8259), and Prefect's clients decode it as
	// such: other bytes are a broken answer, never a value.
	if !utf8.Valid(raw) {
		return "", false, fmt.Errorf("%w: it is not UTF-8", ErrMalformedValue)
	}
	v, err := pyvalue.Loads(string(raw))
	if errors.Is(err, pyvalue.ErrLoneSurrogate) {
		return "", false, fmt.Errorf("the value cannot be exported: %w", err)
	}
	if err != nil {
		return "", false, fmt.Errorf("%w: %w", ErrMalformedValue, err)
	}
	s, isStr := v.(pyvalue.Str)
	if format == FormatRaw {
		if isStr {
			return string(s), false, nil
		}
		return string(bytes.TrimSpace(raw)), false, nil
	}
	if gen == Prefect2 && isStr {
		return string(s), false, nil
	}
	v, err = secretGet(v)
	if err != nil {
		return "", false, err
	}
	if f, ok := v.(pyvalue.Float); ok && gen == Prefect3 {
		// Python's str(): the same as json.dumps but for inf and nan.
		return pyvalue.FloatRepr(float64(f)), false, nil
	}
	return pyvalue.Render(v)
}
