module github.com/prefect-secrets/prefect-secrets-action

go 1.26.0

require (
	github.com/pelletier/go-toml/v2 v2.4.3
	github.com/sethvargo/go-githubactions v1.3.1
	golang.org/x/text v0.44.0
)

require github.com/hashicorp/go-envparse v0.1.0

require gopkg.in/yaml.v3 v3.0.1
