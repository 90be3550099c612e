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
}

// Report is what a run tells about itself.
type Report struct {
	Rows      []Row
	Requests  int
	Elapsed   time.Duration
	CheckOnly bool
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
	b.WriteString("| Secret | Export name | Source | Status |\n")
	b.WriteString("| --- | --- | --- | --- |\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(row.Name), cell(row.Export), cell(row.Source), row.Status)
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
	fmt.Fprintln(w, "SECRET\tEXPORT\tSOURCE\tSTATUS")
	for _, row := range r.Rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", Display(row.Name), dash(row.Export), dash(row.Source), row.Status)
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
