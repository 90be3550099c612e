package credential

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// secretKeyWords mark a key whose value is a secret in structured text:
// a kubeconfig's token, client-key-data and password, a YAML or JSON
// configuration's api_key or client_secret.
var secretKeyWords = []string{"token", "password", "passwd", "secret", "key", "credential", "auth"}

// maxTextLeaves bounds how many leaves of one text are masked: a text is
// a configuration file, not a data set.
const maxTextLeaves = 10000

// textMasks masks the leaves of a text that holds YAML (JSON too, which
// YAML reads): a file profile writes the text whole, and a tool that
// reads it may print one of its values alone, such as a kubeconfig's
// token. A value whose own key names a secret (or each item of a list
// there) is masked whatever its length; other string values long enough
// to be told apart (8 characters) are masked too. Text that is not YAML
// masks as a whole, as every value does.
func (o *out) textMasks(text string) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return
	}
	n := 0
	var walk func(node *yaml.Node, secret bool)
	walk = func(node *yaml.Node, secret bool) {
		if n >= maxTextLeaves {
			return
		}
		switch node.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range node.Content {
				walk(c, secret)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(node.Content); i += 2 {
				walk(node.Content[i+1], secretKey(node.Content[i].Value))
			}
		case yaml.ScalarNode:
			v := strings.TrimSpace(node.Value)
			switch {
			case v == "":
			case secret:
				o.StrictMasks = append(o.StrictMasks, v)
				n++
			case len(v) >= 8 && node.Tag == "!!str":
				o.Masks = append(o.Masks, v)
				n++
			}
		}
	}
	walk(&doc, false)
}

func secretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
