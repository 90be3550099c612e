package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
)

func TestParseProject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text     string
		want     map[string]string
		problems []string
	}{
		{
			text: "# comment\nsecrets = [\"DB=db-password\", \"aws-credentials/prod\"]\nvariables = \"region\"\ncheck-only = true\nretries = 2\napi-url = \"http://x/api\"\n",
			want: map[string]string{"secrets": "DB=db-password\naws-credentials/prod", "variables": "region", "check-only": "true", "retries": "2", "api-url": "http://x/api"},
		},
		{text: "secrets = \"A\"\nsecret = \"typo\"\n", problems: []string{`p line 2: unknown key "secret"`}},
		{text: "runner-paths = \"{}\"\n", problems: []string{`p line 1: unknown key "runner-paths"`}},
		{text: "retries = \"x\"\nexport-env = 1\nsecrets = [1]\n", problems: []string{`p line 2: export-env must be true or false`, `p line 3: secrets must be an array of strings`}},
		{text: "secrets = [\"A\",\n", problems: []string{"p line 1: array is incomplete"}},
		{text: "[secrets]\nx = 1\n", problems: []string{"p line 1: secrets is a table"}},
		{text: "backend = [\"rest\"]\n", problems: []string{"p line 1: backend must be a string"}},
		{text: "secrets = [\"a\\nb\"]\n", problems: []string{"p line 1: secrets entries hold no line breaks"}},
	}
	for _, tt := range tests {
		got, problems := parseProject("p", []byte(tt.text))
		if len(problems) != len(tt.problems) {
			t.Errorf("%q: problems %q, want %q", tt.text, problems, tt.problems)
			continue
		}
		for i := range problems {
			if !strings.HasPrefix(problems[i], tt.problems[i]) {
				t.Errorf("%q: problem %q, want %q", tt.text, problems[i], tt.problems[i])
			}
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%q: %s = %q, want %q", tt.text, k, got[k], v)
			}
		}
	}
}

func FuzzParseProject(f *testing.F) {
	f.Add("secrets = [\"A\", \"B\"]\nretries = 1\n")
	f.Add("x = {a = 1}\n[t]\n")
	f.Fuzz(func(t *testing.T, text string) {
		values, problems := parseProject("p", []byte(text))
		for _, p := range problems {
			if !strings.HasPrefix(p, "p") || strings.Contains(p, "\n") {
				t.Fatalf("problem %q does not name the file on one line", p)
			}
		}
		for k := range values {
			if _, ok := projectInput(k); !ok {
				t.Fatalf("value for unknown key %q", k)
			}
		}
	})
}

func TestLoadProfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.toml")
	if err := os.WriteFile(path, []byte("active = \"a\"\n[profiles.a]\nPREFECT_API_URL = \"http://a/api\"\nPREFECT_API_KEY = \"pnu_a\"\nPREFECT_LOGGING_LEVEL = \"DEBUG\"\n[profiles.b]\nPREFECT_API_URL = \"http://b/api\"\n[profiles.c]\nPREFECT_API_KEY = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		env     []string
		want    string // PREFECT_API_URL, or the error
		profile string
	}{
		{[]string{"PREFECT_PROFILES_PATH=" + path}, "http://a/api", "a"},
		{[]string{"PREFECT_PROFILES_PATH=" + path, "PREFECT_PROFILE=b"}, "http://b/api", "b"},
		{[]string{"PREFECT_PROFILES_PATH=" + path, "PREFECT_PROFILE=z"}, `profile "z" (from PREFECT_PROFILE) does not exist`, ""},
		{[]string{"PREFECT_PROFILES_PATH=" + path, "PREFECT_PROFILE=c"}, `PREFECT_API_KEY is not a string`, ""},
		{[]string{"PREFECT_PROFILES_PATH=" + filepath.Join(dir, "none.toml")}, "cannot read it", ""},
		{[]string{"PREFECT_HOME=" + dir}, "http://a/api", "a"},
		{[]string{"PREFECT_HOME=" + filepath.Join(dir, "empty")}, "", ""},
	} {
		p, err := LoadProfile(osenv.New(tt.env), nil)
		switch {
		case err != nil:
			if !strings.Contains(err.Error(), tt.want) || tt.profile != "" {
				t.Errorf("%v: %v, want %q", tt.env, err, tt.want)
			}
		case p == nil:
			if tt.want != "" {
				t.Errorf("%v: no profile, want %q", tt.env, tt.want)
			}
		case p.Name != tt.profile || p.Settings["PREFECT_API_URL"] != tt.want || len(p.Settings) > 2:
			t.Errorf("%v: %+v, want %s from %s", tt.env, p, tt.want, tt.profile)
		}
	}
	// The environment wins over the profile.
	env := withProfile(osenv.New([]string{"PREFECT_API_URL=http://env/api"}), &Profile{Settings: map[string]string{"PREFECT_API_URL": "http://profile/api", "PREFECT_API_KEY": "pnu_p"}})
	if env.Get("PREFECT_API_URL") != "http://env/api" || env.Get("PREFECT_API_KEY") != "pnu_p" {
		t.Errorf("merged %q %q", env.Get("PREFECT_API_URL"), env.Get("PREFECT_API_KEY"))
	}
}
