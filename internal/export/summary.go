package export

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one secret in a summary. It never holds a value.
type Row struct {
	Name   string // secret name
	Export string // export name, "" when nothing is exported
	Source string // env, toml, graphql or rest; "" when not found
	Status string // found, missing, empty, skipped or error
	// Updated is when the backend document last changed; zero when not
	// known (local sources, Prefect Cloud 1.0).
	Updated time.Time
}

// Report is what a run tells about itself.
type Report struct {
	Rows      []Row
	Requests  int
	Elapsed   time.Duration
	CheckOnly bool
	// Now is the time ages are counted to.
	Now time.Time
}

// Age says how long ago t was, in the largest whole unit: "3 days ago".
func Age(now, t time.Time) string {
	d := now.Sub(t)
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, name)
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	}
	return unit(int64(d/(24*time.Hour)), "day")
}

// ages reports whether any row knows when it was updated.
func (r Report) ages() bool {
	for _, row := range r.Rows {
		if !row.Updated.IsZero() {
			return true
		}
	}
	return false
}

func (r Report) age(row Row) string {
	if row.Updated.IsZero() {
		return "-"
	}
	return Age(r.Now, row.Updated)
}

func (r Report) counts() string {
	n := map[string]int{}
	for _, row := range r.Rows {
		n[row.Status]++
	}
	parts := []string{
		fmt.Sprintf("%d found", n["found"]),
		fmt.Sprintf("%d missing", n["missing"]),
		fmt.Sprintf("%d empty", n["empty"]),
	}
	if n["skipped"] > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", n["skipped"]))
	}
	if n["error"] > 0 {
		parts = append(parts, fmt.Sprintf("%d unreadable", n["error"]))
	}
	return strings.Join(parts, ", ")
}

func (r Report) footer() string {
	mode := ""
	if r.CheckOnly {
		mode = " (check only: nothing exported)"
	}
	return fmt.Sprintf("%s%s; %d backend requests in %d ms", r.counts(), mode, r.Requests, r.Elapsed.Milliseconds())
}

// Markdown renders the job summary.
func Markdown(r Report) string {
	var b strings.Builder
	b.WriteString("### Prefect secrets\n\n")
	if r.ages() {
		b.WriteString("| Secret | Export name | Source | Status | Updated |\n")
		b.WriteString("| --- | --- | --- | --- | --- |\n")
	} else {
		b.WriteString("| Secret | Export name | Source | Status |\n")
		b.WriteString("| --- | --- | --- | --- |\n")
	}
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |", cell(row.Name), cell(row.Export), cell(row.Source), row.Status)
		if r.ages() {
			fmt.Fprintf(&b, " %s |", r.age(row))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(r.footer())
	b.WriteString("\n")
	return b.String()
}

// cell puts a name in a code span, so Markdown never interprets it; the
// pipe, which ends a table cell even inside a code span, is escaped.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	d := strings.ReplaceAll(Display(s), "|", `\|`)
	longest, run := 0, 0
	for _, c := range d {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if strings.HasPrefix(d, "`") || strings.HasSuffix(d, "`") {
		pad = " "
	}
	return fence + pad + d + pad + fence
}

// Table renders the summary as plain text for a terminal.
func Table(r Report) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	ages := r.ages()
	header := "SECRET\tEXPORT\tSOURCE\tSTATUS"
	if ages {
		header += "\tUPDATED"
	}
	fmt.Fprintln(w, header)
	for _, row := range r.Rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s", Display(row.Name), dash(row.Export), dash(row.Source), row.Status)
		if ages {
			fmt.Fprintf(w, "\t%s", r.age(row))
		}
		fmt.Fprintln(w)
	}
	_ = w.Flush()
	b.WriteString(r.footer())
	b.WriteString("\n")
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return Display(s)
}

// WriteRow is one entry of a write's report.
type WriteRow struct {
	Name string // as declared
	// Target is what is written ("Secret block db-password"), printed as
	// it is: it is made of validated or quoted names only.
	Target  string
	Sources string // the variables read, comma-separated; variable names only
	Result  string // created, updated, unchanged, skipped, failed; "would …" in a dry run
}

// WriteReport is the report of one write.
type WriteReport struct {
	Rows     []WriteRow
	DryRun   bool
	Requests int
	Elapsed  time.Duration
}

func (r WriteReport) footer() string {
	mode := ""
	if r.DryRun {
		mode = " (dry run: nothing written)"
	}
	return fmt.Sprintf("%d entries%s; %d backend requests in %d ms", len(r.Rows), mode, r.Requests, r.Elapsed.Milliseconds())
}

// WriteMarkdown renders a write's job summary.
func WriteMarkdown(r WriteReport) string {
	var b strings.Builder
	b.WriteString("### Prefect write-back\n\n| Entry | Target | From | Result |\n| --- | --- | --- | --- |\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(row.Name), row.Target, plainOr(row.Sources), row.Result)
	}
	b.WriteString("\n" + r.footer() + "\n")
	return b.String()
}

// WriteTable renders a write's report for a terminal.
func WriteTable(r WriteReport) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ENTRY\tTARGET\tFROM\tRESULT")
	for _, row := range r.Rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", Display(row.Name), row.Target, plainOr(row.Sources), row.Result)
	}
	_ = w.Flush()
	b.WriteString(r.footer() + "\n")
	return b.String()
}

// plainOr prints text made of variable names as it is, "-" when empty.
func plainOr(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
