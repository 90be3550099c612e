//go:build unix

package runcmd

import (
	"bytes"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	t.Parallel()
	sh, err := Resolve("sh", os.Getenv("PATH"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		script string
		mask   bool
		code   int
		out    string
	}{
		{`echo top-secret; exit 4`, true, 4, "***\n"},
		{`echo top-secret`, false, 0, "top-secret\n"},
		{`kill -TERM $$`, true, 128 + int(syscall.SIGTERM), ""},
		// A process left behind keeps the output open; the run still ends.
		{`sleep 30 & echo left-behind`, true, 0, "left-behind\n"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code, err := Run(Options{Command: []string{sh, "-c", tt.script}, Env: []string{"PATH=" + os.Getenv("PATH")},
			Stdout: &out, Stderr: &errOut, Mask: tt.mask, Masks: []string{"top-secret"}})
		if err != nil || code != tt.code || out.String() != tt.out {
			t.Errorf("%s: exit %d, %v, output %q", tt.script, code, err, out.String())
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/plain", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/tool", []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ program, want string }{
		{"tool", dir + "/tool"},
		{dir + "/tool", dir + "/tool"},
		{"plain", "is not found in PATH"},
		{dir + "/plain", "is not executable"},
		{dir, "is a folder"},
		{"", "no command"},
	} {
		got, err := Resolve(tt.program, dir)
		if (err == nil && got != tt.want) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%q: %q, %v; want %q", tt.program, got, err, tt.want)
		}
	}
}

// TestRunMasksAcrossReads writes values at every offset around the pipe's
// read boundaries: a value that a read cuts in two is masked all the same.
func TestRunMasksAcrossReads(t *testing.T) {
	t.Parallel()
	secret := "split-across-reads-0123456789"
	var text strings.Builder
	for text.Len() < 1<<20 {
		text.WriteString(strings.Repeat("x", 4093-len(secret)%4093))
		text.WriteString(secret)
	}
	path := t.TempDir() + "/out.txt"
	if err := os.WriteFile(path, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cat, err := Resolve("cat", os.Getenv("PATH"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// A delay longer than the test: only the data decides what is held.
	code, err := Run(Options{Command: []string{cat, path}, Stdout: &out, Stderr: &out, Mask: true, Masks: []string{secret}, MaskDelay: time.Hour})
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	want := strings.ReplaceAll(text.String(), secret, "***")
	if out.String() != want {
		t.Errorf("%d bytes out, want %d; the value shows: %v", out.Len(), len(want), strings.Contains(out.String(), secret[:10]))
	}
}
