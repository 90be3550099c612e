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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := action.Main(ctx, action.World{
		Program:     os.Args[0],
		Args:        os.Args[1:],
		Environ:     osenv.New(os.Environ()),
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		Users:       &prefect.PasswdFile{Path: "/etc/passwd", UID: os.Getuid()},
		Random:      rand.Reader,
		Now:         time.Now,
		HTTPClient:  &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		SystemRoots: x509.SystemCertPool,
	})
	stop()
	os.Exit(code)
}
