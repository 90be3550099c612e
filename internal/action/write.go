package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/config"
	"github.com/prefect-secrets/prefect-secrets-action/internal/export"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets-action/internal/safefile"
	"github.com/prefect-secrets/prefect-secrets-action/internal/servertext"
	"github.com/prefect-secrets/prefect-secrets-action/internal/writeback"
)

// MinLeafMask is the shortest string inside a JSON value that a write
// masks on its own, as mask-min-length's default does for reads; whole
// values are masked whatever their length.
const MinLeafMask = 4

// WriteCommand is the subcommand (and the write action's argument) that
// writes to Prefect instead of reading from it.
const WriteCommand = "write"

// Write performs one write-back: values from the environment into Prefect.
// Exit codes are Run's: 2 for bad inputs, 1 when anything failed (with
// nothing written when the failure came before the first write).
func Write(ctx context.Context, w World) int {
	cfg, err := config.ParseWrite(config.Sources{Args: w.Args, Env: w.Environ, Users: w.Users, SystemRoots: w.SystemRoots})
	if errors.Is(err, config.ErrHelp) {
		config.WriteUsage(w.Stdout)
		return ExitOK
	}
	if err != nil {
		return reportUsage(w, err)
	}
	wr := &writer{cfg: cfg, w: w, start: w.Now(), redactor: &servertext.Redactor{}}
	wr.ui = newUI(cfg.Runner.Active, cfg.Runner.Debug, w.Stdout, w.Stderr)
	code := wr.execute(ctx)
	if err := wr.ui.out.err; err != nil && code == ExitOK {
		fmt.Fprintf(w.Stderr, "prefect-secrets: error: cannot write the log: %v\n", err)
		return ExitFailed
	}
	return code
}

type writer struct {
	cfg      *config.WriteConfig
	w        World
	ui       *ui
	start    time.Time
	redactor *servertext.Redactor
	requests func() int
}

func (wr *writer) execute(ctx context.Context) int {
	cfg := wr.cfg
	masker := export.NewMasker(wr.ui.mask)
	wr.ui.flush = masker.Flush
	masker.MaskText(cfg.Backend.APIKey)
	masker.MaskText(cfg.Backend.AuthString)
	entries, problems := writeback.Build(cfg, writeback.Environment{
		Lookup: wr.w.Environ.Lookup,
		ReadFile: func(path string) ([]byte, error) {
			data, err := safefile.Read(path, config.MaxFileBytes)
			if err != nil {
				return nil, errors.New(safefile.Describe(err))
			}
			return data, nil
		},
	})
	// Every value is masked, and the server's texts cleaned of it, before
	// a line is printed.
	for _, e := range entries {
		for _, s := range e.Secrets {
			masker.MaskText(s)
			wr.redactor.Add(s)
		}
		for _, s := range e.Leaves {
			if len(s) >= MinLeafMask {
				masker.MaskText(s)
				wr.redactor.Add(s)
			}
		}
	}
	masker.Flush()
	if len(problems) > 0 {
		for _, p := range problems {
			wr.ui.errorf("%s", p)
		}
		wr.ui.errorf("nothing was written: %s cannot be written as declared", plural(len(problems), "entry", "entries"))
		return ExitFailed
	}
	rb, gb, err := openBackend(wr.w, backendSettings{
		backend: cfg.Backend, rootCAs: cfg.RootCAs, retries: cfg.Retries, timeout: cfg.Timeout, redactor: wr.redactor,
	})
	if err != nil {
		wr.ui.errorf("%v", err)
		return ExitFailed
	}
	var store writeback.Store = rb
	wr.requests = func() int { return rb.Requests() }
	if gb != nil {
		store, wr.requests = gb, gb.Requests
	}
	wr.ui.debugf("writing %d entries to the %s backend (%s)", len(entries), cfg.Backend.Kind, cfg.Backend.Why)
	backendCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	results, err := writeback.Apply(backendCtx, store, entries, writeback.Options{OnExists: cfg.OnExists, DryRun: cfg.DryRun})
	if err != nil {
		var pe *writeback.PlanError
		if errors.As(err, &pe) {
			for _, p := range pe.Problems {
				wr.ui.errorf("%s", p)
			}
			wr.ui.errorf("nothing was written")
		} else {
			wr.ui.errorf("%s", cancelReason(err))
		}
		failed := make([]writeback.Result, len(entries))
		for i, e := range entries {
			failed[i] = writeback.Result{Entry: e, Err: err}
		}
		wr.finish(failed)
		return ExitFailed
	}
	return wr.finish(results)
}

// finish logs each result, sets the outputs and the summary, and gives
// the exit code.
func (wr *writer) finish(results []writeback.Result) int {
	cfg := wr.cfg
	lists := map[string][]string{}
	rep := export.WriteReport{DryRun: cfg.DryRun, Elapsed: wr.w.Now().Sub(wr.start)}
	if wr.requests != nil {
		rep.Requests = wr.requests()
	}
	failed := false
	for _, r := range results {
		word := resultWord(r, cfg.DryRun)
		output := outputOf[r.Action]
		why := ""
		switch {
		case r.Err != nil:
			failed = true
			output = "failed"
			if !errors.Is(r.Err, writeback.ErrNothingWritten) {
				wr.ui.errorf("%s (%s): %s", export.Display(r.Declared), r.Target, cancelReason(r.Err))
			}
		case r.Skip != "" && r.Warn:
			wr.ui.warnf("%s (%s) is not written: %s", export.Display(r.Declared), r.Target, r.Skip)
		case r.Skip != "":
			why = " (" + r.Skip + ")"
			if !wr.ui.runner {
				wr.ui.infof("%s (%s) is not written: %s", export.Display(r.Declared), r.Target, r.Skip)
			}
		}
		lists[output] = append(lists[output], r.Declared)
		rep.Rows = append(rep.Rows, export.WriteRow{Name: r.Declared, Target: r.Target, Sources: strings.Join(r.Sources, ","), Result: word})
		if wr.ui.runner {
			wr.ui.infof("%s -> %s: %s%s", export.Display(r.Declared), r.Target, word, why)
		}
	}
	wr.ui.debugf("%d backend requests in %d ms", rep.Requests, rep.Elapsed.Milliseconds())
	if !cfg.Runner.Active {
		if _, err := io.WriteString(wr.w.Stdout, export.WriteTable(rep)); err != nil {
			return ExitFailed
		}
	}
	if cfg.Runner.Active && cfg.Runner.OutputPath != "" {
		var outs []export.Entry
		for _, o := range config.WriteOutputs {
			outs = append(outs, export.Entry{Name: o.Name, Value: strings.Join(lists[o.Name], ",")})
		}
		data, err := export.FormatEntries(wr.w.Random, outs)
		if err == nil {
			err = export.AppendAll([]export.Append{{Path: cfg.Runner.OutputPath, Data: data}})
		}
		if err != nil {
			wr.ui.errorf("cannot write the outputs: %v", err)
			failed = true
		}
	}
	if cfg.Summary && cfg.Runner.Active && cfg.Runner.SummaryPath != "" {
		if err := export.AppendAll([]export.Append{{Path: cfg.Runner.SummaryPath, Data: []byte(export.WriteMarkdown(rep))}}); err != nil {
			wr.ui.warnf("cannot write the job summary: %v", err)
		}
	}
	if failed {
		return ExitFailed
	}
	return ExitOK
}

// outputOf is the output that lists an entry after each action.
var outputOf = map[prefect.Action]string{
	prefect.ActionCreate: "created", prefect.ActionUpdate: "updated",
	prefect.ActionUnchanged: "unchanged", prefect.ActionSkip: "skipped",
}

// resultWord says what happened to an entry, or would in a dry run.
func resultWord(r writeback.Result, dryRun bool) string {
	if r.Err != nil {
		return "failed"
	}
	word := outputOf[r.Action]
	if dryRun && (r.Action == prefect.ActionCreate || r.Action == prefect.ActionUpdate) {
		return "would be " + word
	}
	return word
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
