package release

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/prefect-secrets/prefect-secrets-action/internal/action"
)

// The image as .ci/image writes it: IMAGE_LAYOUT names the OCI layout.
func imageLayout(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("IMAGE_LAYOUT")
	if dir == "" {
		t.Skip("IMAGE_LAYOUT is not set (.ci/run builds the image and sets it)")
	}
	return dir
}

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	Platform  *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform"`
}

func blob(t *testing.T, dir, digest string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "blobs", strings.Replace(digest, ":", string(filepath.Separator), 1)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// TestImageLayout checks the released image: both architectures, the
// entrypoint action.yml names, root, and nothing but the binary and the
// CA bundle; it reports the sizes.
func TestImageLayout(t *testing.T) {
	t.Parallel()
	dir := imageLayout(t)
	var top struct{ Manifests []descriptor }
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	decode(t, data, &top)
	if len(top.Manifests) != 1 {
		t.Fatalf("the layout holds %d images, want one index", len(top.Manifests))
	}
	var index struct{ Manifests []descriptor }
	decode(t, blob(t, dir, top.Manifests[0].Digest), &index)
	platforms := map[string]bool{}
	for _, m := range index.Manifests {
		if m.Platform == nil {
			t.Fatalf("a manifest without a platform")
		}
		platform := m.Platform.OS + "/" + m.Platform.Architecture
		platforms[platform] = true
		var manifest struct {
			Config descriptor
			Layers []descriptor
		}
		decode(t, blob(t, dir, m.Digest), &manifest)
		var config struct {
			Architecture string
			Config       struct {
				Entrypoint []string
				User       string
			}
		}
		decode(t, blob(t, dir, manifest.Config.Digest), &config)
		if got := strings.Join(config.Config.Entrypoint, " "); got != "/ko-app/prefect-secrets-action" {
			t.Errorf("%s: entrypoint %q", platform, got)
		}
		if u := config.Config.User; u != "" && u != "0" && u != "root" && u != "0:0" {
			t.Errorf("%s: runs as %q, not root", platform, u)
		}
		var files []string
		var compressed, uncompressed int64
		for _, l := range manifest.Layers {
			compressed += l.Size
			names, size := layerFiles(t, blob(t, dir, l.Digest))
			files = append(files, names...)
			uncompressed += size
		}
		sort.Strings(files)
		want := []string{"etc/ssl/certs/ca-certificates.crt", "ko-app/prefect-secrets-action", "ko-app/prefect-secrets-post -> prefect-secrets-action"}
		if strings.Join(files, ",") != strings.Join(want, ",") {
			t.Errorf("%s holds %v, want only %v", platform, files, want)
		}
		t.Logf("%s: %.2f MB compressed, %.2f MB uncompressed", platform, float64(compressed)/1e6, float64(uncompressed)/1e6)
		if compressed > 5<<20 {
			t.Errorf("%s: %d bytes compressed, over 5 MiB", platform, compressed)
		}
	}
	if !platforms["linux/amd64"] || !platforms["linux/arm64"] || len(platforms) != 2 {
		t.Errorf("platforms %v, want linux/amd64 and linux/arm64", platforms)
	}
}

// layerFiles lists the regular files and symlinks (as "name -> target")
// of a layer (folders only hold them) and their size.
func layerFiles(t *testing.T, data []byte) ([]string, int64) {
	t.Helper()
	gz, err := gzip.NewReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	var size int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")
		if h.Typeflag == tar.TypeSymlink {
			name += " -> " + h.Linkname
		}
		names = append(names, name)
		size += h.Size
	}
	return names, size
}

// TestEntrypointsAgree checks what the runner starts against what the
// images hold: action.yml gives no entrypoint (the image's is used) and a
// post-entrypoint that is the post step's name, which the Dockerfile and
// the released image's base (.ci/image) both make a link to the binary at
// the image's entrypoint. The Dockerfile cannot be built here, so its
// text is read; TestImageLayout reads the released image itself.
func TestEntrypointsAgree(t *testing.T) {
	t.Parallel()
	var meta struct {
		Runs map[string]any `yaml:"runs"`
	}
	if err := yaml.Unmarshal(readRepo(t, "action.yml"), &meta); err != nil {
		t.Fatal(err)
	}
	if _, ok := meta.Runs["entrypoint"]; ok {
		t.Errorf("action.yml sets runs.entrypoint; the image's entrypoint is the binary")
	}
	if _, ok := meta.Runs["post-if"]; ok {
		t.Errorf("action.yml sets post-if; the post step must run whatever the job's outcome (the default, always())")
	}
	wantPost := "/ko-app/" + action.PostProgram
	if got := meta.Runs["post-entrypoint"]; got != wantPost {
		t.Errorf("post-entrypoint %v, want %s", got, wantPost)
	}
	dockerfile := string(readRepo(t, "Dockerfile"))
	for _, want := range []string{
		`ENTRYPOINT ["/ko-app/prefect-secrets-action"]`,
		"ln -s prefect-secrets-action /rootfs" + wantPost,
		"COPY --from=build /rootfs/ /",
	} {
		if !strings.Contains(dockerfile, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	image := string(readRepo(t, ".ci/image"))
	if want := `ln -s prefect-secrets-action "$work/root` + wantPost + `"`; !strings.Contains(image, want) {
		t.Errorf(".ci/image lacks %q", want)
	}
}
