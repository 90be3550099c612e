package action

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
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
				Users: fakeUsers{}, Random: &counterReader{}, Now: time.Now,
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

// BenchmarkBackends resolves N secrets from each fake with a simulated
// 20ms round trip and reports the requests made, the wall time per run and
// the budget it must stay within: one round trip plus 25ms over
// requests × 20ms.
//
//	go test -run '^$' -bench BenchmarkBackends -benchtime 3x ./internal/action
func BenchmarkBackends(b *testing.B) {
	const rtt = 20 * time.Millisecond
	for _, kind := range []string{"graphql", "rest"} {
		for _, n := range []int{1, 10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/secrets=%d", kind, n), func(b *testing.B) {
				stored := map[string]string{}
				names := make([]string, n)
				for i := range names {
					names[i] = fmt.Sprintf("secret-%04d", i)
					stored[names[i]] = fmt.Sprintf(`"value-%04d"`, i)
				}
				var url string
				var requests func() int
				var setLatency func(time.Duration)
				switch kind {
				case "graphql":
					g := prefecttest.NewGraphQL(stored)
					defer g.Close()
					url, requests, setLatency = g.URL, g.Requests, g.SetLatency
				default:
					s, err := prefecttest.NewREST(stored, "")
					if err != nil {
						b.Fatal(err)
					}
					defer s.Close()
					url, requests, setLatency = s.URL(), s.Requests, s.SetLatency
				}
				setLatency(rtt)
				dir := b.TempDir()
				env := []string{
					"HOME=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_ENV=" + filepath.Join(dir, "env"),
					"INPUT_BACKEND=" + kind, "INPUT_API-URL=" + url, "INPUT_SECRETS=" + strings.Join(names, ","),
				}
				w := World{
					Environ: osenv.New(env), Stdout: io.Discard, Stderr: io.Discard,
					Users: fakeUsers{}, Random: &counterReader{}, Now: time.Now,
				}
				perRun := measureRuns(b, w, requests)
				b.ReportMetric(perRun*float64(rtt.Milliseconds())+float64(rtt.Milliseconds())+25, "budget-ms")
			})
		}
	}
}

// BenchmarkMixedReads resolves what a typical deploy job declares (50
// secrets, 10 credential blocks of 5 types, 20 Variables) over a simulated
// 20ms round trip: the requests per run and the wall time.
//
//	go test -run '^$' -bench BenchmarkMixedReads -benchtime 10x ./internal/action
func BenchmarkMixedReads(b *testing.B) {
	s, decl, vars := mixedServer(b)
	s.SetLatency(20 * time.Millisecond)
	dir := b.TempDir()
	env := []string{
		"HOME=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_ENV=" + filepath.Join(dir, "env"),
		"INPUT_BACKEND=rest", "INPUT_API-URL=" + s.URL(), "INPUT_API-KEY=" + testKey, "INPUT_SECRETS=" + decl, "INPUT_VARIABLES=" + vars,
	}
	w := World{Environ: osenv.New(env), Stdout: io.Discard, Stderr: io.Discard, Users: fakeUsers{}, Random: &counterReader{}, Now: time.Now}
	measureRuns(b, w, s.Requests)
}

// measureRuns runs the action b.N times and reports the requests and the
// wall time per run; it returns the requests per run.
func measureRuns(b *testing.B, w World, requests func() int) float64 {
	b.Helper()
	var wall time.Duration
	before := requests()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if code := Run(context.Background(), w); code != ExitOK {
			b.Fatalf("exit %d", code)
		}
		wall += time.Since(start)
	}
	perRun := float64(requests()-before) / float64(b.N)
	b.ReportMetric(perRun, "requests")
	b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "wall-ms")
	return perRun
}
