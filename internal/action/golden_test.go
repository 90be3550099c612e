package action

import (
	"flag"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect/prefecttest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden runs whole scenarios and compares everything the runner or a
// terminal would see with testdata/golden. Run with -update to accept
// intended changes.
func TestGolden(t *testing.T) {
	t.Parallel()
	pem := "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END KEY-----\n"
	secrets := []string{
		"HOME=/github/home",
		"PREFECT__CONTEXT__SECRETS__DB_PASSWORD=p@ss:w0rd",
		`PREFECT__CONTEXT__SECRETS__SERVICE={"user": "svc", "token": "tok-123456", "port": 8443}`,
		"PREFECT__CONTEXT__SECRETS__PEM=" + pem,
		"PREFECT__CONTEXT__SECRETS__BLANK=",
		"PREFECT__CONTEXT__SECRETS__RETRIES='3'",
		"PREFECT__CONTEXT__SECRETS__URL=https://${context.secrets.HOST}/api",
		"PREFECT__CONTEXT__SECRETS__HOST=db.internal",
	}
	decl := "DB_PASSWORD\nSERVICE\nPEM_KEY=PEM\nBLANK\nRETRIES, URL\nOPTIONAL?"
	tests := []struct {
		name string
		inv  invocation
	}{
		{"runner", invocation{env: append(secrets, "INPUT_SECRETS="+decl, "RUNNER_DEBUG=1"), runner: true}},
		{"runner-parse-json", invocation{env: append(secrets, "INPUT_SECRETS=SERVICE", "INPUT_PARSE-JSON=true"), runner: true}},
		{"runner-missing", invocation{env: append(secrets, "INPUT_SECRETS=DB_PASSWORD, NOWHERE", "INPUT_ON-EMPTY=fail"), runner: true}},
		{"runner-check-only", invocation{env: append(secrets, "INPUT_SECRETS="+decl, "INPUT_CHECK-ONLY=true"), runner: true}},
		{"cli-table", invocation{env: secrets, args: []string{"--secrets", decl}}},
		{"cli-shell", invocation{env: secrets, args: []string{"--secrets", "DB_PASSWORD,PEM_KEY=PEM,RETRIES", "--format", "shell"}}},
		{"cli-dotenv", invocation{env: secrets, args: []string{"--secrets", "DB_PASSWORD,PEM_KEY=PEM,SERVICE", "--format", "dotenv"}}},
		{"cli-json", invocation{env: secrets, args: []string{"--secrets", "DB_PASSWORD,PEM_KEY=PEM,SERVICE", "--format=json"}}},
	}
	// Write-back, against a server holding one of the three values and an
	// older value of another.
	server, err := prefecttest.NewREST(map[string]string{"same-token": `"unchanged-value"`, "db-password": `"old-value"`}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	server.AddVariable("region", `"eu-west-1"`, "kept-tag")
	writeEnv := []string{"HOME=/github/home", "PREFECT_API_URL=" + server.URL(), "DB=n3w-db-value", "SAME_TOKEN=unchanged-value", "NEW_KEY=fresh-key-value",
		"REGION=us-east-2", "AWS_ACCESS_KEY_ID=AKIAGOLDEN", "AWS_SECRET_ACCESS_KEY=golden-aws-secret"}
	writeDecl := "DB=db-password\nsame-token\nnew-key\nMISSING=not-set?\naws-credentials/ci@aws"
	tests = append(tests, []struct {
		name string
		inv  invocation
	}{
		{"write-dry-run", invocation{env: writeEnv, args: []string{"write", "--secrets", writeDecl, "--variables", "region", "--dry-run"}}},
		{"write-runner", invocation{env: append(writeEnv, "INPUT_SECRETS="+writeDecl, "INPUT_VARIABLES=region"), args: []string{"write"}, runner: true}},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.HasPrefix(tt.name, "write") {
				t.Parallel() // the write cases run in order on one server
			}
			r := runAction(t, tt.inv)
			var b strings.Builder
			section := func(title, body string) {
				if body == "" {
					return
				}
				b.WriteString("==== " + title + "\n" + body)
				if !strings.HasSuffix(body, "\n") {
					b.WriteString("\n")
				}
			}
			b.WriteString("==== exit\n" + string(rune('0'+r.code)) + "\n")
			section("stdout", r.stdout)
			section("stderr", strings.ReplaceAll(r.stderr, r.dir, "$DIR"))
			section("GITHUB_OUTPUT", r.outputsRaw)
			section("GITHUB_ENV", r.envRaw)
			section("GITHUB_STEP_SUMMARY", r.summary)
			compareGolden(t, tt.name, b.String())
			if strings.HasPrefix(tt.name, "write") {
				checkNoLeak(t, r, []string{"DB", "SAME_TOKEN", "NEW_KEY", "AWS_SECRET_ACCESS_KEY"}, "n3w-db-value", "fresh-key-value", "golden-aws-secret")
			}
			if strings.HasPrefix(tt.name, "runner") {
				checkNoLeak(t, r, []string{"DB_PASSWORD", "SERVICE", "PEM", "PEM_KEY", "URL", "HOST", "RETRIES"},
					"p@ss:w0rd", pem, "tok-123456", "https://db.internal/api")
			}
		})
	}
}
