// Command prefect-secrets resolves Prefect secrets and exports them: as a
// GitHub Action (a Docker container action) or as a command-line tool.
package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/action"
	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

func main() {
	// Every signal that ends a job stops the work in hand; `run` also
	// passes each on to its command.
	ctx, cancel := context.WithCancel(context.Background())
	caught := make(chan os.Signal, 8)
	forward := make(chan os.Signal, 8)
	signal.Notify(caught, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		for s := range caught {
			select {
			case forward <- s:
			default:
			}
			cancel()
		}
	}()
	wd, _ := os.Getwd()
	code := action.Main(ctx, action.World{
		Program:     os.Args[0],
		Args:        os.Args[1:],
		Environ:     osenv.New(os.Environ()),
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		Stdin:       os.Stdin,
		WorkDir:     wd,
		Signals:     forward,
		Users:       &prefect.PasswdFile{Path: "/etc/passwd", UID: os.Getuid()},
		Random:      rand.Reader,
		Now:         time.Now,
		HTTPClient:  &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		SystemRoots: x509.SystemCertPool,
	})
	signal.Stop(caught)
	cancel()
	os.Exit(code)
}
