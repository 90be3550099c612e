package prefect

import (
	"context"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/vectors"
)

// fakeUsers is the password database the vectors were recorded with: root
// exists, nobody else the cases ask for does.
type fakeUsers map[string]string

func (f fakeUsers) HomeOf(name string) (string, bool) { h, ok := f[name]; return h, ok }
func (f fakeUsers) CurrentHome() (string, bool)       { return f["root"], true }

var vectorUsers = fakeUsers{"root": "/root"}

func TestLocalVectors(t *testing.T) {
	t.Parallel()
	cases := vectors.MustLocal(t)
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			var files []*ConfigTOML
			if c.ConfigTOML != nil {
				doc, err := ParseTOML([]byte(*c.ConfigTOML))
				if err != nil {
					if c.PrefectError == "" {
						t.Fatalf("ParseTOML: %v", err)
					}
					return
				}
				files = append(files, doc)
			}
			secrets, _ := LoadLocal(context.Background(), LocalOptions{
				Env:   osenv.New(c.ProcessEnv("/tmp/user-config.toml")),
				Users: vectorUsers,
				Files: files,
			})
			for _, name := range c.Requests {
				got := secrets.Lookup(name)
				if c.PrefectError != "" {
					// Prefect cannot load these; the action must only
					// answer without crashing.
					continue
				}
				want := c.Expect[name]
				switch {
				case want.Missing:
					if got.Found {
						t.Errorf("%q: got found %q (err %v), want missing", name, got.Text, got.Err)
					}
				case want.Error != "":
					if got.Err == nil {
						t.Errorf("%q: got %q, want an error like %s", name, got.Text, want.Error)
					}
				default:
					if !got.Found || got.Err != nil {
						t.Errorf("%q: got found=%v err=%v, want %q", name, got.Found, got.Err, *want.Value)
						continue
					}
					if got.Text != *want.Value || got.Null != want.Empty {
						t.Errorf("%q: got %q null=%v, want %q null=%v", name, got.Text, got.Null, *want.Value, want.Empty)
					}
				}
			}
		})
	}
}
