// Package config turns the action's inputs into one validated, immutable
// Config: from the runner's INPUT_* variables inside GitHub Actions, from
// command-line flags outside it, with every problem reported at once. It
// also holds the declaration syntax of secrets and Variables, the export
// name rules, and the names no wildcard may export (ProgramReads).
package config
