package config

import (
	"crypto/x509"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/credential"
	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/safefile"
)

// WriteInputs are the inputs of the write action and of `prefect-secrets
// write`, in the order write/action.yml lists them.
var WriteInputs = []Input{
	{Name: "secrets", Description: "Secrets and blocks to write, in the syntax of the read action, read the other way: DB=db-password writes the variable DB into the Secret block db-password, a bare db-password takes DB_PASSWORD, slug/name@PROFILE builds a block from the profile's variables (aws-credentials/prod@aws), NAME@file writes the content of the file the variable names, and a trailing ? skips an entry whose variable is unset."},
	{Name: "variables", Description: "Prefect 2/3 Variables to write, in the same syntax (ALIAS=NAME, ?). Their tags are kept."},
	{Name: "backend", Default: "auto", Description: "Where to write: auto, graphql (Prefect Cloud 1.0) or rest (Prefect 2/3). The local sources cannot be written to."},
	{Name: "api-url", Description: "Backend endpoint. Falls back to PREFECT_API_URL (rest) or PREFECT__CLOUD__API (graphql)."},
	{Name: "api-key", Description: "API key, sent as a Bearer token. Falls back to PREFECT_API_KEY (rest) or PREFECT__CLOUD__API_KEY (graphql)."},
	{Name: "auth-string", Description: "rest only: user:password for a self-hosted Prefect 3 server with basic auth. Falls back to PREFECT_API_AUTH_STRING."},
	{Name: "tenant-id", Description: "graphql only: tenant to write secrets to. Falls back to PREFECT__CLOUD__TENANT_ID."},
	{Name: "value-format", Default: "string", Description: "string: each value is written as text; json: each value is parsed as JSON and written as that value (Secret blocks on Prefect 3, Variables, Prefect 1 secrets)."},
	{Name: "on-exists", Default: "update", Description: "update, skip or fail, for an entry that exists with another value. One that holds the value already is left alone."},
	{Name: "on-missing", Default: "fail", Description: "fail, warn or ignore, for an entry whose variable (or file) is unset or empty; warn and ignore skip the entry."},
	{Name: "dry-run", Default: "false", Description: "Read what exists and report what would be created, updated or left alone, writing nothing.", boolean: true},
	{Name: "timeout", Default: "60s", Description: "Deadline for all backend work together, as a Go duration."},
	{Name: "retries", Default: "3", Description: "Retries of one backend request after a transient failure."},
	{Name: "ca-certificate", Description: "PEM certificate(s), or the path of a PEM file, trusted in addition to the system roots."},
	{Name: "summary", Default: "true", Description: "Write a job summary table of names and what was done (never values).", boolean: true},
}

// WriteOutputs are the outputs of the write action.
var WriteOutputs = []struct{ Name, Description string }{
	{"created", "Comma-separated names of the entries created."},
	{"updated", "Comma-separated names of the entries updated."},
	{"unchanged", "Comma-separated names of the entries that already held their values."},
	{"skipped", "Comma-separated names of the entries not written: their variable was unset, or they exist and on-exists is skip."},
	{"failed", "Comma-separated names of the entries whose write failed."},
}

// ExistsPolicy says what a write does to an entry that exists with another
// value.
type ExistsPolicy string

// The on-exists choices.
const (
	Update ExistsPolicy = "update"
	Skip   ExistsPolicy = "skip"
	// FailExisting refuses to write anything when an entry exists.
	FailExisting ExistsPolicy = "fail"
)

// WriteFormat says how a variable's text becomes the value written.
type WriteFormat string

// The value-format choices of a write.
const (
	WriteString WriteFormat = "string"
	WriteJSON   WriteFormat = "json"
)

// WriteConfig is the validated configuration of one write.
type WriteConfig struct {
	Secrets   []Declaration
	Variables []Declaration
	Backend   BackendConfig
	Format    WriteFormat
	OnExists  ExistsPolicy
	OnMissing Policy
	DryRun    bool
	Summary   bool
	Timeout   time.Duration
	Retries   int
	RootCAs   *x509.CertPool
	Runner    Runner
}

// validVariableName is a Prefect Variable name a server accepts (255 at
// most; the empty name it accepts cannot be read back by name).
var validVariableName = regexp.MustCompile(`^[a-z0-9_-]{1,255}$`)

// WriteUsage writes the help of `prefect-secrets write`.
func WriteUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: prefect-secrets write --secrets ENTRIES [flags]")
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "Writes values from this process's environment (and files) into Prefect:")
	fmt.Fprintln(w, "Secret blocks, other blocks through a profile, Variables, or Prefect 1")
	fmt.Fprintln(w, "secrets. Every entry is read first; only what differs is written.")
	fmt.Fprintln(w, "")
	printFlags(w, WriteInputs)
}

// ParseWrite reads and validates the inputs of a write. It returns ErrHelp
// for --help and a *UsageError listing every problem.
func ParseWrite(src Sources) (*WriteConfig, error) {
	get, err := readInputs(src, WriteInputs, nil)
	if err != nil {
		return nil, err
	}
	p := &parser{get: get, src: src}
	c := &WriteConfig{}
	switch f := WriteFormat(get("value-format")); f {
	case WriteString, WriteJSON:
		c.Format = f
	default:
		p.problem("value-format", "%q is not one of string, json", string(f))
	}
	switch e := ExistsPolicy(get("on-exists")); e {
	case Update, Skip, FailExisting:
		c.OnExists = e
	default:
		p.problem("on-exists", "%q is not one of update, skip, fail", string(e))
	}
	c.OnMissing = p.policy("on-missing")
	c.DryRun = p.boolean("dry-run")
	c.Summary = p.boolean("summary")
	c.Retries = p.integer("retries", 0, 20)
	c.Timeout = p.duration("timeout")
	c.RootCAs = p.certificates()
	c.Backend = p.backend()
	if c.Backend.Kind == BackendLocal {
		p.problem("backend", "the local sources (PREFECT__CONTEXT__SECRETS__*, config.toml) cannot be written to; set api-url, PREFECT_API_URL, or backend: rest or graphql")
	}
	p.writeDeclarations(c)
	c.Runner = readRunner(p.src.Env)
	p.checkFileCommands(c.Runner, false)
	if len(p.problems) > 0 {
		return nil, &UsageError{Problems: p.problems}
	}
	return c, nil
}

func (p *parser) duration(name string) time.Duration {
	s := p.get(name)
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		p.problem(name, "%q is not a duration such as 60s or 2m", s)
	case d <= 0:
		p.problem(name, "%q is not a positive duration", s)
	}
	return d
}

// readRunner reads the runner's file-command paths and flags.
func readRunner(env *osenv.Environ) Runner {
	r := Runner{
		OutputPath:  env.Get("GITHUB_OUTPUT"),
		EnvPath:     env.Get("GITHUB_ENV"),
		SummaryPath: env.Get("GITHUB_STEP_SUMMARY"),
		StatePath:   env.Get("GITHUB_STATE"),
		TempDir:     env.Get("RUNNER_TEMP"),
		Workspace:   env.Get("GITHUB_WORKSPACE"),
		Debug:       env.Get("RUNNER_DEBUG") == "1",
		Act:         env.Get("ACT") == "true",
	}
	r.Active = r.OutputPath != "" || r.EnvPath != ""
	return r
}

// checkFileCommands refuses file-command paths that cannot be written:
// the outputs and the summary, and GITHUB_ENV when it is written to.
func (p *parser) checkFileCommands(r Runner, env bool) {
	files := []struct{ name, path string }{{"GITHUB_OUTPUT", r.OutputPath}, {"GITHUB_STEP_SUMMARY", r.SummaryPath}}
	if env {
		files = append(files, struct{ name, path string }{"GITHUB_ENV", r.EnvPath})
	}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if err := safefile.Check(f.path); err != nil {
			p.problem(f.name, "%q cannot be written to: %s", f.path, safefile.Describe(err))
		}
	}
}

// writeDeclarations parses the entries of a write and refuses what cannot
// be written: wildcards, names Prefect refuses, two entries for one
// target, and profiles that only read.
func (p *parser) writeDeclarations(c *WriteConfig) {
	secrets, problems := parseEntries(p.get("secrets"))
	for _, pr := range problems {
		p.problem("secrets", "%s", pr)
	}
	targets := map[string]string{}
	claim := func(input, key string, d Declaration) {
		if prev, dup := targets[key]; dup {
			p.problem(input, "entries %s and %s both write %q", prev, d.Declared, key)
			return
		}
		targets[key] = d.Declared
	}
	for i, d := range secrets {
		if c.Backend.Kind != BackendREST {
			d = d.asSecretName()
		} else if d.Slug == SecretSlug {
			d.Slug = ""
		}
		secrets[i] = d
		switch {
		case d.Wildcard:
			p.problem("secrets", "entry %q: a wildcard cannot be written; name each entry", d.Declared)
			continue
		case c.Backend.Kind == BackendREST && !blockSlug.MatchString(d.Name):
			p.problem("secrets", "entry %q: a Prefect block name holds only a-z, 0-9 and -", d.Declared)
			continue
		case c.Backend.Kind == BackendGraphQL && d.Name == "":
			p.problem("secrets", "entry %q: no secret name", d.Declared)
			continue
		}
		profile := d.Profile
		if profile == "" && d.Block() && !d.Aliased {
			profile, _ = credential.ForType(d.Slug)
		}
		if profile != "" && profile != credential.FileProfile {
			slug := d.Slug
			if c.Backend.Kind == BackendGraphQL {
				slug = ""
			}
			if !credential.Writable(profile, slug) {
				if _, err := credential.Collect(d.Declared, profile, slug, credential.Environment{}); err != nil {
					p.problem("secrets", "entry %q: %v", d.Declared, err)
				}
				continue
			}
		}
		if d.Block() && profile == "" && d.Profile == "" && !d.Aliased {
			p.problem("secrets", "entry %q: blocks of type %q have no profile; write ALIAS=%s with ALIAS holding the block's fields as a JSON object", d.Declared, d.Slug, d.Declared)
			continue
		}
		key := d.Name
		if d.Block() {
			key = d.Slug + "/" + d.Name
		}
		claim("secrets", "block "+key, d)
	}
	vars, problems := parseVariables(p.get("variables"))
	for _, pr := range problems {
		p.problem("variables", "%s", pr)
	}
	if len(vars) > 0 && c.Backend.Kind != BackendREST && c.Backend.Kind != BackendLocal {
		p.problem("variables", "Prefect Variables need the rest backend (Prefect 2/3)")
	}
	for _, d := range vars {
		switch {
		case d.Wildcard:
			p.problem("variables", "entry %q: a wildcard cannot be written; name each entry", d.Declared)
		case !validVariableName.MatchString(d.Name):
			p.problem("variables", "entry %q: a Prefect Variable name is 1 to 255 of a-z, 0-9, _ and -", d.Declared)
		default:
			claim("variables", "variable "+d.Name, d)
		}
	}
	if len(secrets) == 0 && len(vars) == 0 && len(p.problems) == 0 {
		p.problem("secrets", "no secrets or variables are declared")
	}
	c.Secrets, c.Variables = secrets, vars
}
