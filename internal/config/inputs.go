package config

// Input describes one input of the action, which is also a command-line
// flag of the same name. action.yml must declare exactly these.
type Input struct {
	Name        string
	Default     string
	Description string
	boolean     bool
	// fromRunner marks an input whose default is an expression only the
	// runner evaluates: outside a runner it has no default.
	fromRunner bool
}

// Inputs are the action's inputs, in the order action.yml lists them.
var Inputs = []Input{
	{Name: "secrets", Description: "Secrets and blocks to resolve: names separated by newlines or commas. ALIAS=NAME exports under another name, slug/name reads a Prefect block (aws-credentials/prod), NAME@PROFILE exports through a profile (aws, gcp, file, ...), a trailing ? makes an entry optional, a trailing * matches every name with that prefix, and a name with spaces or commas is written as a JSON string. # starts a comment."},
	{Name: "variables", Description: "Prefect 2/3 Variables to export, in the same syntax as secrets (ALIAS=NAME, ?, *). They are not masked: Prefect documents Variables as not secret."},
	{Name: "backend", Default: "auto", Description: "Where secrets missing locally come from: auto, local, graphql (Prefect Cloud 1.0) or rest (Prefect 2/3 Secret blocks)."},
	{Name: "api-url", Description: "Backend endpoint. Falls back to PREFECT_API_URL (rest) or PREFECT__CLOUD__API (graphql)."},
	{Name: "api-key", Description: "API key, sent as a Bearer token. Falls back to PREFECT_API_KEY (rest) or PREFECT__CLOUD__API_KEY (graphql)."},
	{Name: "auth-string", Description: "rest only: user:password for a self-hosted Prefect 3 server with basic auth. Falls back to PREFECT_API_AUTH_STRING."},
	{Name: "tenant-id", Description: "graphql only: tenant to read secrets from. Falls back to PREFECT__CLOUD__TENANT_ID."},
	{Name: "local-secrets", Description: "TOML text with a [context.secrets] table, in the format of Prefect's config.toml."},
	{Name: "config-file", Description: "Path of a Prefect user config TOML. Falls back to PREFECT__USER_CONFIG_PATH, then ~/.prefect/config.toml if it exists."},
	{Name: "prefect-version", Default: "auto", Description: "rest only: read Secret blocks as the Prefect version that wrote them (auto, from each block's schema), or as Prefect 2 or 3 whatever wrote them."},
	{Name: "value-format", Default: "prefect", Description: "prefect: values typed and rendered exactly as Prefect resolves them; raw: the stored text, untouched."},
	{Name: "export-env", Default: "true", Description: "Write environment variables for later steps.", boolean: true},
	{Name: "export-outputs", Default: "true", Description: "Write step outputs.", boolean: true},
	{Name: "parse-json", Default: "false", Description: "Export a secret whose value is a JSON object as one variable per leaf (NAME_KEY, NAME_KEY_SUB).", boolean: true},
	{Name: "on-missing", Default: "fail", Description: "fail, warn or ignore, for a required secret that no source has."},
	{Name: "on-empty", Default: "warn", Description: "fail, warn or ignore, for a secret that resolves to the empty string."},
	{Name: "check-only", Default: "false", Description: "Only check that every secret exists; export nothing but the secrets-found, secrets-missing and secrets-empty outputs.", boolean: true},
	{Name: "mask-min-length", Default: "4", Description: "JSON leaves shorter than this are not masked separately; whole values and their lines always are."},
	{Name: "timeout", Default: "60s", Description: "Deadline for all backend work together, as a Go duration."},
	{Name: "retries", Default: "3", Description: "Retries of one backend request after a transient failure."},
	{Name: "ca-certificate", Description: "PEM certificate(s), or the path of a PEM file, trusted in addition to the system roots."},
	{Name: "env-file", Description: "Also write every exported variable to this dotenv file, relative to the workspace (mode 0600, created new). Empty writes none."},
	{Name: "keep-files", Default: "false", Description: "Keep the credential files after the job's post step, which otherwise removes them.", boolean: true},
	{Name: "summary", Default: "true", Description: "Write a job summary table of names, sources and statuses (never values).", boolean: true},
	{Name: "runner-paths", Default: `{"temp":${{ toJSON(runner.temp) }},"job-container":${{ toJSON(job.container.id) }}}`, Description: "Filled in by the runner; leave it unset. The runner's temporary folder as later steps see it, and the job container if there is one: a Docker action sees that folder at another path, and later steps need the paths of the credential files.", fromRunner: true},
}

// Outputs are the outputs the action always writes, besides one per
// exported secret.
var Outputs = []struct{ Name, Description string }{
	{"secrets-found", "Comma-separated names of the secrets found, as declared (the matched names for a wildcard)."},
	{"secrets-missing", "Comma-separated names of the secrets no source has."},
	{"secrets-empty", "Comma-separated names of the secrets that resolved to the empty string."},
}
