package export

import (
	"encoding/json"
	"strings"
)

// plainName reports whether a name is only [A-Za-z0-9_.-/@+] and can be
// shown as it is.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-/@+", c) >= 0) {
			return false
		}
	}
	return true
}

// Display renders a secret name for a log line, a summary or a terminal.
// Names can come from a backend or the environment, so a name that is not
// plain is shown as a JSON string with "#" escaped too: the runner treats
// "::" at a line start and "##[" anywhere as commands, and terminals act on
// control characters.
func Display(name string) string {
	if plainName(name) {
		return name
	}
	b, err := json.Marshal(name)
	if err != nil {
		return `"?"`
	}
	return strings.ReplaceAll(string(b), "#", `\u0023`)
}
