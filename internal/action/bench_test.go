package action

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
)

// BenchmarkRunLocal resolves and exports N local secrets in process.
func BenchmarkRunLocal(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			env := []string{"HOME=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_ENV=" + filepath.Join(dir, "env")}
			names := make([]string, n)
			for i := range names {
				names[i] = fmt.Sprintf("SECRET_%04d", i)
				env = append(env, fmt.Sprintf("PREFECT__CONTEXT__SECRETS__%s=value-%d", names[i], i))
			}
			env = append(env, "INPUT_SECRETS="+strings.Join(names, "\n"))
			w := World{
				Environ: osenv.New(env), Stdout: io.Discard, Stderr: io.Discard,
				Users: fakeUsers{}, ReadFile: os.ReadFile, Random: &counterReader{}, Now: time.Now,
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if code := Run(context.Background(), w); code != ExitOK {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
