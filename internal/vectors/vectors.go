// Package vectors loads the recorded Prefect 1.4.1 behaviour that the
// resolution code must reproduce: the local-secret cases and the backend
// value cases in testdata/vectors.
package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Expect is the recorded outcome for one requested name.
type Expect struct {
	Value   *string `json:"value"`
	Empty   bool    `json:"empty"`
	Missing bool    `json:"missing"`
	Error   string  `json:"error"`
}

// LocalCase is one recorded Prefect 1 run.
type LocalCase struct {
	ID             string
	Description    string
	Home           string
	Env            [][2]string // in the order the process saw them
	ConfigTOML     *string
	Requests       []string
	Expect         map[string]Expect
	PrefectError   string
	OrderSensitive bool
}

// BackendCase is one backend value and the text Prefect makes of it.
type BackendCase struct {
	RawJSON string `json:"raw_json"`
	Expect  string `json:"expect"`
	Empty   bool   `json:"empty"`
}

// Dir returns the testdata/vectors directory, found from the working
// directory of a test in any package of the module.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "testdata", "vectors")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// LoadLocal reads prefect1-local-public.json from dir.
func LoadLocal(dir string) ([]LocalCase, error) {
	data, err := os.ReadFile(filepath.Join(dir, "prefect1-local-public.json"))
	if err != nil {
		return nil, err
	}
	var file struct {
		Cases []json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, err
	}
	out := make([]LocalCase, 0, len(file.Cases))
	for _, raw := range file.Cases {
		var c struct {
			ID             string            `json:"id"`
			Description    string            `json:"description"`
			Home           string            `json:"home"`
			Env            json.RawMessage   `json:"env"`
			ConfigTOML     *string           `json:"config_toml"`
			Requests       []string          `json:"requests"`
			Expect         map[string]Expect `json:"expect"`
			PrefectError   *string           `json:"prefect_error"`
			OrderSensitive bool              `json:"order_sensitive"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		env, err := orderedPairs(c.Env)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", c.ID, err)
		}
		lc := LocalCase{
			ID: c.ID, Description: c.Description, Home: c.Home, Env: env,
			ConfigTOML: c.ConfigTOML, Requests: c.Requests, Expect: c.Expect,
			OrderSensitive: c.OrderSensitive,
		}
		if c.PrefectError != nil {
			lc.PrefectError = *c.PrefectError
		}
		out = append(out, lc)
	}
	return out, nil
}

// orderedPairs decodes a JSON object of strings keeping its key order,
// which encoding/json's maps would lose.
func orderedPairs(raw json.RawMessage) ([][2]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("env is not an object")
	}
	var pairs [][2]string
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		pairs = append(pairs, [2]string{kt.(string), v})
	}
	return pairs, nil
}

// LoadBackend reads backend-values.json from dir.
func LoadBackend(dir string) ([]BackendCase, error) {
	data, err := os.ReadFile(filepath.Join(dir, "backend-values.json"))
	if err != nil {
		return nil, err
	}
	var file struct {
		Cases []BackendCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, err
	}
	return file.Cases, nil
}

// ProcessEnv is the environment a case ran with: PATH first, then the
// case's own variables in order, then the config path variables.
func (c LocalCase) ProcessEnv(userConfigPath string) []string {
	env := []string{"PATH=/usr/bin:/bin"}
	for _, kv := range c.Env {
		env = append(env, kv[0]+"="+kv[1])
	}
	if c.ConfigTOML != nil {
		env = append(env, "PREFECT__USER_CONFIG_PATH="+userConfigPath)
	}
	return append(env, "PREFECT__BACKEND_CONFIG_PATH=/nonexistent/prefect1-backend.toml")
}

// MustLocal loads the local cases for a test, failing it when they cannot
// be read or there are none.
func MustLocal(tb testing.TB) []LocalCase {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Fatal(err)
	}
	cases, err := LoadLocal(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(cases) == 0 {
		tb.Fatal("no local vector cases")
	}
	return cases
}

// MustBackend loads the backend value cases for a test, failing it when
// they cannot be read or there are none.
func MustBackend(tb testing.TB) []BackendCase {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Fatal(err)
	}
	cases, err := LoadBackend(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(cases) == 0 {
		tb.Fatal("no backend vector cases")
	}
	return cases
}
