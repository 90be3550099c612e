package actionmeta

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepositoryMetadata checks every action metadata file in the
// repository as the runner's loader would.
func TestRepositoryMetadata(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "dist" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (d.Name() == "action.yml" || d.Name() == "action.yaml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d action metadata files (%v), want the Docker action and the dockerless one at least", len(files), files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range Check(data) {
			t.Errorf("%s: %s", f, p)
		}
	}
}

const dockerHead = "name: x\ndescription: y\n"

// TestCheckRefuses shows the check fails where the runner would: each
// case is one thing the runner's loader refuses, the old runs.args among
// them.
func TestCheckRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"runner in runs.args (the old action.yml)", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  args:\n    - --runner-temp-host\n    - ${{ runner.temp }}\n", "runs.args[1]: Unrecognized named-value: 'runner'"},
		{"github in runs.env", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  env:\n    X: ${{ github.workspace }}\n", "runs.env.X: Unrecognized named-value: 'github'"},
		{"hashFiles in runs.args", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  args: ['${{ hashFiles(''x'') }}']\n", "Unrecognized function: 'hashFiles'"},
		{"expression in image", dockerHead + "runs:\n  using: docker\n  image: 'docker://x:${{ inputs.v }}'\n", "runs.image: no expression is allowed here"},
		{"expression in post-entrypoint", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  post-entrypoint: ${{ inputs.p }}\n", "runs.post-entrypoint: no expression is allowed here"},
		{"secrets in an input default", dockerHead + "inputs:\n  t:\n    default: ${{ secrets.TOKEN }}\nruns:\n  using: docker\n  image: Dockerfile\n", "inputs.t.default: Unrecognized named-value: 'secrets'"},
		{"inputs in an input default", dockerHead + "inputs:\n  t:\n    default: ${{ inputs.u }}\nruns:\n  using: docker\n  image: Dockerfile\n", "Unrecognized named-value: 'inputs'"},
		{"a composite key in a Docker action", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  steps: []\n", "runs.steps: not a key the runner's schema has here"},
		{"a Docker key in a composite", dockerHead + "runs:\n  using: composite\n  image: Dockerfile\n  steps: []\n", "runs.image: not a key the runner's schema has here"},
		{"args not a sequence", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  args: --x\n", "runs.args: must be a sequence"},
		{"env not a mapping", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  env: [a]\n", "runs.env: must be a mapping"},
		{"a number where a string goes", dockerHead + "inputs:\n  n:\n    default: 4\nruns:\n  using: docker\n  image: Dockerfile\n", "inputs.n.default: must be a string"},
		{"no image", dockerHead + "runs:\n  using: docker\n", "runs.image: required, and missing"},
		{"unknown using", dockerHead + "runs:\n  using: wasm\n", `runs.using: "wasm" is not docker`},
		{"a composite step without shell", dockerHead + "runs:\n  using: composite\n  steps:\n    - run: echo\n", "runs.steps[0].shell: required, and missing"},
		{"secrets in a composite step", dockerHead + "runs:\n  using: composite\n  steps:\n    - run: echo ${{ secrets.X }}\n      shell: bash\n", "runs.steps[0].run: Unrecognized named-value: 'secrets'"},
		{"a status function outside if", dockerHead + "runs:\n  using: composite\n  steps:\n    - run: echo ${{ always() }}\n      shell: bash\n", "Unrecognized function: 'always'"},
		{"an unknown step key", dockerHead + "runs:\n  using: composite\n  steps:\n    - run: echo\n      shell: bash\n      timeout-minutes: '3'\n", "runs.steps[0].timeout-minutes: not a key"},
		{"secrets in a composite output", dockerHead + "outputs:\n  o:\n    value: ${{ secrets.X }}\nruns:\n  using: composite\n  steps: []\n", "outputs.o.value: Unrecognized named-value: 'secrets'"},
		{"a composite output without value", dockerHead + "outputs:\n  o:\n    description: d\nruns:\n  using: composite\n  steps: []\n", "outputs.o.value: required, and missing"},
		{"an expression in a Docker output", dockerHead + "outputs:\n  o:\n    value: ${{ inputs.x }}\nruns:\n  using: docker\n  image: Dockerfile\n", "outputs.o.value: no expression is allowed here"},
		{"a broken expression", dockerHead + "runs:\n  using: docker\n  image: Dockerfile\n  args: ['${{ inputs. }}']\n", "runs.args[0]: expression"},
		{"no runs", dockerHead, "runs: required, and missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			problems := Check([]byte(tt.yaml))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("problems %q, want one with %q", got, tt.want)
			}
		})
	}
}

// TestCheckAccepts shows what the runner allows is not refused.
func TestCheckAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml string }{
		{"runner and job in an input default, with toJSON", dockerHead + "inputs:\n  p:\n    description: d\n    required: false\n    default: '{\"temp\":${{ toJSON(runner.temp) }},\"c\":${{ toJSON(job.container.id) }}}'\nruns:\n  using: docker\n  image: Dockerfile\n  args: ['${{ inputs.p }}', '${{ format(''{0}'', inputs.p) }}']\n  env:\n    P: ${{ inputs.p }}\n  post-entrypoint: /bin/post\n"},
		{"hashFiles in a default", dockerHead + "inputs:\n  h:\n    default: ${{ hashFiles('go.sum') }}\nruns:\n  using: docker\n  image: docker://x\n"},
		{"a composite with status functions in if", dockerHead + "outputs:\n  o:\n    value: ${{ steps.a.outputs.x }}\nruns:\n  using: composite\n  steps:\n    - id: a\n      if: always() && runner.os == 'Linux'\n      run: echo ${{ inputs.x }} ${{ env.Y }}\n      shell: bash\n      env:\n        Y: ${{ github.token }}\n    - uses: ./x\n      with:\n        z: ${{ steps.a.outputs.x }}\n"},
		{"loose keys at the top and in inputs", "name: x\ndescription: y\nauthor: z\nbranding:\n  icon: lock\ninputs:\n  a:\n    deprecationMessage: old\nruns:\n  using: node20\n  main: index.js\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if problems := Check([]byte(tt.yaml)); len(problems) != 0 {
				t.Errorf("problems %v, want none", problems)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	ctx := map[string]any{
		"runner": map[string]any{"temp": "/home/runner/work/_temp", "os": "Linux"},
		"job":    map[string]any{"container": map[string]any{"id": "abc"}},
		"inputs": map[string]any{"api-url": "https://x/api"},
	}
	tests := []struct {
		template, want string
	}{
		{"${{ runner.temp }}", "/home/runner/work/_temp"},
		{"host:${{ runner.temp }}", "host:/home/runner/work/_temp"},
		{`{"t":${{ toJSON(runner.temp) }},"c":${{ toJSON(job.container.id) }},"n":${{ toJSON(job.services) }}}`, `{"t":"/home/runner/work/_temp","c":"abc","n":null}`},
		{"${{ inputs.api-url }}", "https://x/api"},
		{"${{ format('{0}/{1}', RUNNER.TEMP, 'x') }}", "/home/runner/work/_temp/x"},
		{"${{ startsWith(runner.os, 'lin') }}", "true"},
		{"plain", "plain"},
		{"${{ toJSON('a<b>&\"') }}", `"a<b>&\""`},
	}
	for _, tt := range tests {
		got, err := Evaluate(tt.template, ctx)
		if err != nil || got != tt.want {
			t.Errorf("Evaluate(%q) = %q, %v; want %q", tt.template, got, err, tt.want)
		}
	}
	if _, err := Evaluate("${{ runner.temp }}", map[string]any{"inputs": map[string]any{}}); !errors.Is(err, ErrUnrecognized) {
		t.Errorf("runner without a runner context: %v, want ErrUnrecognized", err)
	}
}
