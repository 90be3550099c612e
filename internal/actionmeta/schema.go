// Package actionmeta checks action metadata files (action.yml) the way
// GitHub's runner does when it loads an action, before any step runs: the
// keys its schema has for each kind of action, the type of each value, and
// the named values and functions that each key's expressions may use. A
// file the runner would refuse fails every job that uses the action, and
// neither act nor actionlint checks this, so the project checks it itself.
// The package also evaluates those expressions, for tests that run the
// action as the runner does.
package actionmeta

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Context is the set of named values and functions that an expression at
// one key may use, besides the built-in functions every expression has.
type Context struct {
	Names []string
	Funcs []string
}

// The contexts of the runner's schema (src/Runner.Worker/action_yaml.json
// in actions/runner), key by key.
var (
	// NoExpressions is every key the schema gives no context: runs.image,
	// runs.entrypoint, post-entrypoint and the like.
	NoExpressions = (*Context)(nil)
	// InputsOnly is runs.args items and runs.env values of a Docker action.
	InputsOnly = &Context{Names: []string{"inputs"}}
	// InputDefault is inputs.<id>.default.
	InputDefault = &Context{Names: []string{"github", "strategy", "matrix", "job", "runner"}, Funcs: []string{"hashFiles"}}
	// OutputValue is outputs.<id>.value of a composite action.
	OutputValue = &Context{Names: []string{"github", "strategy", "matrix", "steps", "inputs", "job", "runner", "env"}}
	// CompositeStep is a composite step's env, with, run, name, shell,
	// working-directory and continue-on-error.
	CompositeStep = &Context{Names: []string{"github", "inputs", "strategy", "matrix", "steps", "job", "runner", "env"}, Funcs: []string{"hashFiles"}}
	// CompositeIf is a composite step's if, which also has the status
	// functions.
	CompositeIf = &Context{Names: CompositeStep.Names, Funcs: []string{"hashFiles", "always", "failure", "cancelled", "success"}}
)

// Builtins are the functions allowed wherever an expression is.
var Builtins = []string{"format", "contains", "startsWith", "endsWith", "join", "toJSON", "fromJSON"}

// Problem is one thing the runner would refuse.
type Problem struct {
	Line int
	// Key is the dotted path of the value, such as runs.args[1].
	Key     string
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s: %s", p.Line, p.Key, p.Message) }

type kind int

const (
	kindString kind = iota
	kindNonEmptyString
	kindSequence
	kindMapping
	kindAny
)

// field is what the schema says of one key.
type field struct {
	kind     kind
	required bool
	context  *Context
	// check walks a mapping or sequence value.
	check func(c *checker, key string, n *yaml.Node)
}

// Check returns every problem the runner's loader would find in an action
// metadata file, in file order.
func Check(data []byte) []Problem {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []Problem{{Key: "(file)", Message: "not YAML: " + err.Error()}}
	}
	c := &checker{}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return []Problem{{Line: doc.Line, Key: "(file)", Message: "not a mapping"}}
	}
	c.root(doc.Content[0])
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Line < c.problems[j].Line })
	return c.problems
}

type checker struct {
	problems []Problem
}

func (c *checker) problem(n *yaml.Node, key, format string, args ...any) {
	c.problems = append(c.problems, Problem{Line: n.Line, Key: key, Message: fmt.Sprintf(format, args...)})
}

// mapping checks a mapping against its fields; loose says whether keys
// the schema does not name are allowed (with any value).
func (c *checker) mapping(key string, n *yaml.Node, fields map[string]field, loose bool) map[string]*yaml.Node {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		sub := join(key, name)
		if _, dup := seen[name]; dup {
			c.problem(k, sub, "duplicate key")
		}
		seen[name] = v
		f, ok := fields[name]
		if !ok {
			if !loose {
				c.problem(k, sub, "not a key the runner's schema has here")
			}
			continue
		}
		c.value(sub, v, f)
	}
	for name, f := range fields {
		if _, ok := seen[name]; f.required && !ok {
			c.problem(n, join(key, name), "required, and missing")
		}
	}
	return seen
}

func (c *checker) value(key string, v *yaml.Node, f field) {
	switch f.kind {
	case kindString, kindNonEmptyString:
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			c.problem(v, key, "must be a string (quote it)")
			return
		}
		if f.kind == kindNonEmptyString && v.Value == "" {
			c.problem(v, key, "must not be empty")
		}
		c.expressions(key, v, f.context)
	case kindSequence:
		if v.Kind != yaml.SequenceNode {
			c.problem(v, key, "must be a sequence")
			return
		}
	case kindMapping:
		if v.Kind != yaml.MappingNode {
			c.problem(v, key, "must be a mapping")
			return
		}
	}
	if f.check != nil {
		f.check(c, key, v)
	}
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

func str(ctx *Context) field       { return field{kind: kindString, context: ctx} }
func nonEmpty(ctx *Context) field  { return field{kind: kindNonEmptyString, context: ctx} }
func required(f field) field       { f.required = true; return f }
func stringMap(ctx *Context) field { return field{kind: kindMapping, check: eachString(ctx)} }

func eachString(ctx *Context) func(c *checker, key string, n *yaml.Node) {
	return func(c *checker, key string, n *yaml.Node) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.value(join(key, n.Content[i].Value), n.Content[i+1], str(ctx))
		}
	}
}

func (c *checker) root(n *yaml.Node) {
	c.mapping("", n, map[string]field{
		"name":        required(str(NoExpressions)),
		"description": required(str(NoExpressions)),
		"inputs":      {kind: kindMapping, check: (*checker).inputs},
		"outputs":     {kind: kindMapping},
		"runs":        {kind: kindMapping, required: true},
	}, true)
	var runs, outputs *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "runs":
			runs = n.Content[i+1]
		case "outputs":
			outputs = n.Content[i+1]
		}
	}
	if runs == nil || runs.Kind != yaml.MappingNode {
		return
	}
	using := ""
	for i := 0; i+1 < len(runs.Content); i += 2 {
		if runs.Content[i].Value == "using" {
			using = runs.Content[i+1].Value
		}
	}
	composite := using == "composite"
	switch {
	case using == "docker":
		c.mapping("runs", runs, map[string]field{
			"using":           required(nonEmpty(NoExpressions)),
			"image":           required(nonEmpty(NoExpressions)),
			"entrypoint":      nonEmpty(NoExpressions),
			"args":            {kind: kindSequence, check: eachItem(nonEmpty(InputsOnly))},
			"env":             stringMap(InputsOnly),
			"pre-entrypoint":  nonEmpty(NoExpressions),
			"pre-if":          nonEmpty(NoExpressions),
			"post-entrypoint": nonEmpty(NoExpressions),
			"post-if":         nonEmpty(NoExpressions),
		}, false)
	case composite:
		c.mapping("runs", runs, map[string]field{
			"using": required(nonEmpty(NoExpressions)),
			"steps": {kind: kindSequence, required: true, check: (*checker).steps},
		}, false)
	case strings.HasPrefix(using, "node"):
		c.mapping("runs", runs, map[string]field{
			"using":   required(nonEmpty(NoExpressions)),
			"main":    required(nonEmpty(NoExpressions)),
			"pre":     nonEmpty(NoExpressions),
			"pre-if":  nonEmpty(NoExpressions),
			"post":    nonEmpty(NoExpressions),
			"post-if": nonEmpty(NoExpressions),
		}, false)
	default:
		c.problem(runs, "runs.using", "%q is not docker, composite or node", using)
	}
	if outputs != nil && outputs.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(outputs.Content); i += 2 {
			key := "outputs." + outputs.Content[i].Value
			v := outputs.Content[i+1]
			if v.Kind != yaml.MappingNode {
				c.problem(v, key, "must be a mapping")
				continue
			}
			fields := map[string]field{"description": str(NoExpressions)}
			if composite {
				fields["value"] = required(str(OutputValue))
			} else {
				// The runner's schema has value for every output, but only
				// a composite's is evaluated; a Docker action's outputs
				// come from what its container writes.
				fields["value"] = str(NoExpressions)
			}
			c.mapping(key, v, fields, false)
		}
	}
}

func eachItem(f field) func(c *checker, key string, n *yaml.Node) {
	return func(c *checker, key string, n *yaml.Node) {
		for i, item := range n.Content {
			c.value(fmt.Sprintf("%s[%d]", key, i), item, f)
		}
	}
}

func (c *checker) inputs(key string, n *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		sub := join(key, n.Content[i].Value)
		v := n.Content[i+1]
		if n.Content[i].Value == "" {
			c.problem(n.Content[i], sub, "an input needs a name")
		}
		if v.Kind != yaml.MappingNode {
			c.problem(v, sub, "must be a mapping")
			continue
		}
		c.mapping(sub, v, map[string]field{
			"default":     str(InputDefault),
			"description": str(NoExpressions),
			"required":    {kind: kindAny},
		}, true)
	}
}

func (c *checker) steps(key string, n *yaml.Node) {
	for i, step := range n.Content {
		sub := fmt.Sprintf("%s[%d]", key, i)
		if step.Kind != yaml.MappingNode {
			c.problem(step, sub, "must be a mapping")
			continue
		}
		common := map[string]field{
			"name":              str(CompositeStep),
			"id":                nonEmpty(NoExpressions),
			"env":               stringMap(CompositeStep),
			"if":                {kind: kindString, context: CompositeIf},
			"continue-on-error": str(CompositeStep),
		}
		isRun := false
		for j := 0; j+1 < len(step.Content); j += 2 {
			if step.Content[j].Value == "run" {
				isRun = true
			}
		}
		if isRun {
			common["run"] = required(str(CompositeStep))
			common["shell"] = required(nonEmpty(CompositeStep))
			common["working-directory"] = str(CompositeStep)
		} else {
			common["uses"] = required(nonEmpty(NoExpressions))
			common["with"] = stringMap(CompositeStep)
		}
		c.mapping(sub, step, common, false)
	}
}
