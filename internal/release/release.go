// Package release rewrites the files a release commit changes: the image
// line of action.yml, pinned to a digest, and the checksums of the
// dockerless action. A release commit differs from main by these lines
// only, so each rewrite changes exactly the line it names and checks the
// result.
package release

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// imageRef is a pinned image: a tag for people and a digest for the
// runner, which pulls by digest.
var imageRef = regexp.MustCompile(`^docker://[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+:v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?@sha256:[0-9a-f]{64}$`)

// Repository is where the project's images are released: a pin names
// this repository and no other, so that a release commit can never point
// every user of the action at someone else's image.
const Repository = "ghcr.io/prefect-secrets/prefect-secrets-action"

// PinImage returns action.yml with its runs.image line replaced by image
// (docker://ghcr.io/prefect-secrets/prefect-secrets-action:vX.Y.Z@sha256:
// DIGEST); every other byte is kept.
func PinImage(actionYAML []byte, image string) ([]byte, error) {
	if !imageRef.MatchString(image) {
		return nil, fmt.Errorf("image %q is not docker://REGISTRY/REPOSITORY:vX.Y.Z@sha256:<64 hex digits>", image)
	}
	repo := strings.TrimPrefix(image, "docker://")
	repo = repo[:strings.LastIndex(repo, ":v")]
	for _, part := range strings.Split(repo, "/") {
		if part == ".." || part == "." {
			return nil, fmt.Errorf("image %q has a %q path part", image, part)
		}
	}
	if repo != Repository {
		return nil, fmt.Errorf("image %q is not in the project's own repository %s", image, Repository)
	}
	line, err := imageLine(actionYAML)
	if err != nil {
		return nil, err
	}
	lines := bytes.SplitAfter(actionYAML, []byte("\n"))
	old := lines[line]
	indent := old[:len(old)-len(bytes.TrimLeft(old, " "))]
	end := ""
	if bytes.HasSuffix(old, []byte("\n")) {
		end = "\n"
	}
	lines[line] = []byte(fmt.Sprintf("%simage: '%s'%s", indent, image, end))
	out := bytes.Join(lines, nil)
	if err := check(out, image); err != nil {
		return nil, err
	}
	return out, nil
}

// imageLine finds the one line holding runs.image, by the YAML document's
// own positions rather than by a pattern.
func imageLine(doc []byte) (int, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return 0, fmt.Errorf("action.yml does not parse: %w", err)
	}
	runs := mapValue(root.Content[0], "runs")
	if runs == nil {
		return 0, errors.New("action.yml has no runs")
	}
	image := mapValue(runs, "image")
	if image == nil {
		return 0, errors.New("action.yml has no runs.image")
	}
	if image.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || strings.Contains(image.Value, "\n") {
		return 0, errors.New("runs.image spans lines")
	}
	return image.Line - 1, nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// check parses the result and confirms runs.image is the pinned image.
func check(doc []byte, image string) error {
	var parsed struct {
		Runs struct {
			Using string `yaml:"using"`
			Image string `yaml:"image"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(doc, &parsed); err != nil {
		return fmt.Errorf("the rewritten action.yml does not parse: %w", err)
	}
	if parsed.Runs.Using != "docker" || parsed.Runs.Image != image {
		return fmt.Errorf("the rewritten action.yml runs %q with image %q", parsed.Runs.Using, parsed.Runs.Image)
	}
	return nil
}

// checksumLine is a dockerless checksum line: an archive name and its
// SHA-256, as checksums.txt writes them, inside the marked block.
var checksumLine = regexp.MustCompile(`^[0-9a-f]{64}  prefect-secrets_[0-9A-Za-z._-]+\.(tar\.gz|zip)$`)

// Markers around the checksums block of dockerless/action.yml.
const (
	BeginChecksums = "# BEGIN CHECKSUMS"
	EndChecksums   = "# END CHECKSUMS"
)

// PinChecksums returns the dockerless action with the lines between its
// checksum markers replaced by the archives' lines of checksums.txt, at
// the markers' indentation, and its version line set to version.
func PinChecksums(action, checksums []byte, version string) ([]byte, error) {
	if !regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`).MatchString(version) {
		return nil, fmt.Errorf("version %q is not X.Y.Z", version)
	}
	var sums []string
	sc := bufio.NewScanner(bytes.NewReader(checksums))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !checksumLine.MatchString(line) {
			continue // SBOMs and other files are not downloaded
		}
		sums = append(sums, line)
	}
	if err := completeRelease(sums, version); err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(action), "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case BeginChecksums:
			begin = i
		case EndChecksums:
			end = i
		}
	}
	if begin < 0 || end < begin {
		return nil, errors.New("the dockerless action has no checksum block")
	}
	indent := lines[begin][:len(lines[begin])-len(strings.TrimLeft(lines[begin], " "))]
	var block []string
	for _, s := range sums {
		block = append(block, indent+s+"\n")
	}
	out := append(append(append([]string{}, lines[:begin+1]...), block...), lines[end:]...)
	text := strings.Join(out, "")
	versionLine := regexp.MustCompile(`(?m)^(\s*PREFECT_SECRETS_VERSION: )'[^']*'$`)
	if !versionLine.MatchString(text) {
		return nil, errors.New("the dockerless action has no PREFECT_SECRETS_VERSION line")
	}
	text = versionLine.ReplaceAllString(text, "${1}'"+version+"'")
	var parsed map[string]any
	if err := yaml.Unmarshal([]byte(text), &parsed); err != nil {
		return nil, fmt.Errorf("the rewritten dockerless action does not parse: %w", err)
	}
	return []byte(text), nil
}

// Platforms are the released operating systems and architectures, each an
// archive the dockerless action may download.
var Platforms = []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64", "windows_arm64"}

// completeRelease checks that the checksum lines are those of one release:
// every platform's archive of version, once, and nothing of another.
func completeRelease(sums []string, version string) error {
	want := map[string]bool{}
	for _, p := range Platforms {
		ext := ".tar.gz"
		if strings.HasPrefix(p, "windows_") {
			ext = ".zip"
		}
		want["prefect-secrets_"+version+"_"+p+ext] = true
	}
	seen := map[string]bool{}
	for _, line := range sums {
		name := line[strings.Index(line, "  ")+2:]
		if !want[name] {
			return fmt.Errorf("checksums.txt names %s, which is not an archive of release %s", name, version)
		}
		if seen[name] {
			return fmt.Errorf("checksums.txt names %s twice", name)
		}
		seen[name] = true
	}
	for _, p := range Platforms {
		found := false
		for name := range seen {
			if strings.Contains(name, "_"+p+".") {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("checksums.txt has no archive for %s", p)
		}
	}
	return nil
}
