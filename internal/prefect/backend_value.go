package prefect

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// ErrMalformedValue reports a backend value that is not JSON at all, which
// points at a broken server or proxy rather than at the secret.
var ErrMalformedValue = errors.New("backend sent a value that is not JSON")

// RenderBackendValue turns a secret value as a backend sends it (the JSON
// text of Cloud 1.0's secret_value or of a Secret block's data.value) into
// exported text. In FormatPrefect it follows Secret.get: a string that is
// itself a JSON document is decoded once more, then rendered like a local
// value. In FormatRaw a string is exported as it is and anything else as
// the JSON text the backend sent.
func RenderBackendValue(raw []byte, format ValueFormat) (text string, null bool, err error) {
	v, err := pyvalue.Loads(string(raw))
	if err != nil {
		return "", false, fmt.Errorf("%w: %w", ErrMalformedValue, err)
	}
	if format == FormatRaw {
		if s, ok := v.(pyvalue.Str); ok {
			return string(s), false, nil
		}
		return string(bytes.TrimSpace(raw)), false, nil
	}
	v, err = secretGet(v)
	if err != nil {
		return "", false, err
	}
	return pyvalue.Render(v)
}
