// Package prefect resolves secrets the way Prefect does, and knows nothing
// of GitHub: Prefect 1's local sources in its order (the
// PREFECT__CONTEXT__SECRETS__* variables, the [context.secrets] tables of
// the user and backend configuration and local-secrets TOML, with
// Prefect's $VAR and ${...} expansion and typing), and the rendering of every value as
// Prefect prints it, from local sources and from the backends. The
// backends themselves are the subpackages cloud1 (Prefect Cloud 1.0
// GraphQL) and rest (Prefect 2/3); prefecttest holds their fakes.
package prefect
