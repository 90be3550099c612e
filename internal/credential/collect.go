package credential

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// A profile run backwards: the variables a step already has become a
// block's fields, for writing the block to Prefect. Only profiles whose
// variables map one to one onto fields can run backwards; the others
// (a database URL, a kubeconfig, Azure's several shapes) would have to
// guess, and are refused.

// field is one block field and the variables that give it, the first set
// one winning.
type field struct {
	name      string
	variables []string
	required  bool
	// keyFile marks a variable that names a JSON key file whose content
	// (an object) is the field's value.
	keyFile bool
}

// collectors are the writable profiles, by block type; "" is the
// Prefect 1 default secret of the profile, whose value is one object.
var collectors = map[string]map[string][]field{
	"aws": {
		"aws-credentials": {
			{name: "aws_access_key_id", variables: []string{"AWS_ACCESS_KEY_ID"}, required: true},
			{name: "aws_secret_access_key", variables: []string{"AWS_SECRET_ACCESS_KEY"}, required: true},
			{name: "aws_session_token", variables: []string{"AWS_SESSION_TOKEN"}},
			{name: "region_name", variables: []string{"AWS_REGION", "AWS_DEFAULT_REGION"}},
		},
		"minio-credentials": {
			{name: "minio_root_user", variables: []string{"AWS_ACCESS_KEY_ID"}, required: true},
			{name: "minio_root_password", variables: []string{"AWS_SECRET_ACCESS_KEY"}, required: true},
			{name: "region_name", variables: []string{"AWS_REGION", "AWS_DEFAULT_REGION"}},
		},
		"": {
			{name: "ACCESS_KEY", variables: []string{"AWS_ACCESS_KEY_ID"}, required: true},
			{name: "SECRET_ACCESS_KEY", variables: []string{"AWS_SECRET_ACCESS_KEY"}, required: true},
			{name: "SESSION_TOKEN", variables: []string{"AWS_SESSION_TOKEN"}},
		},
	},
	"gcp": {
		"gcp-credentials": {
			{name: "service_account_info", variables: []string{"GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", "GOOGLE_GHA_CREDS_PATH"}, required: true, keyFile: true},
			{name: "project", variables: []string{"GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT", "CLOUDSDK_PROJECT", "GCLOUD_PROJECT", "GCP_PROJECT"}},
		},
	},
	"github": {"github-credentials": {{name: "token", variables: []string{"GH_TOKEN"}, required: true}}},
	"gitlab": {"gitlab-credentials": {
		{name: "token", variables: []string{"GITLAB_TOKEN"}, required: true},
		{name: "url", variables: []string{"GITLAB_HOST"}},
	}},
	"docker": {"docker-registry-credentials": {
		{name: "username", variables: []string{"DOCKER_USERNAME"}, required: true},
		{name: "password", variables: []string{"DOCKER_PASSWORD"}, required: true},
		{name: "registry_url", variables: []string{"DOCKER_REGISTRY"}},
	}},
	"databricks": {"databricks-credentials": {
		{name: "databricks_instance", variables: []string{"DATABRICKS_HOST"}, required: true},
		{name: "token", variables: []string{"DATABRICKS_TOKEN"}},
		{name: "client_id", variables: []string{"DATABRICKS_CLIENT_ID"}},
		{name: "client_secret", variables: []string{"DATABRICKS_CLIENT_SECRET"}},
		{name: "tenant_id", variables: []string{"ARM_TENANT_ID"}},
	}},
	"slack": {
		"slack-webhook":          {{name: "url", variables: []string{"SLACK_WEBHOOK_URL"}, required: true}},
		"slack-incoming-webhook": {{name: "url", variables: []string{"SLACK_WEBHOOK_URL"}, required: true}},
		"slack-credentials":      {{name: "token", variables: []string{"SLACK_BOT_TOKEN"}, required: true}},
	},
}

// Environment is what Collect reads: the step's variables, and the files
// a key-file variable names.
type Environment struct {
	Lookup   func(name string) (string, bool)
	ReadFile func(path string) ([]byte, error)
}

// Collected is a block's fields built from variables.
type Collected struct {
	// Fields are the top-level fields to set, as JSON. A variable that is
	// not set leaves its field out, so that a write keeps the stored
	// value; one set to the empty string sends null, so that a stale
	// session token is cleared as the read side clears it.
	Fields map[string]json.RawMessage
	// Secrets are the texts to mask: every value read; Leaves are the
	// strings inside a key file.
	Secrets []string
	Leaves  []string
	// Sources are the variables read, in the profile's order.
	Sources []string
}

// MissingError names the variables a required field has none of.
type MissingError struct {
	Label, Profile string
	Variables      []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s: profile %s: none of %s is set", e.Label, e.Profile, strings.Join(e.Variables, ", "))
}

// Writable reports whether the profile can build blocks of type slug
// ("" for Prefect 1's default secret).
func Writable(profile, slug string) bool {
	_, ok := collectors[profile][slug]
	return ok
}

// WritableTypes lists the block types a profile can build.
func WritableTypes(profile string) []string {
	var out []string
	for slug := range collectors[profile] {
		if slug != "" {
			out = append(out, slug)
		}
	}
	sort.Strings(out)
	return out
}

// Collect builds the fields of a block of type slug from the profile's
// variables. label names the entry in errors.
func Collect(label, profile, slug string, env Environment) (Collected, error) {
	fields, ok := collectors[profile][slug]
	if !ok {
		what := fmt.Sprintf("blocks of type %q", slug)
		if slug == "" {
			what = "Prefect 1 secrets"
		}
		if types := WritableTypes(profile); len(types) > 0 {
			return Collected{}, &Error{Label: label, Profile: profile, Why: fmt.Sprintf("cannot write %s; it writes %s", what, strings.Join(types, ", "))}
		}
		return Collected{}, &Error{Label: label, Profile: profile, Why: "only reads: its variables do not map one to one onto a block's fields; write the block's fields as a JSON object instead"}
	}
	c := Collected{Fields: map[string]json.RawMessage{}}
	for _, f := range fields {
		var value string
		set, from := false, ""
		for _, v := range f.variables {
			if s, ok := env.Lookup(v); ok {
				value, set, from = s, true, v
				break
			}
		}
		if !set || (f.required && value == "") {
			if f.required {
				return Collected{}, &MissingError{Label: label, Profile: profile, Variables: f.variables}
			}
			continue
		}
		c.Sources = append(c.Sources, from)
		if value == "" {
			c.Fields[f.name] = json.RawMessage("null")
			continue
		}
		if f.keyFile {
			data, err := env.ReadFile(value)
			if err != nil {
				return Collected{}, &Error{Label: label, Profile: profile, Field: f.name, Why: fmt.Sprintf("cannot be read from the file %s names: %v", from, err)}
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(data, &obj) != nil {
				return Collected{}, &Error{Label: label, Profile: profile, Field: f.name, Why: fmt.Sprintf("the file %s names is not a JSON object", from)}
			}
			compact, _ := json.Marshal(obj)
			c.Fields[f.name] = compact
			c.Secrets = append(c.Secrets, string(data))
			for _, leaf := range obj {
				var s string
				if json.Unmarshal(leaf, &s) == nil && s != "" {
					c.Leaves = append(c.Leaves, s)
				}
			}
			continue
		}
		text, err := json.Marshal(value)
		if err != nil || !utf8.ValidString(value) {
			return Collected{}, &Error{Label: label, Profile: profile, Field: f.name, Why: fmt.Sprintf("from %s is not valid UTF-8 text, which Prefect stores", from)}
		}
		c.Fields[f.name] = text
		c.Secrets = append(c.Secrets, value)
	}
	return c, nil
}
