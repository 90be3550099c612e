package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReleaseArtifacts checks what goreleaser's snapshot build lists in
// DIST_DIR/artifacts.json: an archive per OS and architecture, named as
// dockerless/install.sh expects, each in checksums.txt with its true
// checksum, and an SBOM of each.
func TestReleaseArtifacts(t *testing.T) {
	t.Parallel()
	dist := os.Getenv("DIST_DIR")
	if dist == "" {
		t.Skip("DIST_DIR is not set (.ci/run builds a snapshot and sets it)")
	}
	data, err := os.ReadFile(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var artifacts []struct {
		Name, Path, Goos, Goarch, Type string
	}
	if err := json.Unmarshal(data, &artifacts); err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	if data, err := os.ReadFile(filepath.Join(dist, "checksums.txt")); err != nil {
		t.Fatal(err)
	} else {
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			sum, name, _ := strings.Cut(line, "  ")
			sums[name] = sum
		}
	}
	archives := map[string]bool{}
	sboms := 0
	for _, a := range artifacts {
		switch a.Type {
		case "Archive":
			ext := ".tar.gz"
			if a.Goos == "windows" {
				ext = ".zip"
			}
			if !strings.HasPrefix(a.Name, "prefect-secrets_") || !strings.HasSuffix(a.Name, "_"+a.Goos+"_"+a.Goarch+ext) {
				t.Errorf("archive %q is not named as install.sh expects", a.Name)
			}
			archives[a.Goos+"/"+a.Goarch] = true
			path := a.Path
			if !filepath.IsAbs(path) {
				// artifacts.json names paths from the project's root.
				path = filepath.Join(filepath.Dir(dist), path)
			}
			content, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(content)
			if sums[a.Name] != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: checksums.txt says %q", a.Name, sums[a.Name])
			}
			info, _ := os.Stat(path)
			t.Logf("%s: %.2f MB", a.Name, float64(info.Size())/1e6)
		case "SBOM":
			sboms++
		}
	}
	for _, p := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		if !archives[p] {
			t.Errorf("no archive for %s", p)
		}
	}
	if os.Getenv("DIST_SBOMS") != "" && sboms != len(archives) {
		t.Errorf("%d SBOMs for %d archives", sboms, len(archives))
	}
}
