package config

import "strings"

// ProgramRead is one rule of the names that programs read from their
// environment to decide how they run: an exact name, a prefix (NAME*) or
// a suffix (*NAME), compared without case (npm reads npm_config_*, curl
// reads http_proxy), and who reads it.
type ProgramRead struct {
	Pattern string
	Reader  string
}

// ProgramReads are the names that no wildcard match may export. A
// wildcard exports whatever names the server holds, and a variable set
// for the steps after this one changes every program they start: with
// SHELLOPTS=xtrace and PS4='$(cmd)' every later bash step runs cmd, and
// the runtimes, loaders and package managers below run, load or install
// what such a variable names. The rule: a name a shell, the dynamic
// loader or C library, a language runtime, a build tool or package
// manager, git or ssh, or the runner itself reads at start-up is never
// exported from a wildcard. A declared name is the user's choice, with a
// warning.
var ProgramReads = []ProgramRead{
	// The runner.
	{"GITHUB_*", "the runner"}, {"RUNNER_*", "the runner"}, {"ACTIONS_*", "the runner"},
	{"INPUT_*", "the runner (action inputs)"}, {"STATE_*", "the runner (action state)"},
	{"HOME", "the runner and every shell"}, {"CI", "the runner"}, {"ACT", "act"}, {"IMAGEOS", "the runner"},
	// Shells.
	{"PATH", "every shell and exec"}, {"SHELLOPTS", "bash"}, {"BASHOPTS", "bash"}, {"BASH_*", "bash"},
	{"BASH", "bash"}, {"ENV", "sh and bash"}, {"PS1", "shells"}, {"PS2", "shells"}, {"PS3", "shells"},
	{"PS4", "shells"}, {"PROMPT_COMMAND", "bash"}, {"IFS", "shells"}, {"CDPATH", "shells"},
	{"GLOBIGNORE", "bash"}, {"EXECIGNORE", "bash"}, {"FUNCNEST", "bash"}, {"HIST*", "shells"},
	{"INPUTRC", "readline"}, {"ZDOTDIR", "zsh"}, {"FPATH", "zsh and ksh"}, {"ZSH*", "zsh"},
	{"SHELL", "shells and programs that start one"}, {"POSIXLY_CORRECT", "shells and GNU tools"},
	{"MAIL", "shells"}, {"MAILPATH", "shells"}, {"MAILCHECK", "shells"}, {"TMOUT", "shells"}, {"PWD", "shells"}, {"OLDPWD", "shells"}, {"_", "shells"},
	{"TERM", "terminal programs"}, {"TERMINFO", "terminal programs"}, {"TERMCAP", "terminal programs"}, {"PAGER", "programs that page"}, {"*_PAGER", "programs that page"},
	{"EDITOR", "programs that edit"}, {"VISUAL", "programs that edit"}, {"BROWSER", "programs that open URLs"},
	{"LESS", "less"}, {"LESSOPEN", "less"}, {"LESSCLOSE", "less"}, {"MANPAGER", "man"}, {"SUDO_*", "sudo"}, {"*_ASKPASS", "sudo, ssh and git"},
	// The dynamic loader and the C library.
	{"LD_*", "the dynamic loader"}, {"DYLD_*", "macOS's dynamic loader"}, {"GLIBC_TUNABLES", "the C library"},
	{"MALLOC_*", "the C library"}, {"GCONV_PATH", "the C library"}, {"LOCPATH", "the C library"},
	{"NLSPATH", "the C library"}, {"HOSTALIASES", "the resolver"}, {"RES_OPTIONS", "the resolver"},
	{"LOCALDOMAIN", "the resolver"}, {"TZ", "the C library"}, {"TZDIR", "the C library"},
	{"LANG", "the C library"}, {"LANGUAGE", "gettext"}, {"LC_*", "the C library"},
	{"TMPDIR", "the C library and most tools"}, {"TMP", "many tools"}, {"TEMP", "many tools"},
	{"XDG_*", "most tools (where their configuration is)"},
	// Language runtimes.
	{"JAVA_TOOL_OPTIONS", "the JVM"}, {"_JAVA_OPTIONS", "the JVM"}, {"JDK_JAVA_OPTIONS", "the JVM"},
	{"JAVA_OPTS", "Java launchers"}, {"JAVA_HOME", "Java tools"}, {"CLASSPATH", "the JVM"},
	{"PYTHON*", "Python"}, {"VIRTUAL_ENV", "Python tools"}, {"PERL*", "Perl"}, {"RUBY*", "Ruby"},
	{"GEM_*", "RubyGems"}, {"BUNDLE_*", "Bundler"}, {"NODE_*", "Node.js"}, {"DENO_*", "Deno"}, {"BUN_*", "Bun"},
	{"GOFLAGS", "Go"}, {"GOPATH", "Go"}, {"GOROOT", "Go"}, {"GOPROXY", "Go"}, {"GOTOOLCHAIN", "Go"},
	{"GOENV", "Go"}, {"GODEBUG", "Go"}, {"GOEXPERIMENT", "Go"}, {"GOPRIVATE", "Go"}, {"GONOSUMDB", "Go"},
	{"GONOPROXY", "Go"}, {"GOSUMDB", "Go"}, {"GOINSECURE", "Go"}, {"GOBIN", "Go"}, {"GOCACHE", "Go"},
	{"GOMODCACHE", "Go"}, {"GOWORK", "Go"}, {"GOVCS", "Go"}, {"GOAUTH", "Go"}, {"GO111MODULE", "Go"},
	{"GOOS", "Go"}, {"GOARCH", "Go"}, {"GOTMPDIR", "Go"}, {"GOGC", "Go programs"}, {"GOMAXPROCS", "Go programs"},
	{"GOTRACEBACK", "Go programs"}, {"CGO_*", "Go"}, {"CARGO*", "Cargo"}, {"RUSTC*", "Rust"}, {"RUSTFLAGS", "Rust"},
	{"RUSTDOCFLAGS", "Rust"}, {"RUSTUP_*", "rustup"}, {"DOTNET_*", ".NET"}, {"COMPLUS_*", ".NET"},
	{"CORECLR_*", ".NET"}, {"PHPRC", "PHP"}, {"PHP_INI_SCAN_DIR", "PHP"}, {"LUA_*", "Lua"}, {"R_*", "R"},
	{"JULIA_*", "Julia"}, {"ERL_*", "Erlang"}, {"ELIXIR_*", "Elixir"}, {"MIX_*", "Elixir"},
	{"TCLLIBPATH", "Tcl"}, {"GUILE_*", "Guile"},
	// Compilers and build tools.
	{"CC", "build tools"}, {"CXX", "build tools"}, {"CPP", "build tools"}, {"LD", "build tools"},
	{"CFLAGS", "build tools"}, {"CXXFLAGS", "build tools"}, {"CPPFLAGS", "build tools"}, {"LDFLAGS", "build tools"},
	{"MAKEFLAGS", "make"}, {"MAKEFILES", "make"}, {"MFLAGS", "make"}, {"CMAKE_*", "CMake"},
	{"PKG_CONFIG*", "pkg-config"}, {"MAVEN_*", "Maven"}, {"M2_HOME", "Maven"}, {"GRADLE_*", "Gradle"},
	{"SBT_OPTS", "sbt"}, {"ANT_*", "Ant"},
	// Package managers.
	{"PIP_*", "pip"}, {"PIPX_*", "pipx"}, {"POETRY_*", "Poetry"}, {"UV_*", "uv"}, {"PDM_*", "PDM"},
	{"CONDA*", "conda"}, {"NPM_CONFIG_*", "npm"}, {"YARN_*", "Yarn"}, {"PNPM_*", "pnpm"},
	{"COREPACK_*", "Corepack"}, {"COMPOSER*", "Composer"}, {"NUGET_*", "NuGet"}, {"HOMEBREW_*", "Homebrew"},
	{"APT_*", "apt"}, {"DEBIAN_*", "Debian's tools"}, {"HELM_*", "Helm"},
	// Network, git, ssh, and tools whose configuration runs commands.
	{"*_PROXY", "every HTTP client"}, {"SSL_CERT_*", "OpenSSL"}, {"CURL_*", "curl"},
	{"REQUESTS_CA_BUNDLE", "Python requests"}, {"WGETRC", "wget"}, {"NETRC", "curl and git"},
	{"GIT_*", "git"}, {"SSH_*", "ssh"}, {"GNUPGHOME", "gpg"}, {"DOCKER_HOST", "docker"},
	{"DOCKER_CONFIG", "docker"}, {"DOCKER_CONTEXT", "docker"}, {"DOCKER_CERT_PATH", "docker"},
	{"DOCKER_TLS_VERIFY", "docker"}, {"KUBECONFIG", "kubectl (exec plugins)"},
	{"AWS_CONFIG_FILE", "the AWS tools (credential_process)"}, {"AWS_SHARED_CREDENTIALS_FILE", "the AWS tools (credential_process)"}, {"BOTO_CONFIG", "boto"},
	{"CLOUDSDK_CONFIG", "gcloud"},
}

// ReadByPrograms says which program reads name at start-up, from
// ProgramReads, or "" when none of them does.
func ReadByPrograms(name string) string {
	u := strings.ToUpper(name)
	for _, r := range ProgramReads {
		p := strings.ToUpper(r.Pattern)
		switch {
		case strings.HasPrefix(p, "*") && strings.HasSuffix(u, p[1:]) && len(u) > len(p)-1,
			strings.HasSuffix(p, "*") && strings.HasPrefix(u, p[:len(p)-1]),
			p == u:
			return r.Reader
		}
	}
	return ""
}

// DangerousExport says why a name that came from server data (a wildcard
// match, a JSON key, a block field) must not become a variable, or "" when
// it may.
func DangerousExport(name string) string {
	if r := RefusedExport(name); r != "" {
		return r
	}
	if reader := ReadByPrograms(name); reader != "" {
		return strings.ToUpper(name) + " is read by " + reader + " in every later step"
	}
	return ""
}
