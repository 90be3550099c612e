package action

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
)

// BenchmarkWrite writes over a simulated 20ms round trip and reports the
// requests and the wall time per run:
//
//   - new: 50 Secret blocks that do not exist (target: at most 55
//     requests, under 300ms); Prefect's own client makes 4 requests per
//     Secret.save of a new block (type, schema by checksum, CSRF token,
//     POST), 200 in all, one after another;
//
//   - new-csrf: the same against a CSRF-protected server;
//
//   - unchanged: the same 50 holding their values already (target: 1
//     request);
//
//   - mixed: 10 credential blocks of 5 types and 20 Variables, half new
//     and half changed.
//
//     go test -run '^$' -bench BenchmarkWrite -benchtime 5x ./internal/action
func BenchmarkWrite(b *testing.B) {
	const rtt = 20 * time.Millisecond
	var names, env []string
	for i := 0; i < 50; i++ {
		names = append(names, fmt.Sprintf("ci-secret-%02d", i))
		env = append(env, fmt.Sprintf("CI_SECRET_%02d=value-%02d-%s", i, i, strings.Repeat("x", 24)))
	}
	secrets := strings.Join(names, "\n")
	for _, tc := range []writeCase{
		{name: "new", decl: secrets, env: env},
		{name: "new-csrf", decl: secrets, env: env, csrf: true},
		{name: "unchanged", decl: secrets, env: env, setup: func(s *prefecttest.REST) {
			for i, n := range names {
				s.AddSecret(n, fmt.Sprintf(`"value-%02d-%s"`, i, strings.Repeat("x", 24)))
			}
		}},
		mixedWrite(),
	} {
		b.Run(tc.name, func(b *testing.B) {
			var wall time.Duration
			var total int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s, err := prefecttest.NewREST(nil, "")
				if err != nil {
					b.Fatal(err)
				}
				s.CSRF = tc.csrf
				if tc.setup != nil {
					tc.setup(s)
				}
				s.SetLatency(rtt)
				dir := b.TempDir()
				e := append([]string{"HOME=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "out"),
					"INPUT_API-URL=" + s.URL(), "INPUT_SECRETS=" + tc.decl, "INPUT_VARIABLES=" + tc.vars}, tc.env...)
				w := World{Args: []string{WriteCommand}, Environ: osenv.New(e), Stdout: io.Discard, Stderr: io.Discard,
					Users: fakeUsers{}, Random: &counterReader{}, Now: time.Now}
				b.StartTimer()
				start := time.Now()
				if code := Main(context.Background(), w); code != ExitOK {
					b.Fatalf("exit %d", code)
				}
				wall += time.Since(start)
				total += s.Requests()
				s.Close()
			}
			b.ReportMetric(float64(total)/float64(b.N), "requests")
			b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "wall-ms")
		})
	}
}

// writeCase is one write a benchmark makes: the server's state, the
// entries and the step's variables.
type writeCase struct {
	name  string
	setup func(s *prefecttest.REST)
	decl  string
	vars  string
	env   []string
	csrf  bool
}

// mixedWrite is 10 credential blocks of 5 types and 20 Variables: half of
// each exist with other values, half are new.
func mixedWrite() writeCase {
	var decl, vars, env []string
	types := []struct{ slug, profile, prefix string }{
		{"aws-credentials", "aws", "AWS"}, {"github-credentials", "github", "GH"}, {"docker-registry-credentials", "docker", "DOCKER"},
		{"slack-credentials", "slack", "SLACK"}, {"gitlab-credentials", "gitlab", "GITLAB"},
	}
	// Each block reads its profile's variables; one set of variables per
	// type serves both blocks of that type.
	env = append(env, "AWS_ACCESS_KEY_ID=AKIAMIXED", "AWS_SECRET_ACCESS_KEY=mixed-aws", "GH_TOKEN=ghp_mixed", "DOCKER_USERNAME=u",
		"DOCKER_PASSWORD=mixed-docker", "DOCKER_REGISTRY=r.example", "SLACK_BOT_TOKEN=xoxb-mixed", "GITLAB_TOKEN=glpat-mixed")
	for _, t := range types {
		for _, n := range []string{"a", "b"} {
			decl = append(decl, fmt.Sprintf("%s/%s-%s@%s", t.slug, t.profile, n, t.profile))
		}
	}
	for i := 0; i < 20; i++ {
		vars = append(vars, fmt.Sprintf("V_%02d=var-%02d", i, i))
		env = append(env, fmt.Sprintf("V_%02d=new-%02d", i, i))
	}
	return writeCase{name: "mixed", decl: strings.Join(decl, "\n"), vars: strings.Join(vars, "\n"), env: env, setup: func(s *prefecttest.REST) {
		for _, t := range types {
			data, _ := json.Marshal(map[string]string{"token": "old"})
			s.AddBlock(prefecttest.Block{Slug: t.slug, Name: t.profile + "-a", Data: data})
		}
		for i := 0; i < 10; i++ {
			s.AddVariable(fmt.Sprintf("var-%02d", i), `"old"`)
		}
	}}
}
