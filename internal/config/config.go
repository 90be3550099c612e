package config

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets-action/internal/safefile"
)

// Policy says what a missing or empty secret does.
type Policy string

// The policies for on-missing and on-empty.
const (
	Fail   Policy = "fail"
	Warn   Policy = "warn"
	Ignore Policy = "ignore"
)

// Backend kinds, after `backend: auto` is decided.
const (
	BackendLocal   = "local"
	BackendGraphQL = "graphql"
	BackendREST    = "rest"
)

// DefaultGraphQLURL is Prefect Cloud 1.0's API, Prefect 1's default.
const DefaultGraphQLURL = "https://api.prefect.io"

// BackendConfig says which backend answers for secrets local sources lack.
type BackendConfig struct {
	Kind       string // BackendLocal, BackendGraphQL or BackendREST
	URL        string
	APIKey     string
	AuthString string
	TenantID   string
	// Why explains how `backend: auto` chose, for the log.
	Why string
}

// Runner is what the GitHub Actions runner provides, when there is one.
type Runner struct {
	// Active is true when GITHUB_OUTPUT or GITHUB_ENV is set: values go to
	// the file commands and the log speaks workflow commands.
	Active      bool
	OutputPath  string
	EnvPath     string
	SummaryPath string
	// StatePath is GITHUB_STATE, which carries the files to remove to the
	// post step.
	StatePath string
	// TempDir is RUNNER_TEMP as this process sees it (/github/runner_temp
	// inside a container action); Workspace is GITHUB_WORKSPACE.
	TempDir   string
	Workspace string
	Debug     bool
	// Act is true under runners built on nektos/act (act, Gitea,
	// Forgejo), which set ACT=true and change some values' bytes.
	Act bool
}

// Format is the --format of the command-line tool.
type Format string

// The --format choices; FormatNone prints the summary table.
const (
	FormatNone   Format = ""
	FormatDotenv Format = "dotenv"
	FormatJSON   Format = "json"
	FormatShell  Format = "shell"
)

// Config is the validated configuration of one run. Nothing changes it
// after Parse.
type Config struct {
	Secrets []Declaration
	// Variables are the Prefect Variables declared.
	Variables []Declaration
	// EnvFile, when set, is a dotenv file to write every exported
	// variable to, relative to the workspace.
	EnvFile string
	// KeepFiles keeps credential files after the job's post step.
	KeepFiles bool
	// FilesDir is where credential files go outside a runner (--files-dir);
	// "" means a new private temporary folder.
	FilesDir string
	// HostTemp is the runner's temporary folder as later steps see it
	// (from runner-paths, which the runner does not rewrite); "" when
	// this process sees the same paths as they do.
	HostTemp    string
	Backend     BackendConfig
	Files       []*prefect.ConfigTOML
	ValueFormat prefect.ValueFormat
	// PrefectVersion is "auto", "2" or "3": how Secret blocks are read.
	PrefectVersion string
	ExportEnv      bool
	ExportOutputs  bool
	ParseJSON      bool
	CheckOnly      bool
	Summary        bool
	OnMissing      Policy
	OnEmpty        Policy
	MaskMinLength  int
	Timeout        time.Duration
	Retries        int
	// RootCAs are the system roots plus ca-certificate; nil means the
	// system roots alone.
	RootCAs *x509.CertPool
	Format  Format
	Runner  Runner
	// Mode is how the binary runs; for run, Command is what it starts and
	// Mask says whether the command's output is masked.
	Mode    Mode
	Command []string
	Mask    bool
	// ProjectFile is the project file read ("" for none), and Profile
	// the Prefect profile whose settings were used (nil for none).
	ProjectFile string
	Profile     *Profile
}

// Sources are where Parse reads from.
type Sources struct {
	// Args are the command-line arguments without the program name.
	Args []string
	Env  *osenv.Environ
	// Users answers ~user in paths.
	Users prefect.UserDirectory
	// SystemRoots returns the system certificate pool.
	SystemRoots func() (*x509.CertPool, error)
	// Mode is the action, run or check; WorkDir, for run and check, is
	// where the project file is looked for from.
	Mode    Mode
	WorkDir string
}

// ErrHelp is returned when the command line asks for help.
var ErrHelp = errors.New("help requested")

// UsageError lists every problem with the inputs.
type UsageError struct {
	Problems []string
}

func (e *UsageError) Error() string { return strings.Join(e.Problems, "; ") }

// inputValue is a flag.Value that remembers whether it was set.
type inputValue struct {
	set     bool
	value   string
	boolean bool
}

func (v *inputValue) String() string     { return v.value }
func (v *inputValue) Set(s string) error { v.value, v.set = s, true; return nil }
func (v *inputValue) IsBoolFlag() bool   { return v.boolean }

// value2 reads a boolean flag given without a value (--no-mask) or with
// one (--no-mask=true).
func (v *inputValue) value2() bool {
	b, ok := ParseBoolean(v.value)
	return v.set && (ok && b || v.value == "")
}

// Usage writes the command-line help of a mode.
func Usage(w io.Writer, mode Mode) {
	switch mode {
	case ModeRun:
		fmt.Fprintln(w, "Usage: prefect-secrets run [flags] -- COMMAND [ARGS...]")
		fmt.Fprintln(w, "")
		fmt.Fprintln(w, "Resolves the secrets and starts COMMAND (never through a shell) with them")
		fmt.Fprintln(w, "in its environment and its output masked. Flags come from the command line,")
		fmt.Fprintln(w, "INPUT_<NAME>, then "+ProjectFileName+" (found upward, or --config); credentials")
		fmt.Fprintln(w, "from the environment, then the active Prefect profile. With masking on, the")
		fmt.Fprintln(w, "command's output goes through pipes, not the terminal.")
		fmt.Fprintln(w, "")
		fmt.Fprintln(w, "  --config PATH\n      The project file to read instead of the nearest "+ProjectFileName+".")
		fmt.Fprintln(w, "  --no-mask\n      Pass the command's output through untouched (said on stderr).")
	case ModeCheck:
		fmt.Fprintln(w, "Usage: prefect-secrets check [flags]")
		fmt.Fprintln(w, "")
		fmt.Fprintln(w, "Checks that every declared secret exists, exporting nothing. Flags come as")
		fmt.Fprintln(w, "for run, with "+ProjectFileName+" and the active Prefect profile.")
		fmt.Fprintln(w, "")
		fmt.Fprintln(w, "  --config PATH\n      The project file to read instead of the nearest "+ProjectFileName+".")
	default:
		fmt.Fprintln(w, "Usage: prefect-secrets --secrets NAMES [flags]")
		fmt.Fprintln(w, "       prefect-secrets run [flags] -- COMMAND    (secrets for one command)")
		fmt.Fprintln(w, "       prefect-secrets check [flags]             (check that they exist)")
		fmt.Fprintln(w, "       prefect-secrets write --secrets ENTRIES   (write values to Prefect)")
		fmt.Fprintln(w, "")
		fmt.Fprintln(w, "Resolves Prefect secrets the way Prefect does and exports them. Inside")
		fmt.Fprintln(w, "GitHub Actions it masks and exports them; elsewhere it prints a summary,")
		fmt.Fprintln(w, "or the values with --format. Every flag can also be set as INPUT_<NAME>.")
	}
	fmt.Fprintln(w, "")
	printFlags(w, Inputs)
	if mode == ModeAction {
		fmt.Fprintln(w, "  --format dotenv|json|shell\n      Print the values instead of the summary (never inside a runner's log).")
	}
}

// printFlags lists inputs as flags with their defaults, leaving out the
// ones only a runner fills in.
func printFlags(w io.Writer, inputs []Input) {
	for _, in := range inputs {
		if in.fromRunner {
			continue
		}
		def := ""
		if in.Default != "" {
			def = " (default " + in.Default + ")"
		}
		fmt.Fprintf(w, "  --%s%s\n      %s\n", in.Name, def, in.Description)
	}
}

// Parse reads and validates every input. It returns ErrHelp for --help and
// a *UsageError listing all problems for bad input.
func Parse(src Sources) (*Config, error) {
	format := &inputValue{}
	filesDir := &inputValue{}
	extra := map[string]*inputValue{"format": format, "files-dir": filesDir}
	var get func(string) string
	var command []string
	var project string
	var profile *Profile
	noMask := &inputValue{boolean: true}
	if src.Mode == ModeAction {
		var err error
		if get, err = readInputs(src, Inputs, extra); err != nil {
			return nil, err
		}
	} else {
		extra["config"] = &inputValue{}
		if src.Mode == ModeRun {
			extra["no-mask"] = noMask
		}
		var err error
		get, command, err = readInputsWith(src, Inputs, extra, func(flag func(string) (string, bool)) (map[string]string, error) {
			project, _ = flag("config")
			if project == "" {
				project = FindProject(src.WorkDir)
			}
			var values map[string]string
			var problems []string
			if project != "" {
				values, problems = LoadProject(project)
			}
			p, err := LoadProfile(src.Env, src.Users)
			if err != nil {
				problems = append(problems, err.Error())
			}
			if len(problems) > 0 {
				return nil, &UsageError{Problems: problems}
			}
			profile = p
			return values, nil
		})
		if err != nil {
			return nil, err
		}
		src.Env = withProfile(src.Env, profile)
		if src.Mode == ModeCheck && len(command) > 0 {
			return nil, &UsageError{Problems: []string{fmt.Sprintf("command line: unexpected argument %q; check runs no command", command[0])}}
		}
	}

	p := &parser{get: get, src: src}
	c := &Config{}
	switch get("value-format") {
	case "prefect":
		c.ValueFormat = prefect.FormatPrefect
	case "raw":
		c.ValueFormat = prefect.FormatRaw
	default:
		p.problem("value-format", "%q is not one of prefect, raw", get("value-format"))
	}
	switch v := get("prefect-version"); v {
	case "auto", "2", "3":
		c.PrefectVersion = v
	default:
		p.problem("prefect-version", "%q is not one of auto, 2, 3", v)
	}
	c.Mode, c.ProjectFile, c.Profile = src.Mode, project, profile
	if src.Mode == ModeRun {
		c.Command, c.Mask = command, !noMask.value2()
		if len(command) == 0 {
			p.problem("command", "no command to run: give it after --, as in prefect-secrets run -- make deploy")
		}
		if get("env-file") != "" {
			p.problem("env-file", "run writes nothing to disk; the command gets the values in its environment")
		}
		if format.set {
			p.problem("format", "run passes the values to the command; --format is for printing them")
		}
	}
	c.ExportEnv = p.boolean("export-env")
	c.ExportOutputs = p.boolean("export-outputs")
	c.ParseJSON = p.boolean("parse-json")
	c.CheckOnly = p.boolean("check-only") || src.Mode == ModeCheck
	if c.CheckOnly && src.Mode == ModeRun {
		p.problem("check-only", "run starts a command with the secrets; to check them only, use prefect-secrets check")
	}
	c.Summary = p.boolean("summary")
	c.OnMissing = p.policy("on-missing")
	c.OnEmpty = p.policy("on-empty")
	c.MaskMinLength = p.integer("mask-min-length", 0, 1<<20)
	c.Retries = p.integer("retries", 0, 20)
	c.Timeout = p.duration("timeout")
	c.RootCAs = p.certificates()
	c.Backend = p.backend()
	p.declarations(c)
	if c.PrefectVersion != "auto" && c.Backend.Kind != BackendREST && c.Backend.Kind != "" {
		p.problem("prefect-version", "applies to the rest backend only")
	}
	c.Files = p.configFiles()
	c.EnvFile = get("env-file")
	if f := c.EnvFile; f != "" && (filepath.IsAbs(f) || slices.Contains(strings.Split(filepath.ToSlash(f), "/"), "..")) {
		p.problem("env-file", "%q must be a path inside the workspace, relative to it, without ..", f)
	}
	c.KeepFiles = p.boolean("keep-files")
	c.FilesDir = strings.TrimSpace(filesDir.value)
	c.HostTemp = p.runnerPaths()
	c.Runner = readRunner(src.Env)
	if src.Mode == ModeRun {
		// The command gets the values; no file command is written, even
		// when run is a step of a workflow.
		c.Runner = Runner{}
	}
	p.checkFileCommands(c.Runner, true)
	switch f := Format(format.value); f {
	case FormatNone, FormatDotenv, FormatJSON, FormatShell:
		c.Format = f
		if format.set && f == FormatNone {
			p.problem("format", "empty; use dotenv, json or shell")
		}
	default:
		p.problem("format", "%q is not one of dotenv, json, shell", format.value)
	}
	if c.Runner.Active && c.Format == FormatNone {
		if c.Runner.OutputPath == "" {
			p.problem("GITHUB_OUTPUT", "not set, but the step outputs need it")
		}
		if c.ExportEnv && !c.CheckOnly && c.Runner.EnvPath == "" {
			p.problem("export-env", "GITHUB_ENV is not set; set export-env to false to export outputs only")
		}
	}
	if len(p.problems) > 0 {
		return nil, &UsageError{Problems: p.problems}
	}
	return c, nil
}

// readInputs parses the command line against inputs (and extra flags
// that are not inputs) and returns the lookup of every input: the flag,
// else INPUT_<NAME>, else the input's default outside a runner's
// expressions.
func readInputs(src Sources, inputs []Input, extra map[string]*inputValue) (func(string) string, error) {
	get, args, err := readInputsWith(src, inputs, extra, nil)
	if err == nil && len(args) > 0 {
		return nil, &UsageError{Problems: []string{fmt.Sprintf("command line: unexpected argument %q; declare secrets with --secrets", args[0])}}
	}
	return get, err
}

// readInputsWith is readInputs with the arguments after the flags given
// back (a command to run), and project, when set, giving the values a
// project file holds: after flags and INPUT_ variables, before defaults.
// project is called once the flags are parsed, with the lookup of flags.
func readInputsWith(src Sources, inputs []Input, extra map[string]*inputValue, project func(flag func(string) (string, bool)) (map[string]string, error)) (func(string) string, []string, error) {
	fset := flag.NewFlagSet("prefect-secrets", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	values := map[string]*inputValue{}
	for _, in := range inputs {
		v := &inputValue{boolean: in.boolean}
		values[in.Name] = v
		fset.Var(v, in.Name, in.Description)
	}
	for name, v := range extra {
		fset.Var(v, name, name)
	}
	if err := fset.Parse(joinBooleanValues(src.Args, inputs)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, ErrHelp
		}
		return nil, nil, &UsageError{Problems: []string{"command line: " + err.Error()}}
	}
	var fromProject map[string]string
	if project != nil {
		var err error
		fromProject, err = project(func(name string) (string, bool) {
			if v := extra[name]; v != nil && v.set {
				return v.value, true
			}
			return "", false
		})
		if err != nil {
			return nil, nil, err
		}
	}
	action := githubactions.New(githubactions.WithGetenv(src.Env.Get), githubactions.WithWriter(io.Discard))
	return func(name string) string {
		if v := values[name]; v != nil && v.set {
			return strings.TrimSpace(v.value)
		}
		if s := action.GetInput(name); s != "" {
			return s
		}
		if s, ok := fromProject[name]; ok {
			return s
		}
		for _, in := range inputs {
			if in.Name == name && !in.fromRunner {
				return in.Default
			}
		}
		return ""
	}, fset.Args(), nil
}

// jobContainerWork is where a job container sees the runner's work folder,
// which holds the temporary folder (runner `_work/_temp`, `/__w/_temp` in
// the job container).
const jobContainerWork = "/__w"

// runnerPaths reads runner-paths: the runner's temporary folder as the
// runner's expressions give it (runner.temp, a host path even in a job
// container) and the job container's id. It returns the folder as later
// steps see it: the host path, or the job container's view of it.
func (p *parser) runnerPaths() string {
	text := p.get("runner-paths")
	if text == "" {
		return ""
	}
	var paths struct {
		Temp         *string `json:"temp"`
		JobContainer *string `json:"job-container"`
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&paths); err != nil || dec.More() {
		p.problem("runner-paths", "not the JSON the runner fills in; leave it unset")
		return ""
	}
	if paths.Temp == nil || *paths.Temp == "" {
		return ""
	}
	temp := *paths.Temp
	if !strings.HasPrefix(temp, "/") || slices.Contains(strings.Split(temp, "/"), "..") {
		p.problem("runner-paths", "the temporary folder %q is not an absolute path", temp)
		return ""
	}
	if paths.JobContainer != nil && *paths.JobContainer != "" {
		// The job container mounts the work folder, the temporary
		// folder's parent, at /__w.
		return path.Join(jobContainerWork, path.Base(temp))
	}
	return path.Clean(temp)
}

// joinBooleanValues lets a boolean flag take its value as the next
// argument, as people type it (--check-only true): the flag package would
// read "true" as a stray argument. Only the words boolean inputs accept
// are joined, so --check-only followed by anything else is unchanged.
func joinBooleanValues(args []string, inputs []Input) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && !strings.Contains(name, "=") && isBooleanInput(inputs, name) && i+1 < len(args) && isBooleanWord(args[i+1]) {
			out = append(out, a+"="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

func isBooleanInput(inputs []Input, name string) bool {
	for _, in := range inputs {
		if in.Name == name {
			return in.boolean
		}
	}
	return false
}

func isBooleanWord(s string) bool {
	_, ok := ParseBoolean(s)
	return ok
}

// declarations parses `secrets` and `variables` once the backend is known:
// a slug/name entry is a block only for the rest backend; elsewhere the
// slash is part of a secret name.
func (p *parser) declarations(c *Config) {
	secrets, problems := parseEntries(p.get("secrets"))
	for _, pr := range problems {
		p.problem("secrets", "%s", pr)
	}
	for i, d := range secrets {
		if c.Backend.Kind != BackendREST {
			secrets[i] = d.asSecretName()
		} else if d.Slug == SecretSlug {
			secrets[i].Slug = ""
		}
	}
	vars, problems := parseVariables(p.get("variables"))
	for _, pr := range problems {
		p.problem("variables", "%s", pr)
	}
	if len(vars) > 0 && c.Backend.Kind != BackendREST {
		p.problem("variables", "Prefect Variables need the rest backend (Prefect 2/3)")
	}
	if len(secrets) == 0 && len(vars) == 0 && len(p.problems) == 0 {
		p.problem("secrets", "no secrets or variables are declared")
	}
	// Two entries that export one name clash only when something is
	// exported: check-only exports nothing, and checking that both
	// aws-credentials/prod and aws-credentials/staging exist is its job.
	if !c.CheckOnly {
		for _, pr := range checkClaims(append(append([]Declaration(nil), secrets...), vars...)) {
			p.problem("secrets", "%s", pr)
		}
	}
	c.Secrets, c.Variables = secrets, vars
}

type parser struct {
	get      func(string) string
	src      Sources
	problems []string
}

func (p *parser) problem(input, format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf("input %q: ", input)+fmt.Sprintf(format, args...))
}

// ParseBoolean accepts the YAML 1.2 core booleans, as the GitHub toolkit
// does; ok is false for anything else.
func ParseBoolean(s string) (value, ok bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

func (p *parser) boolean(name string) bool {
	s := p.get(name)
	v, ok := ParseBoolean(s)
	if !ok {
		p.problem(name, "%q is not true or false", s)
	}
	return v
}

func (p *parser) policy(name string) Policy {
	switch s := Policy(p.get(name)); s {
	case Fail, Warn, Ignore:
		return s
	default:
		p.problem(name, "%q is not one of fail, warn, ignore", string(s))
		return Fail
	}
}

func (p *parser) integer(name string, lo, hi int) int {
	s := p.get(name)
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		p.problem(name, "%q is not a whole number from %d to %d", s, lo, hi)
		return lo
	}
	return n
}

func (p *parser) certificates() *x509.CertPool {
	s := p.get("ca-certificate")
	if s == "" {
		return nil
	}
	pem := []byte(s)
	if !strings.HasPrefix(s, "-----BEGIN") {
		data, err := safefile.Read(s, MaxFileBytes)
		if err != nil {
			p.problem("ca-certificate", "neither PEM text nor a readable file: %s", safefile.Describe(err))
			return nil
		}
		pem = data
	}
	var pool *x509.CertPool
	if p.src.SystemRoots != nil {
		if sys, err := p.src.SystemRoots(); err == nil && sys != nil {
			pool = sys.Clone()
		}
	}
	if pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		p.problem("ca-certificate", "contains no PEM certificate")
		return nil
	}
	return pool
}

// backend decides the backend (SPEC §4) and its settings.
func (p *parser) backend() BackendConfig {
	env := p.src.Env
	choice := p.get("backend")
	apiURL := p.get("api-url")
	b := BackendConfig{}
	switch choice {
	case "local":
		b.Kind, b.Why = BackendLocal, "backend: local"
	case "graphql", "rest":
		b.Kind, b.Why = choice, "backend: "+choice
	case "auto":
		switch {
		case apiURL != "":
			b.Kind, b.Why = BackendGraphQL, "api-url has no /api path segment"
			if hasAPISegment(apiURL) {
				b.Kind, b.Why = BackendREST, "api-url has an /api path segment"
			}
		case env.Get("PREFECT_API_URL") != "":
			b.Kind, b.Why = BackendREST, "PREFECT_API_URL is set"
		case strings.EqualFold(env.Get("PREFECT__CLOUD__USE_LOCAL_SECRETS"), "false") &&
			(env.Get("PREFECT__BACKEND") == "" || env.Get("PREFECT__BACKEND") == "cloud"):
			b.Kind, b.Why = BackendGraphQL, "PREFECT__CLOUD__USE_LOCAL_SECRETS is false"
		default:
			b.Kind, b.Why = BackendLocal, "no backend is configured"
		}
	default:
		p.problem("backend", "%q is not one of auto, local, graphql, rest", choice)
		return b
	}
	switch b.Kind {
	case BackendREST:
		b.URL = firstSet(apiURL, env.Get("PREFECT_API_URL"))
		b.APIKey = firstSet(p.get("api-key"), env.Get("PREFECT_API_KEY"))
		b.AuthString = firstSet(p.get("auth-string"), env.Get("PREFECT_API_AUTH_STRING"))
		if b.URL == "" {
			p.problem("api-url", "the rest backend needs an API URL (or PREFECT_API_URL)")
		}
		if t := p.get("tenant-id"); t != "" {
			p.problem("tenant-id", "applies to the graphql backend only")
		}
	case BackendGraphQL:
		b.URL = firstSet(apiURL, env.Get("PREFECT__CLOUD__API"), DefaultGraphQLURL)
		b.APIKey = firstSet(p.get("api-key"), env.Get("PREFECT__CLOUD__API_KEY"))
		b.TenantID = firstSet(p.get("tenant-id"), env.Get("PREFECT__CLOUD__TENANT_ID"))
		if p.get("auth-string") != "" {
			p.problem("auth-string", "applies to the rest backend only")
		}
	case BackendLocal:
		if apiURL != "" {
			p.problem("api-url", "set, but backend is local")
		}
		return b
	}
	if b.URL != "" {
		u, err := url.Parse(b.URL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			p.problem("api-url", "not an http or https URL")
		case u.User != nil:
			p.problem("api-url", "must not hold credentials; use api-key or auth-string")
		case u.RawQuery != "" || u.Fragment != "":
			p.problem("api-url", "must not have a query or fragment")
		}
	}
	return b
}

// hasAPISegment reports whether a URL's path has an "api" segment, which
// Prefect 2/3 URLs have and Prefect Cloud 1.0's does not.
func hasAPISegment(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "api" {
			return true
		}
	}
	return false
}

func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// configFiles loads the Prefect configuration documents, in the order they
// apply: user config, backend config, `local-secrets`.
func (p *parser) configFiles() []*prefect.ConfigTOML {
	env := p.src.Env
	var files []*prefect.ConfigTOML
	if path := p.get("config-file"); path != "" {
		files = append(files, p.loadFile("config-file", prefect.ExpandPath(env, p.src.Users, path), true))
	} else if path, ok := env.Lookup("PREFECT__USER_CONFIG_PATH"); ok {
		files = append(files, p.loadFile("config-file", prefect.ExpandPath(env, p.src.Users, path), false))
	} else {
		files = append(files, p.loadFile("config-file", prefect.ExpandPath(env, p.src.Users, "~/.prefect/config.toml"), false))
	}
	backendPath := "~/.prefect/backend.toml"
	if path, ok := env.Lookup("PREFECT__BACKEND_CONFIG_PATH"); ok {
		backendPath = path
	}
	files = append(files, p.loadFile("PREFECT__BACKEND_CONFIG_PATH", prefect.ExpandPath(env, p.src.Users, backendPath), false))
	if text := p.get("local-secrets"); text != "" {
		doc, err := prefect.ParseTOML([]byte(text))
		if err != nil {
			p.problem("local-secrets", "%v", err)
		}
		files = append(files, doc)
	}
	return files
}

// MaxFileBytes bounds a configuration or certificate file. Prefect
// configuration files are a few kilobytes.
const MaxFileBytes = 16 << 20

// loadFile reads and parses a configuration file. A file that is only a
// fallback is skipped when it is not a regular file, as Prefect's
// os.path.isfile check skips it.
func (p *parser) loadFile(input, path string, required bool) *prefect.ConfigTOML {
	data, err := safefile.Read(path, MaxFileBytes)
	if err != nil {
		if !required && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, safefile.ErrNotRegular)) {
			return nil
		}
		p.problem(input, "cannot read %q: %s", path, safefile.Describe(err))
		return nil
	}
	doc, err := prefect.ParseTOML(data)
	if err != nil {
		p.problem(input, "%q: %v", path, err)
		return nil
	}
	return doc
}
