package release

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func readRepo(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestPinImageChangesOneLine rewrites the real action.yml: exactly the
// image line differs, and the result parses and names the digest.
func TestPinImageChangesOneLine(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"action.yml", "write/action.yml"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			pinOneLine(t, file)
		})
	}
}

func pinOneLine(t *testing.T, file string) {
	main := readRepo(t, file)
	image := "docker://ghcr.io/prefect-secrets/prefect-secrets-action:v1.2.3@" + digest
	pinned, err := PinImage(main, image)
	if err != nil {
		t.Fatal(err)
	}
	a, b := strings.Split(string(main), "\n"), strings.Split(string(pinned), "\n")
	if len(a) != len(b) {
		t.Fatalf("%d lines became %d", len(a), len(b))
	}
	changed := 0
	for i := range a {
		if a[i] != b[i] {
			changed++
			if (strings.TrimSpace(a[i]) != "image: Dockerfile" && strings.TrimSpace(a[i]) != "image: ../Dockerfile") || strings.TrimSpace(b[i]) != "image: '"+image+"'" {
				t.Errorf("line %d: %q became %q", i+1, a[i], b[i])
			}
		}
	}
	if changed != 1 {
		t.Errorf("%d lines changed, want 1", changed)
	}
	var parsed struct {
		Runs map[string]any `yaml:"runs"`
	}
	if err := yaml.Unmarshal(pinned, &parsed); err != nil || !strings.HasSuffix(parsed.Runs["image"].(string), "@"+digest) {
		t.Errorf("parsed %v, %v", parsed.Runs, err)
	}
	// Pinning again replaces the pin: releases are made from main, but the
	// program must not depend on that.
	again, err := PinImage(pinned, strings.Replace(image, "v1.2.3", "v1.2.4", 1))
	if err != nil || !strings.Contains(string(again), ":v1.2.4@") || strings.Contains(string(again), ":v1.2.3@") {
		t.Errorf("re-pinning: %v", err)
	}
}

func TestPinImageRefusesBadReferences(t *testing.T) {
	t.Parallel()
	main := readRepo(t, "action.yml")
	for _, ref := range []string{
		"docker://ghcr.io/o/r:v1.2.3",                                                   // no digest
		"ghcr.io/o/r:v1.2.3@" + digest,                                                  // not docker://
		"docker://ghcr.io/o/r:latest@" + digest,                                         // not a version
		"docker://ghcr.io/o/r:v1.2.3@sha256:abc",                                        // short digest
		"docker://ghcr.io/o/r:v1.2.3@" + digest + "'\nevil: 1",                          // injection
		"docker://ghcr.io/o/r:v1.2.3@" + digest,                                         // another owner
		"docker://docker.io/prefect-secrets/prefect-secrets-action:v1.2.3@" + digest,    // another registry
		"docker://ghcr.io/prefect-secrets/prefect-secrets-action/../x:v1.2.3@" + digest, // a .. part
		"docker://ghcr.io/prefect-secrets/../prefect-secrets-action:v1.2.3@" + digest,   // a .. part
		"docker://ghcr.io/prefect-secrets/prefect-secrets-action-fork:v1.2.3@" + digest, // another repository
	} {
		if _, err := PinImage(main, ref); err == nil {
			t.Errorf("%q accepted", ref)
		}
	}
	if _, err := PinImage([]byte("name: x\n"), "docker://ghcr.io/o/r:v1.2.3@"+digest); err == nil {
		t.Error("a file without runs accepted")
	}
}

func TestPinChecksums(t *testing.T) {
	t.Parallel()
	doc := readRepo(t, "dockerless/action.yml")
	release := func(version string, skip string) string {
		var b strings.Builder
		for i, p := range Platforms {
			if p == skip {
				continue
			}
			ext := ".tar.gz"
			if strings.HasPrefix(p, "windows") {
				ext = ".zip"
			}
			fmt.Fprintf(&b, "%s  prefect-secrets_%s_%s%s\n", strings.Repeat(string(rune('a'+i)), 64), version, p, ext)
		}
		return b.String()
	}
	sums := release("1.2.3", "") + strings.Repeat("c", 64) + "  prefect-secrets_1.2.3_linux_amd64.tar.gz.sbom.json\n"
	for _, bad := range []struct{ sums, want string }{
		{release("1.2.3", "darwin_arm64"), "no archive for darwin_arm64"},
		{release("1.2.3", "") + strings.Repeat("f", 64) + "  prefect-secrets_1.2.2_linux_amd64.tar.gz\n", "not an archive of release 1.2.3"},
		{release("1.2.2", ""), "not an archive of release 1.2.3"},
		{release("1.2.3", "") + strings.SplitAfter(release("1.2.3", ""), "\n")[0], "twice"},
	} {
		if _, err := PinChecksums(readRepo(t, "dockerless/action.yml"), []byte(bad.sums), "1.2.3"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("error %v, want %q", err, bad.want)
		}
	}
	out, err := PinChecksums(doc, []byte(sums), "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if !strings.Contains(text, strings.Repeat("a", 64)+"  prefect-secrets_1.2.3_linux_amd64.tar.gz") || strings.Contains(text, "sbom") {
		t.Errorf("checksums not pinned:\n%s", text)
	}
	if !strings.Contains(text, "PREFECT_SECRETS_VERSION: '1.2.3'") {
		t.Errorf("version not pinned")
	}
	if _, err := PinChecksums(doc, []byte("nothing useful\n"), "1.2.3"); err == nil {
		t.Error("empty checksums accepted")
	}
	if _, err := PinChecksums(doc, []byte(sums), "v1.2.3; rm -rf /"); err == nil {
		t.Error("a bad version accepted")
	}
}

// TestReleasePinsEveryDockerAction: the release commit pins the image of
// every Docker action in the repository, so that no action of a release
// builds its image from source.
func TestReleasePinsEveryDockerAction(t *testing.T) {
	t.Parallel()
	workflow := string(readRepo(t, ".github/workflows/release.yml"))
	root := filepath.Join("..", "..")
	var docker []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "dist" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Name() != "action.yml" {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		var doc struct {
			Runs struct {
				Using string `yaml:"using"`
			} `yaml:"runs"`
		}
		if err := yaml.Unmarshal(readRepo(t, filepath.ToSlash(rel)), &doc); err != nil {
			return err
		}
		if doc.Runs.Using == "docker" {
			docker = append(docker, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil || len(docker) < 2 {
		t.Fatalf("found Docker actions %v: %v", docker, err)
	}
	for _, file := range docker {
		if !strings.Contains(workflow, "go run ./internal/release/pin image "+file+` "docker://$IMAGE:v$VERSION@$DIGEST"`) {
			t.Errorf("the release workflow does not pin %s", file)
		}
	}
}
