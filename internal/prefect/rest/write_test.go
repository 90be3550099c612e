package rest

import (
	"encoding/json"
	"strings"
	"testing"
)

// The schemas' fields as Prefect 3.4.25 and 2.20.25 serve them.
const (
	secret3 = `{"properties": {"value": {"anyOf": [{"format": "password", "type": "string", "writeOnly": true}, {"title": "string", "type": "string"}, {"$ref": "#/definitions/JsonValue", "title": "JSON"}], "title": "Value"}}, "required": ["value"]}`
	secret2 = `{"properties": {"value": {"format": "password", "title": "Value", "type": "string", "writeOnly": true}}, "required": ["value"]}`
	aws     = `{"properties": {"aws_access_key_id": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null}, "aws_secret_access_key": {"anyOf": [{"format": "password", "type": "string", "writeOnly": true}, {"type": "null"}]}, "port": {"type": "integer"}, "ratio": {"type": "number"}}}`
)

func schema(t *testing.T, fields string) *blockSchema {
	t.Helper()
	s := &blockSchema{Version: "test"}
	if err := json.Unmarshal([]byte(fields), &s.Fields); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema, fields string
		create         bool
		want           string // "" for accepted
	}{
		{secret3, `{"value": "s"}`, true, ""},
		{secret3, `{"value": {"a": 1}}`, true, ""},
		{secret2, `{"value": "s"}`, true, ""},
		{secret2, `{"value": {"a": 1}}`, true, `does not allow an object for field "value"`},
		{secret2, `{}`, true, `requires field "value"`},
		{secret2, `{}`, false, ""},
		{aws, `{"aws_access_key_id": null}`, true, ""},
		{aws, `{"aws_access_key_id": 3}`, true, `does not allow an integer`},
		{aws, `{"token": "x"}`, true, `has no field "token"`},
		{aws, `{"port": 1.5}`, true, `does not allow a number for field "port"`},
		{aws, `{"ratio": 2}`, true, ""},
		{`{"properties": {}}`, `{"anything": 1}`, true, ""},
	}
	for _, tt := range tests {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tt.fields), &fields); err != nil {
			t.Fatal(err)
		}
		err := checkFields(schema(t, tt.schema), fields, tt.create)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s into %.40s: %v", tt.fields, tt.schema, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s into %.40s: %v, want %q", tt.fields, tt.schema, err, tt.want)
		}
	}
}

func TestDiffers(t *testing.T) {
	t.Parallel()
	data := json.RawMessage(`{"a": "x", "b": {"k": 1, "l": [1, 2]}}`)
	for _, tt := range []struct {
		fields string
		want   bool
	}{
		{`{"a": "x"}`, false},
		{`{"b": {"l": [1, 2], "k": 1}}`, false},
		{`{"a": "y"}`, true},
		{`{"c": null}`, true},
	} {
		var f map[string]json.RawMessage
		_ = json.Unmarshal([]byte(tt.fields), &f)
		if got := differs(data, f); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.fields, got, tt.want)
		}
	}
}
