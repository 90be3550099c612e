package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestDockerlessMirrorsTheAction keeps the composite's inputs those of
// action.yml, each passed on to the binary.
func TestDockerlessMirrorsTheAction(t *testing.T) {
	t.Parallel()
	type action struct {
		Inputs map[string]map[string]any `yaml:"inputs"`
		Runs   struct {
			Steps []struct {
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	var main, dockerless action
	if err := yaml.Unmarshal(readRepo(t, "action.yml"), &main); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(readRepo(t, "dockerless/action.yml"), &dockerless); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(main.Inputs, dockerless.Inputs) {
		t.Errorf("the inputs differ")
	}
	env := dockerless.Runs.Steps[len(dockerless.Runs.Steps)-1].Env
	for name := range main.Inputs {
		if got := env["INPUT_"+strings.ToUpper(name)]; got != "${{ inputs."+name+" }}" {
			t.Errorf("input %s is passed as %q", name, got)
		}
	}
}

// archiveWith is a release archive holding a stand-in binary that leaves
// a mark when it runs.
func archiveWith(t *testing.T, mark string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	script := "#!/bin/sh\ntouch " + mark + "\n"
	if err := tw.WriteHeader(&tar.Header{Name: "prefect-secrets", Mode: 0o755, Size: int64(len(script))}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(script))
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestInstallScript(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "dockerless", "install.sh"))
	if err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(t.TempDir(), "ran")
	archive := archiveWith(t, mark)
	sum := sha256.Sum256(archive)
	good := hex.EncodeToString(sum[:])
	const name = "prefect-secrets_1.2.3_linux_amd64.tar.gz"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1.2.3/"+name {
			w.Write(archive)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	run := func(t *testing.T, checksums, base string) (string, string, error) {
		t.Helper()
		// A backslash in the path, as in a Windows runner's D:\a\_temp:
		// sha256sum then escapes the name and prefixes the hash with \.
		temp := filepath.Join(t.TempDir(), `a\_temp`)
		if err := os.Mkdir(temp, 0o755); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(temp, "output")
		cmd := exec.Command("bash", script)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "RUNNER_OS=Linux", "RUNNER_ARCH=X64", "RUNNER_TEMP=" + temp, "GITHUB_OUTPUT=" + out,
			"PREFECT_SECRETS_VERSION=1.2.3", "PREFECT_SECRETS_CHECKSUMS=" + checksums, "PREFECT_SECRETS_DOWNLOAD_BASE=" + base}
		log, err := cmd.CombinedOutput()
		data, _ := os.ReadFile(out)
		return string(data), string(log), err
	}
	t.Run("verified", func(t *testing.T) {
		output, log, err := run(t, "# BEGIN CHECKSUMS\n"+good+"  "+name+"\n# END CHECKSUMS\n", srv.URL+"/v1.2.3")
		if err != nil {
			t.Fatalf("%v\n%s", err, log)
		}
		bin := strings.TrimPrefix(strings.TrimSpace(output), "bin=")
		if info, err := os.Stat(bin); err != nil || info.Mode().Perm()&0o100 == 0 {
			t.Fatalf("binary %q: %v", bin, err)
		}
		if _, err := os.Stat(mark); err == nil {
			t.Error("the script ran the binary")
		}
	})
	for _, tt := range []struct{ name, checksums, base, want string }{
		{"wrong checksum", strings.Repeat("0", 64) + "  " + name, srv.URL + "/v1.2.3", "does not match the checksum pinned"},
		{"not found", good + "  " + name, srv.URL + "/v9.9.9", "cannot download"},
		{"nothing pinned", "# BEGIN CHECKSUMS\n# END CHECKSUMS", srv.URL + "/v1.2.3", "no checksum is pinned"},
		{"another archive pinned", good + "  prefect-secrets_1.2.3_darwin_arm64.tar.gz", srv.URL + "/v1.2.3", "no checksum is pinned"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			output, log, err := run(t, tt.checksums, tt.base)
			if err == nil || !strings.Contains(log, tt.want) {
				t.Fatalf("err %v, log:\n%s", err, log)
			}
			if output != "" {
				t.Errorf("an output was written: %q", output)
			}
			if _, err := os.Stat(mark); err == nil {
				t.Error("the binary ran")
			}
		})
	}
}
