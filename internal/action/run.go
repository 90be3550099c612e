package action

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/export"
	"github.com/prefect-secrets/prefect-secrets-action/internal/netclient"
	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/cloud1"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/rest"
	"github.com/prefect-secrets/prefect-secrets-action/internal/runcmd"
	"github.com/prefect-secrets/prefect-secrets-action/internal/secretfile"
	"github.com/prefect-secrets/prefect-secrets-action/internal/servertext"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // a secret is missing, empty under fail, unreadable, or a backend failed
	ExitUsage  = 2 // the inputs are wrong
)

// World is everything a run touches outside its own memory.
type World struct {
	// Program is the name the process was started by (argv[0]); Args
	// are the arguments after it.
	Program string
	Args    []string
	Environ *osenv.Environ
	Stdout  io.Writer
	Stderr  io.Writer
	Users   prefect.UserDirectory
	// Random supplies the file-command delimiters (crypto/rand.Reader).
	Random io.Reader
	Now    func() time.Time
	// HTTPClient is the base client for backends; its transport is
	// reused, its TLS roots replaced when ca-certificate is set.
	HTTPClient  *http.Client
	SystemRoots func() (*x509.CertPool, error)
	// RetryBackoff and AttemptTimeout override the first retry wait
	// (500ms) and the time allowed for one attempt (15s); zero keeps them.
	RetryBackoff   time.Duration
	AttemptTimeout time.Duration
	// WorkDir is the working directory, where `run` and `check` look for
	// the project file from; Stdin is what a command run gets.
	WorkDir string
	Stdin   *os.File
	// Signals are the signals the process receives, for `run` to pass on
	// to its command (SIGINT, SIGTERM, SIGHUP and SIGQUIT).
	Signals <-chan os.Signal
}

// Run performs one invocation and returns the process exit code.
func Run(ctx context.Context, w World) int { return runMode(ctx, w, config.ModeAction) }

func runMode(ctx context.Context, w World, mode config.Mode) int {
	cfg, err := config.Parse(config.Sources{
		Args: w.Args, Env: w.Environ, Users: w.Users, SystemRoots: w.SystemRoots, Mode: mode, WorkDir: w.WorkDir,
	})
	if errors.Is(err, config.ErrHelp) {
		config.Usage(w.Stdout, mode)
		return ExitOK
	}
	if err != nil {
		return reportUsage(w, err)
	}
	if cfg.Mode == config.ModeRun {
		path, err := runcmd.Resolve(cfg.Command[0], w.Environ.Get("PATH"))
		if err != nil {
			newUI(false, false, w.Stdout, w.Stderr).errorf("%v; nothing was started", err)
			return ExitUsage
		}
		cfg.Command = append([]string{path}, cfg.Command[1:]...)
	}
	r := &run{cfg: cfg, w: w, start: w.Now(), redactor: &servertext.Redactor{}}
	r.ui = newUI(cfg.Runner.Active && cfg.Format == config.FormatNone, cfg.Runner.Debug, w.Stdout, w.Stderr)
	r.ui.act = cfg.Runner.Act
	code := r.execute(ctx)
	if err := r.ui.out.err; err != nil && code == ExitOK {
		fmt.Fprintf(w.Stderr, "prefect-secrets: error: cannot write the log: %v\n", err)
		return ExitFailed
	}
	return code
}

// reportUsage reports every problem with the inputs and gives ExitUsage.
// There is no configuration yet, so the runner is known from its file
// commands alone.
func reportUsage(w World, err error) int {
	runnerActive := w.Environ.Get("GITHUB_OUTPUT") != "" || w.Environ.Get("GITHUB_ENV") != ""
	u := newUI(runnerActive, false, w.Stdout, w.Stderr)
	var ue *config.UsageError
	if errors.As(err, &ue) {
		for _, p := range ue.Problems {
			u.errorf("%s", p)
		}
	} else {
		u.errorf("%v", err)
	}
	return ExitUsage
}

type run struct {
	cfg     *config.Config
	w       World
	ui      *ui
	start   time.Time
	backend Backend
	// redactor removes credentials and resolved values from whatever a
	// server says before a message quotes it.
	redactor *servertext.Redactor
	// masks are every text masked, for the output of a command run.
	masks []string
}

// cancelReason says why a run was stopped.
func cancelReason(err error) string {
	if errors.Is(err, context.Canceled) {
		return "cancelled by a signal"
	}
	return err.Error()
}

func (r *run) execute(ctx context.Context) int {
	cfg := r.cfg
	masker := export.NewMasker(func(s string) {
		r.masks = append(r.masks, s)
		r.ui.mask(s)
	})
	r.ui.flush = masker.Flush
	masker.MaskText(cfg.Backend.APIKey)
	masker.MaskText(cfg.Backend.AuthString)
	if cfg.Format != config.FormatNone && cfg.Runner.Active {
		r.ui.warnf("--format prints values to standard output, where the runner does not mask them; in a workflow, use the action itself")
	}
	r.warnDeclaredNames()

	// Local work is bounded by signals, not by the backend timeout.
	local, err := prefect.LoadLocal(ctx, prefect.LocalOptions{
		Env: r.w.Environ, Users: r.w.Users, Files: cfg.Files, Format: cfg.ValueFormat,
	})
	if err != nil {
		r.ui.errorf("stopped before anything was written: %s", cancelReason(err))
		return ExitFailed
	}
	backend, err := r.newBackend()
	if err != nil {
		r.ui.errorf("%v", err)
		return ExitFailed
	}
	r.backend = backend
	if backend != nil {
		r.ui.debugf("backend %s (%s)", backend.Kind(), cfg.Backend.Why)
	}
	backendCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	varReads := make(chan variableReads, 1)
	go func() { varReads <- fetchVariables(backendCtx, cfg, backend) }()
	secrets, err := resolve(backendCtx, cfg, local, backend, r.redactor.Add)
	reads := <-varReads
	if err == nil {
		var vars []*secret
		vars, err = resolveVariables(cfg, reads, secrets)
		secrets = append(secrets, vars...)
	}
	if err != nil {
		r.ui.errorf("%v", err)
		r.writeSummary(nil)
		return ExitFailed
	}
	planned := r.plan(secrets, masker)
	masker.Flush()
	r.logSecrets(secrets)
	failed := r.judge(secrets)
	problems := append(planned.problems, r.runnerLimits(planned.exports)...)
	for _, p := range problems {
		r.ui.errorf("%s", p)
		failed = true
	}
	if failed {
		r.writeSummary(secrets)
		return ExitFailed
	}
	// The last point at which a signal stops the run with nothing written:
	// from here on each file gets its data in one write.
	if err := ctx.Err(); err != nil {
		r.ui.errorf("stopped before anything was written: %s", cancelReason(err))
		return ExitFailed
	}
	if cfg.Mode == config.ModeRun {
		return r.runCommand(planned)
	}
	if err := r.deliver(secrets, planned); err != nil {
		r.ui.errorf("%v", err)
		r.writeSummary(secrets)
		return ExitFailed
	}
	r.writeSummary(secrets)
	return ExitOK
}

// warnDeclaredNames warns of each declared export name that programs in
// later steps read at start-up (PYTHONPATH=python-path): a wildcard never
// exports such a name, but a declared one is the user's choice.
func (r *run) warnDeclaredNames() {
	if r.cfg.CheckOnly || !r.cfg.ExportEnv {
		return
	}
	for _, d := range append(append([]config.Declaration(nil), r.cfg.Secrets...), r.cfg.Variables...) {
		if d.Wildcard || d.Profile != "" || d.Block() {
			continue
		}
		if reader := config.ReadByPrograms(d.Export); reader != "" {
			r.ui.warnf("secret %s is exported as %s, which %s reads in every later step: each of them runs with this value", export.Display(d.Declared), d.Export, reader)
		}
	}
}

// newBackend builds the backend the configuration asks for, nil for local.
func (r *run) newBackend() (Backend, error) {
	if r.cfg.Backend.Kind == config.BackendLocal {
		return nil, nil
	}
	readAs := map[string]rest.ReadAs{"auto": rest.ReadAsWritten, "2": rest.ReadAsPrefect2, "3": rest.ReadAsPrefect3}[r.cfg.PrefectVersion]
	rb, gb, err := openBackend(r.w, backendSettings{
		backend: r.cfg.Backend, rootCAs: r.cfg.RootCAs, retries: r.cfg.Retries, timeout: r.cfg.Timeout,
		format: r.cfg.ValueFormat, readAs: readAs, redactor: r.redactor,
	})
	if err != nil {
		return nil, err
	}
	if gb != nil {
		return gb, nil
	}
	return rb, nil
}

// backendSettings are what a backend client is built from.
type backendSettings struct {
	backend  config.BackendConfig
	rootCAs  *x509.CertPool
	retries  int
	timeout  time.Duration
	format   prefect.ValueFormat
	readAs   rest.ReadAs
	redactor *servertext.Redactor
}

// openBackend builds the rest or the graphql backend; exactly one of the
// two is not nil.
func openBackend(w World, s backendSettings) (*rest.Backend, *cloud1.Backend, error) {
	var base http.RoundTripper
	if w.HTTPClient != nil {
		base = w.HTTPClient.Transport
	}
	nc, err := netclient.New(netclient.Options{
		// Deadlines and Retry-After dates are wall-clock times, so the
		// network layer keeps the real clock.
		Base: base, RootCAs: s.rootCAs, Retries: s.retries,
		BackoffBase: w.RetryBackoff, AttemptTimeout: w.AttemptTimeout,
		Redactor: s.redactor,
	})
	if err != nil {
		return nil, nil, err
	}
	b := s.backend
	if b.Kind == config.BackendGraphQL {
		gb, err := cloud1.New(cloud1.Options{URL: b.URL, APIKey: b.APIKey, TenantID: b.TenantID, Format: s.format, Timeout: s.timeout, Client: nc})
		return nil, gb, err
	}
	rb, err := rest.New(rest.Options{URL: b.URL, APIKey: b.APIKey, AuthString: b.AuthString, Format: s.format, ReadAs: s.readAs, Timeout: s.timeout, Client: nc, Random: w.Random})
	return rb, nil, err
}

// MaxEnvString is Linux's bound on one environment string ("NAME=value"
// and its NUL, MAX_ARG_STRLEN): a longer variable makes every later step
// fail to start with "argument list too long".
const MaxEnvString = 128 << 10

// MaxEnvTotal bounds the variables exported together. Linux starts a
// program only when its environment and arguments fit in a quarter of the
// stack limit (ARG_MAX: 2 MiB under the usual 8 MiB), counting each
// string, its NUL and its pointer; a quarter of that is left for the
// runner's own variables, the earlier steps' and the step's command line.
const MaxEnvTotal = 3 << 19

// envCost is what one variable takes of ARG_MAX.
func envCost(name, value string) int { return len(name) + 1 + len(value) + 1 + 8 }

// runnerLimits finds exports the runner cannot carry, as problems that fail
// the step before anything is written, and warns where an act-based runner
// will change a value's bytes.
func (r *run) runnerLimits(exports []plannedExport) []string {
	cfg := r.cfg
	if !cfg.Runner.Active || cfg.CheckOnly || cfg.Format != config.FormatNone {
		return nil
	}
	var problems []string
	if cfg.ExportEnv {
		total := 0
		for _, e := range exports {
			total += envCost(e.Name, e.Value)
		}
		if total > MaxEnvTotal {
			sorted := append([]plannedExport(nil), exports...)
			sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i].Value) > len(sorted[j].Value) })
			var largest []string
			for _, e := range sorted[:min(3, len(sorted))] {
				largest = append(largest, fmt.Sprintf("%s (%d bytes)", e.Name, envCost(e.Name, e.Value)))
			}
			problems = append(problems, fmt.Sprintf("the exported variables would take %d bytes together, over the %d a later step can start with, and every later step would fail to start; the largest are %s: export fewer, or set export-env: false", total, MaxEnvTotal, strings.Join(largest, ", ")))
		}
	}
	for _, e := range exports {
		who := e.owner.label()
		if size := len(e.Name) + 1 + len(e.Value) + 1; cfg.ExportEnv && size > MaxEnvString {
			problems = append(problems, fmt.Sprintf("secret %s: the variable %s would take %d bytes, over the %d Linux allows one environment variable, and every later step would fail to start; set export-env: false to export it as an output only", who, e.Name, size, MaxEnvString))
		}
		if cfg.Runner.Act && (strings.Contains(e.Value, "\r") || strings.HasPrefix(e.Value, "\n")) {
			r.ui.warnf("secret %s: its value holds a carriage return or starts with a newline, which runners built on nektos/act (act, Gitea, Forgejo) drop: later steps will not see it byte for byte", who)
		}
	}
	return problems
}

// judge reports missing, empty and unreadable secrets and says whether the
// step fails.
func (r *run) judge(secrets []*secret) bool {
	failed := false
	for _, s := range secrets {
		name := s.label()
		switch s.status {
		case statusError:
			r.ui.errorf("secret %s cannot be read: %v", name, s.err)
			failed = true
		case statusMissing:
			switch {
			case s.optional:
				r.ui.infof("optional secret %s was not found", name)
			case r.cfg.OnMissing == config.Fail:
				r.ui.errorf("secret %s was not found in %s", name, r.sourcesText(s.name))
				failed = true
			case r.cfg.OnMissing == config.Warn:
				r.ui.warnf("secret %s was not found in %s", name, r.sourcesText(s.name))
			}
		case statusEmpty:
			switch r.cfg.OnEmpty {
			case config.Fail:
				r.ui.errorf("secret %s is empty", name)
				failed = true
			case config.Warn:
				r.ui.warnf("secret %s is empty", name)
			}
		case statusSkipped:
			kind := "secret"
			if s.variable {
				kind = "variable"
			}
			r.ui.warnf("%s %s is not exported: %s", kind, name, s.why)
		}
	}
	return failed
}

func (r *run) sourcesText(name string) string {
	if r.backend == nil {
		return "local sources (PREFECT__CONTEXT__SECRETS__* variables, local-secrets, config-file)"
	}
	if r.backend.Kind() == prefect.SourceREST && !rest.ValidName.MatchString(name) {
		return "local sources, and it cannot be a Prefect block name (those use only a-z, 0-9 and -)"
	}
	return "local sources or the " + r.backend.Kind() + " backend"
}

func (r *run) logSecrets(secrets []*secret) {
	if !r.ui.runner {
		return // the summary table says the same on a terminal
	}
	r.ui.group("Prefect secrets")
	for _, s := range secrets {
		exp := s.exportLabel()
		if exp == "" {
			exp = "-"
		}
		src := s.source
		if src == "" {
			src = "-"
		}
		age := ""
		if !s.updated.IsZero() {
			age = ", updated " + export.Age(r.w.Now(), s.updated)
		}
		r.ui.infof("%s -> %s (%s): %s%s", s.label(), export.Display(exp), src, s.status, age)
	}
	r.ui.endGroup()
	requests := 0
	if r.backend != nil {
		requests = r.backend.Requests()
	}
	r.ui.debugf("resolved %d secrets with %d backend requests in %d ms", len(secrets), requests, r.w.Now().Sub(r.start).Milliseconds())
}

// deliver writes the exports: credential files first, then file commands
// on a runner (with the env-file and the post step's state), text for
// --format, or nothing (the summary table says what was found). Either
// all of it is written or none: a failure removes the files already made.
func (r *run) deliver(secrets []*secret, p plan) error {
	cfg := r.cfg
	entries := p.entries()
	dir, paths, err := r.writeFiles(p.files)
	if err != nil {
		return err
	}
	if dir != nil {
		defer dir.Close()
	}
	undo := func() {
		if dir != nil {
			dir.Undo()
		}
	}
	entries = append(entries, paths...)
	if err := r.deliverEntries(secrets, entries, dir); err != nil {
		undo()
		return err
	}
	if dir != nil && !cfg.Runner.Active {
		r.ui.infof("credential files are in %s", dir.Exported)
	}
	return nil
}

func (r *run) deliverEntries(secrets []*secret, entries []export.Entry, dir *secretfile.Dir) error {
	cfg := r.cfg
	var envFile *secretfile.Written
	// Check-only plans no exports; it writes no env-file either.
	if cfg.EnvFile != "" && !cfg.CheckOnly {
		text, err := export.Dotenv(entries)
		if err != nil {
			return fmt.Errorf("env-file: %w", err)
		}
		root := cfg.Runner.Workspace
		if root == "" {
			root = "."
		}
		w, err := secretfile.WriteInside(root, cfg.EnvFile, []byte(text))
		if err != nil {
			return fmt.Errorf("env-file: %w", err)
		}
		envFile = &w
	}
	err := r.writeOut(secrets, entries, dir, envFile)
	if err != nil && envFile != nil {
		_ = os.Remove(envFile.Path)
	}
	return err
}

// writeFiles writes the planned credential files, one per credential and
// name, and returns the variables that name their paths.
func (r *run) writeFiles(files []plannedFile) (*secretfile.Dir, []export.Entry, error) {
	if len(files) == 0 {
		return nil, nil, nil
	}
	cfg := r.cfg
	parent, exported := cfg.FilesDir, ""
	switch {
	case cfg.Runner.Active:
		if cfg.Runner.TempDir == "" {
			return nil, nil, errors.New("credential files need RUNNER_TEMP, which the runner did not set")
		}
		parent, exported = cfg.Runner.TempDir, cfg.HostTemp
	case parent == "":
		parent = r.w.Environ.Get("TMPDIR")
		if parent == "" {
			parent = "/tmp"
		}
	}
	dir, err := secretfile.NewDir(parent, exported, r.w.Random)
	if err != nil {
		return nil, nil, err
	}
	written := map[string]string{}
	var entries []export.Entry
	for _, f := range files {
		id := fmt.Sprintf("%d-%s", f.seq, f.Name)
		path, ok := written[id]
		if !ok {
			name := fmt.Sprintf("%s-%s", strings.ToLower(f.owner.export), f.Name)
			if path, err = dir.Write(name, f.Content); err != nil {
				dir.Undo()
				return nil, nil, fmt.Errorf("%s: %w", f.owner.label(), err)
			}
			written[id] = path
		}
		entries = append(entries, export.Entry{Name: f.Var, Value: path})
	}
	return dir, entries, nil
}

// stateFiles is the GITHUB_STATE entry that hands the post step the files
// to remove.
const stateFiles = "prefect-secrets-files"

func (r *run) writeOut(secrets []*secret, entries []export.Entry, dir *secretfile.Dir, envFile *secretfile.Written) error {
	cfg := r.cfg
	switch cfg.Format {
	case config.FormatShell, config.FormatDotenv, config.FormatJSON:
		var text string
		var err error
		switch cfg.Format {
		case config.FormatShell:
			text, err = export.Shell(entries)
		case config.FormatDotenv:
			text, err = export.Dotenv(entries)
		default:
			text, err = export.JSON(entries)
		}
		if err != nil {
			return err
		}
		_, err = io.WriteString(r.w.Stdout, text)
		return err
	}
	if !cfg.Runner.Active {
		_, err := io.WriteString(r.w.Stdout, export.Table(r.report(secrets)))
		return err
	}
	var outputs, env []export.Entry
	if cfg.ExportOutputs {
		outputs = append(outputs, entries...)
	}
	if cfg.ExportEnv {
		env = entries
	}
	outputs = append(outputs, reservedOutputs(secrets)...)
	var state []export.Entry
	var written []secretfile.Written
	if dir != nil {
		written = dir.Written()
	}
	if envFile != nil {
		written = append(written, *envFile)
	}
	if len(written) > 0 {
		state = []export.Entry{{Name: stateFiles, Value: secretfile.Encode(written)}}
		if cfg.Runner.StatePath == "" {
			r.ui.warnf("GITHUB_STATE is not set, so no post step can remove the credential files")
		}
	}
	var appends []export.Append
	for _, f := range []struct {
		path    string
		entries []export.Entry
	}{{cfg.Runner.OutputPath, outputs}, {cfg.Runner.EnvPath, env}, {cfg.Runner.StatePath, state}} {
		if len(f.entries) == 0 || f.path == "" {
			continue
		}
		data, err := export.FormatEntries(r.w.Random, f.entries)
		if err != nil {
			return err
		}
		appends = append(appends, export.Append{Path: f.path, Data: data})
	}
	return export.AppendAll(appends)
}

// reservedOutputs are secrets-found, secrets-missing and secrets-empty.
func reservedOutputs(secrets []*secret) []export.Entry {
	var found, missing, empty []string
	for _, s := range secrets {
		if s.variable {
			continue // the reserved outputs speak of secrets
		}
		switch s.status {
		case statusFound:
			found = append(found, s.declared)
		case statusEmpty:
			found = append(found, s.declared)
			empty = append(empty, s.declared)
		case statusMissing:
			missing = append(missing, s.declared)
		}
	}
	return []export.Entry{
		{Name: "secrets-found", Value: strings.Join(found, ",")},
		{Name: "secrets-missing", Value: strings.Join(missing, ",")},
		{Name: "secrets-empty", Value: strings.Join(empty, ",")},
	}
}

func (r *run) report(secrets []*secret) export.Report {
	rep := export.Report{Elapsed: r.w.Now().Sub(r.start), CheckOnly: r.cfg.CheckOnly, Now: r.w.Now()}
	if r.backend != nil {
		rep.Requests = r.backend.Requests()
	}
	for _, s := range secrets {
		row := export.Row{Name: s.declared, Source: s.source, Status: s.status, Updated: s.updated}
		if s.status == statusFound || s.status == statusEmpty {
			row.Export = s.exportLabel()
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep
}

// writeSummary appends the job summary when the runner asks for one. A
// failure to write it is reported, but does not fail the step: the
// secrets are already delivered.
func (r *run) writeSummary(secrets []*secret) {
	cfg := r.cfg
	if !cfg.Summary || !cfg.Runner.Active || cfg.Runner.SummaryPath == "" || cfg.Format != config.FormatNone {
		return
	}
	md := export.Markdown(r.report(secrets))
	if err := export.AppendAll([]export.Append{{Path: cfg.Runner.SummaryPath, Data: []byte(md)}}); err != nil {
		r.ui.warnf("cannot write the job summary: %v", err)
	}
}
