package export

import (
	"encoding/json"
	"regexp"
	"strings"
)

var plainName = regexp.MustCompile(`^[A-Za-z0-9_.\-/@+]+$`)

// Display renders a secret name for a log line, a summary or a terminal.
// Names can come from a backend or the environment, so a name that is not
// plain is shown as a JSON string with "#" escaped too: the runner treats
// "::" at a line start and "##[" anywhere as commands, and terminals act on
// control characters.
func Display(name string) string {
	if plainName.MatchString(name) {
		return name
	}
	b, err := json.Marshal(name)
	if err != nil {
		return `"?"`
	}
	return strings.ReplaceAll(string(b), "#", `\u0023`)
}
