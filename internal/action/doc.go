// Package action runs Prefect Secrets end to end, as an orchestrator: it
// parses the inputs into one config, resolves every declared secret and
// Variable (local sources first, then the backend), plans the exports
// (values, profiles, flattened blocks, credential files) with their masks,
// and delivers them all or nothing: to the runner's file commands, to an
// env-file, or printed for a shell outside GitHub Actions. The post step
// (Post) removes the credential files the main step wrote.
//
// The package reads nothing from the process itself: the environment,
// the clock, standard output and the HTTP client come in a World.
package action
