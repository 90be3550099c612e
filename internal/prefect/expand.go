package prefect

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/prefect-secrets/prefect-secrets-action/internal/osenv"
	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// UserDirectory answers the password-database questions that Python's
// os.path.expanduser asks.
type UserDirectory interface {
	// HomeOf returns the home directory of the named user.
	HomeOf(name string) (string, bool)
	// CurrentHome returns the home directory of the user running the process.
	CurrentHome() (string, bool)
}

// PasswdFile reads a passwd(5) file, as the C library's getpwnam does on a
// system without other name services. A missing file has no users.
type PasswdFile struct {
	Path string
	UID  int

	once  sync.Once
	homes map[string]string
	byUID map[int]string
}

func (p *PasswdFile) load() {
	p.once.Do(func() {
		p.homes = map[string]string{}
		p.byUID = map[int]string{}
		data, err := os.ReadFile(p.Path)
		if err != nil {
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			f := strings.Split(sc.Text(), ":")
			if len(f) < 7 || f[0] == "" {
				continue
			}
			if _, dup := p.homes[f[0]]; !dup {
				p.homes[f[0]] = f[5]
			}
			if uid, err := strconv.Atoi(f[2]); err == nil {
				if _, dup := p.byUID[uid]; !dup {
					p.byUID[uid] = f[5]
				}
			}
		}
	})
}

// HomeOf implements UserDirectory.
func (p *PasswdFile) HomeOf(name string) (string, bool) {
	p.load()
	h, ok := p.homes[name]
	return h, ok
}

// CurrentHome implements UserDirectory.
func (p *PasswdFile) CurrentHome() (string, bool) {
	p.load()
	h, ok := p.byUID[p.UID]
	return h, ok
}

// MaxExpansionBytes bounds all the text that $VAR expansion and ${...}
// references produce in one run. Both can multiply a short configuration
// (a variable X='$X$X$X$X' grows eightfold a round for ten rounds), so
// without a bound a few kilobytes exhaust any machine's memory.
const MaxExpansionBytes = 64 << 20

// ErrExpansionBudget is returned once expansion has produced
// MaxExpansionBytes in a run.
var ErrExpansionBudget = fmt.Errorf("expanding $VAR and ${...} would produce more than %d MiB of text in this run", MaxExpansionBytes>>20)

// budget is the expansion allowance of one run, and its cancellation.
type budget struct {
	ctx   context.Context
	left  int64
	calls int
}

func newBudget(ctx context.Context, n int64) *budget { return &budget{ctx: ctx, left: n} }

// spend charges n bytes of produced text. It also notices cancellation,
// so that no loop of local resolution outlives a signal.
func (b *budget) spend(n int) error {
	if b.calls++; b.calls%64 == 0 && b.ctx.Err() != nil {
		return b.ctx.Err()
	}
	if int64(n) > b.left {
		b.left = -1
		return ErrExpansionBudget
	}
	b.left -= int64(n)
	return nil
}

// expander reproduces the string expansion Prefect 1 applies to values.
type expander struct {
	env    *osenv.Environ
	users  UserDirectory
	budget *budget
}

// expandVars is posixpath.expandvars: $NAME and ${NAME} for variables that
// are set; everything else stays as written, and inserted text is not
// scanned again.
func (x expander) expandVars(s string) (string, error) {
	if strings.IndexByte(s, '$') < 0 {
		return s, nil
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			break
		}
		j += i
		name, end := varAt(s, j)
		if end < 0 {
			b.WriteString(s[i : j+1])
			i = j + 1
			continue
		}
		if v, ok := x.env.Lookup(name); ok {
			// Charged before it is written, so a value never grows past
			// what the run may still produce.
			if err := x.budget.spend(j - i + len(v)); err != nil {
				return "", err
			}
			b.WriteString(s[i:j])
			b.WriteString(v)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	b.WriteString(s[i:])
	return b.String(), nil
}

// varAt matches \$(\w+|\{[^}]*\}) (ASCII \w) at s[j]; end is -1 when it
// does not match.
func varAt(s string, j int) (name string, end int) {
	k := j + 1
	if k < len(s) && s[k] == '{' {
		close := strings.IndexByte(s[k+1:], '}')
		if close < 0 {
			return "", -1
		}
		return s[k+1 : k+1+close], k + 2 + close
	}
	e := k
	for e < len(s) && isWordByte(s[e]) {
		e++
	}
	if e == k {
		return "", -1
	}
	return s[k:e], e
}

func isWordByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// expandUser is posixpath.expanduser.
func (x expander) expandUser(s string) string {
	if !strings.HasPrefix(s, "~") {
		return s
	}
	i := strings.IndexByte(s[1:], '/')
	if i < 0 {
		i = len(s)
	} else {
		i++
	}
	var home string
	if i == 1 {
		h, ok := x.env.Lookup("HOME")
		if !ok {
			if x.users == nil {
				return s
			}
			if h, ok = x.users.CurrentHome(); !ok {
				return s
			}
		}
		home = h
	} else {
		if x.users == nil {
			return s
		}
		h, ok := x.users.HomeOf(s[1:i])
		if !ok {
			return s
		}
		home = h
	}
	home = strings.TrimRight(home, "/")
	if out := home + s[i:]; out != "" {
		return out
	}
	return "/"
}

// maxRounds is Prefect's bound on repeated expansion and on reference passes.
const maxRounds = 10

// interpolateEnvVars is prefect.configuration.interpolate_env_vars on a
// str: expand until nothing changes. A value that changed more than once is
// typed on the way out; one that never settles within ten rounds is None.
func (x expander) interpolateEnvVars(s string) (pyvalue.Value, error) {
	if s == "" {
		return pyvalue.Str(""), nil
	}
	for counter := 0; counter < maxRounds; counter++ {
		expanded, err := x.expandVars(s)
		if err != nil {
			return nil, err
		}
		out := x.expandUser(expanded)
		if out == s {
			if counter > 1 {
				return stringToType(out), nil
			}
			return pyvalue.Str(out), nil
		}
		s = out
	}
	return pyvalue.None, nil
}

// stringToType is prefect.configuration.string_to_type: true/false in any
// case become booleans, Python literals become their values, and anything
// else stays the string it was.
func stringToType(s string) pyvalue.Value {
	switch strings.ToUpper(s) {
	case "TRUE":
		return pyvalue.Bool(true)
	case "FALSE":
		return pyvalue.Bool(false)
	}
	if v, err := pyvalue.LiteralEval(s); err == nil {
		return v
	}
	return pyvalue.Str(s)
}

// ExpandPath expands a configuration file path the way Prefect does before
// it looks for the file: $VAR and ~ expansion until nothing changes.
// A path gets an allowance of its own, ample for any path.
func ExpandPath(env *osenv.Environ, users UserDirectory, path string) string {
	v, err := expander{env: env, users: users, budget: newBudget(context.Background(), 1<<20)}.interpolateEnvVars(path)
	if err != nil {
		return path
	}
	s, err := pyvalue.PyStr(v)
	if err != nil {
		return path
	}
	return s
}
