package cloud1

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shurcooL/graphql"

	"github.com/prefect-secrets/prefect-secrets-action/internal/prefect"
)

// Plan reads the current value of every secret with one query (as reads
// do), so that a write can tell create from update and skip a secret that
// already holds the value.
func (b *Backend) Plan(ctx context.Context, changes []prefect.Change) ([]prefect.Planned, error) {
	names := make([]string, 0, len(changes))
	for _, c := range changes {
		if c.Variable {
			return nil, fmt.Errorf("graphql backend: %q: Prefect Cloud 1.0 has no Variables", c.Key)
		}
		names = append(names, c.Key)
	}
	current, err := b.rawValues(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make([]prefect.Planned, 0, len(changes))
	for _, c := range changes {
		p := prefect.Planned{Change: c}
		if v, ok := current[c.Key]; ok {
			p.Exists, p.Differs = true, !prefect.SameJSON(v, c.Value)
		}
		out = append(out, p)
	}
	return out, nil
}

// set_secret_input is the API's input type of that name: the library
// names a variable's GraphQL type after its Go type.
type set_secret_input struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// Write sets one secret with the set_secret mutation, which creates or
// replaces it: Prefect Cloud 1.0 has no other write and no conflicts.
func (b *Backend) Write(ctx context.Context, p prefect.Planned, _ bool) (prefect.Action, error) {
	var m struct {
		SetSecret struct {
			Success graphql.Boolean
		} `graphql:"set_secret(input: $input)"`
	}
	vars := map[string]any{"input": set_secret_input{Name: p.Key, Value: p.Value}}
	if err := b.gql.Mutate(ctx, &m, vars); err != nil {
		return "", b.wrap(fmt.Sprintf("writing %q", p.Key), err)
	}
	if !m.SetSecret.Success {
		return "", b.wrap(fmt.Sprintf("writing %q", p.Key), errors.New("the server answered success: false"))
	}
	if p.Exists {
		return prefect.ActionUpdate, nil
	}
	return prefect.ActionCreate, nil
}
