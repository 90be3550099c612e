package credential

import (
	"net"
	"net/url"
	"strings"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// profile is a fixed mapping from a credential's fields to what its tools
// read. apply accepts both shapes: the Prefect 2/3 block types listed, and
// Prefect 1's default secret of the same kind.
type profile struct {
	types     []string
	variables []string
	apply     func(Credential) (Output, error)
}

var profiles = map[string]*profile{
	"aws": {
		types:     []string{"aws-credentials", "minio-credentials"},
		variables: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"},
		apply:     applyAWS,
	},
	"gcp": {
		types: []string{"gcp-credentials"},
		variables: []string{"GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", "GOOGLE_GHA_CREDS_PATH",
			"CLOUDSDK_CORE_PROJECT", "CLOUDSDK_PROJECT", "GCLOUD_PROJECT", "GCP_PROJECT", "GOOGLE_CLOUD_PROJECT"},
		apply: applyGCP,
	},
	"azure": {
		types:     []string{"azure-blob-storage-credentials", "azure-container-instance-credentials", "azureml-credentials"},
		variables: []string{"AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_URL", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID"},
		apply:     applyAzure,
	},
	"github": {
		types:     []string{"github-credentials"},
		variables: []string{"GH_TOKEN"},
		apply:     tokenProfile("github", "GH_TOKEN", "token"),
	},
	"gitlab": {
		types:     []string{"gitlab-credentials"},
		variables: []string{"GITLAB_TOKEN", "GITLAB_HOST"},
		apply:     applyGitLab,
	},
	"docker": {
		types:     []string{"docker-registry-credentials"},
		variables: []string{"DOCKER_USERNAME", "DOCKER_PASSWORD", "DOCKER_REGISTRY"},
		apply:     applyDocker,
	},
	"database": {
		types:     []string{"sqlalchemy-connector", "async-sqlalchemy-connector"},
		variables: []string{"DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"},
		apply:     applyDatabase,
	},
	"snowflake": {
		types: []string{"snowflake-credentials", "snowflake-connector"},
		variables: []string{"SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_ROLE", "SNOWFLAKE_AUTHENTICATOR",
			"SNOWFLAKE_TOKEN", "SNOWFLAKE_PRIVATE_KEY_FILE", "SNOWFLAKE_PRIVATE_KEY_PATH", "PRIVATE_KEY_PASSPHRASE",
			"SNOWFLAKE_DATABASE", "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_SCHEMA"},
		apply: applySnowflake,
	},
	"databricks": {
		types:     []string{"databricks-credentials"},
		variables: []string{"DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "ARM_TENANT_ID"},
		apply:     applyDatabricks,
	},
	"slack": {
		types:     []string{"slack-incoming-webhook", "slack-webhook", "slack-credentials"},
		variables: []string{"SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN"},
		apply:     applySlack,
	},
	"kubernetes": {
		types:     []string{"kubernetes-cluster-config"},
		variables: []string{"KUBECONFIG"},
		apply:     applyKubernetes,
	},
}

// out collects variables in order, leaving out empty optional ones.
type out struct{ Output }

func (o *out) set(name, value string) {
	o.Variables = append(o.Variables, Variable{Name: name, Value: value})
}

func (o *out) setIf(name, value string) {
	if value != "" {
		o.set(name, value)
	}
}

// applyAWS reads aws-credentials, minio-credentials and Prefect 1's
// AWS_CREDENTIALS ({ACCESS_KEY, SECRET_ACCESS_KEY, SESSION_TOKEN}).
func applyAWS(c Credential) (Output, error) {
	f, err := newFields(c, "aws")
	if err != nil {
		return Output{}, err
	}
	var keyField, secretField, tokenField string
	switch {
	case f.has("ACCESS_KEY") || f.has("SECRET_ACCESS_KEY"):
		keyField, secretField, tokenField = "ACCESS_KEY", "SECRET_ACCESS_KEY", "SESSION_TOKEN"
	case f.has("minio_root_user") || f.has("minio_root_password"):
		keyField, secretField = "minio_root_user", "minio_root_password"
	default:
		keyField, secretField, tokenField = "aws_access_key_id", "aws_secret_access_key", "aws_session_token"
	}
	var o out
	key := f.need(keyField)
	secret := f.need(secretField)
	token := ""
	if tokenField != "" {
		token = f.get(tokenField)
	}
	region := f.first("region_name", "REGION")
	endpoint := f.first("aws_client_parameters.endpoint_url", "ENDPOINT_URL")
	o.set("AWS_ACCESS_KEY_ID", key)
	o.set("AWS_SECRET_ACCESS_KEY", secret)
	// Exported even when empty, so a token left by an earlier step is
	// cleared, as aws-actions/configure-aws-credentials does.
	o.set("AWS_SESSION_TOKEN", token)
	o.setIf("AWS_REGION", region)
	o.setIf("AWS_DEFAULT_REGION", region)
	o.setIf("AWS_ENDPOINT_URL", endpoint)
	return f.result(o.Output)
}

// applyGCP writes the service-account key to a file. A gcp-credentials
// block holds it in service_account_info; Prefect 1's GCP_CREDENTIALS is
// the key itself.
func applyGCP(c Credential) (Output, error) {
	f, err := newFields(c, "gcp")
	if err != nil {
		return Output{}, err
	}
	var key *pyvalue.Dict
	switch {
	case f.has("service_account_info"):
		v, _ := lookup(f.dict, "service_account_info")
		d, ok := v.(*pyvalue.Dict)
		if !ok {
			return Output{}, &Error{Label: c.Label, Profile: "gcp", Field: "service_account_info", Why: "is not an object"}
		}
		key = d
	case f.has("private_key") || f.has("client_email"):
		key = f.dict
	case f.has("service_account_file"):
		return Output{}, &Error{Label: c.Label, Profile: "gcp", Field: "service_account_file",
			Why: "is a path on the flow's host, not a key; store the key in service_account_info"}
	default:
		return Output{}, &Error{Label: c.Label, Profile: "gcp", Field: "service_account_info", Why: "is missing or empty"}
	}
	keyJSON, _, err := pyvalue.Render(key)
	if err != nil {
		return Output{}, &Error{Label: c.Label, Profile: "gcp", Field: "service_account_info", Why: "cannot be written as JSON"}
	}
	project := f.get("project")
	if project == "" {
		if v, ok := key.GetStr("project_id"); ok {
			project, _, _ = pyvalue.Render(v)
		}
	}
	var o out
	for _, v := range []string{"GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", "GOOGLE_GHA_CREDS_PATH"} {
		o.Files = append(o.Files, File{Var: v, Name: "gcp-credentials.json", Content: []byte(keyJSON)})
	}
	for _, v := range []string{"CLOUDSDK_CORE_PROJECT", "CLOUDSDK_PROJECT", "GCLOUD_PROJECT", "GCP_PROJECT", "GOOGLE_CLOUD_PROJECT"} {
		o.setIf(v, project)
	}
	return f.result(o.Output)
}

// applyAzure reads the Azure blocks and Prefect 1's AZ_CREDENTIALS; a
// bare string (AZURE_STORAGE_CONNECTION_STRING, AZ_CONNECTION_STRING) is a
// connection string.
func applyAzure(c Credential) (Output, error) {
	var o out
	if s, ok := c.Value.(pyvalue.Str); ok && s != "" {
		o.set("AZURE_STORAGE_CONNECTION_STRING", string(s))
		return o.Output, nil
	}
	f, err := newFields(c, "azure")
	if err != nil {
		return Output{}, err
	}
	conn := f.get("connection_string")
	accountURL := f.get("account_url")
	clientID := f.first("client_id", "service_principal_id")
	tenant := f.get("tenant_id")
	secret := f.first("client_secret", "service_principal_password")
	subscription := f.get("subscription_id")
	if err := f.problem(); err != nil {
		return Output{}, err
	}
	if conn == "" && (clientID == "" || tenant == "" || secret == "") {
		missing := "client_secret"
		switch {
		case clientID == "":
			missing = "client_id"
		case tenant == "":
			missing = "tenant_id"
		}
		return Output{}, &Error{Label: c.Label, Profile: "azure", Field: missing, Why: "is missing or empty, and there is no connection_string"}
	}
	o.setIf("AZURE_STORAGE_CONNECTION_STRING", conn)
	o.setIf("AZURE_STORAGE_ACCOUNT_URL", accountURL)
	o.setIf("AZURE_CLIENT_ID", clientID)
	o.setIf("AZURE_TENANT_ID", tenant)
	o.setIf("AZURE_CLIENT_SECRET", secret)
	o.setIf("AZURE_SUBSCRIPTION_ID", subscription)
	return o.Output, nil
}

// tokenProfile exports one token: a block's field, or a Prefect 1 secret
// that is the token itself.
func tokenProfile(name, variable, field string) func(Credential) (Output, error) {
	return func(c Credential) (Output, error) {
		var o out
		if s, ok := c.Value.(pyvalue.Str); ok {
			if s == "" {
				return Output{}, &Error{Label: c.Label, Profile: name, Why: "the token is empty"}
			}
			o.set(variable, string(s))
			return o.Output, nil
		}
		f, err := newFields(c, name)
		if err != nil {
			return Output{}, err
		}
		o.set(variable, f.need(field))
		return f.result(o.Output)
	}
}

func applyGitLab(c Credential) (Output, error) {
	o, err := tokenProfile("gitlab", "GITLAB_TOKEN", "token")(c)
	if err != nil {
		return Output{}, err
	}
	if d, ok := c.Value.(*pyvalue.Dict); ok {
		if v, ok := d.GetStr("url"); ok {
			if text, _, err := pyvalue.Render(v); err == nil && text != "" {
				o.Variables = append(o.Variables, Variable{Name: "GITLAB_HOST", Value: text})
			}
		}
	}
	return o, nil
}

func applyDocker(c Credential) (Output, error) {
	f, err := newFields(c, "docker")
	if err != nil {
		return Output{}, err
	}
	user := f.need("username")
	password := f.need("password")
	registry := f.get("registry_url")
	var o out
	o.set("DOCKER_USERNAME", user)
	o.set("DOCKER_PASSWORD", password)
	o.setIf("DOCKER_REGISTRY", registry)
	return f.result(o.Output)
}

// applyDatabase builds DATABASE_URL from a connector's components, with
// URL escaping, or takes its URL as given; PostgreSQL gets libpq's PG*.
func applyDatabase(c Credential) (Output, error) {
	var o out
	var raw string
	switch v := c.Value.(type) {
	case pyvalue.Str:
		raw = string(v)
	case *pyvalue.Dict:
		info, ok := v.GetStr("connection_info")
		if !ok {
			info = v
		}
		if s, ok := info.(pyvalue.Str); ok {
			raw = string(s)
			break
		}
		d, ok := info.(*pyvalue.Dict)
		if !ok {
			return Output{}, &Error{Label: c.Label, Profile: "database", Field: "connection_info", Why: "is neither a URL nor components"}
		}
		built, err := buildURL(c, d)
		if err != nil {
			return Output{}, err
		}
		raw = built
	default:
		return Output{}, &Error{Label: c.Label, Profile: "database", Why: "needs a URL or a connector, and the value is " + describe(c.Value)}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return Output{}, &Error{Label: c.Label, Profile: "database", Field: "connection_info", Why: "is not a URL"}
	}
	o.set("DATABASE_URL", raw)
	o.urlMasks(u)
	driver := strings.ToLower(strings.SplitN(u.Scheme, "+", 2)[0])
	if driver == "postgresql" || driver == "postgres" {
		o.setIf("PGHOST", u.Hostname())
		o.setIf("PGPORT", u.Port())
		if u.User != nil {
			o.setIf("PGUSER", u.User.Username())
			if p, ok := u.User.Password(); ok {
				o.setIf("PGPASSWORD", p)
			}
		}
		o.setIf("PGDATABASE", strings.TrimPrefix(u.Path, "/"))
	}
	return o.Output, nil
}

// urlMasks masks the forms a URL's credentials take in it: a password
// with @, : or / is escaped in the URL, and a tool that prints the URL
// without its path, or the userinfo alone, shows that form, which is
// neither the stored value nor the whole URL. Each is masked whatever its
// length, and in every escaping a tool may redo it in.
func (o *out) urlMasks(u *url.URL) {
	if u.User == nil {
		return
	}
	user := u.User.Username()
	forms := []string{user, url.QueryEscape(user), url.PathEscape(user)}
	if p, ok := u.User.Password(); ok {
		// The userinfo form, as url.URL writes it and as it stands in the
		// text given.
		_, escaped, _ := strings.Cut(url.UserPassword("", p).String(), ":")
		forms = append(forms, p, escaped, url.QueryEscape(p), url.PathEscape(p))
		if _, raw, ok := strings.Cut(u.User.String(), ":"); ok {
			forms = append(forms, raw)
		}
	}
	for _, f := range forms {
		if f != "" {
			o.StrictMasks = append(o.StrictMasks, f)
		}
	}
}

func buildURL(c Credential, d *pyvalue.Dict) (string, error) {
	f := &fields{c: c, profile: "database", dict: d, err: new(error)}
	driver := f.need("driver")
	database := f.get("database")
	user := f.get("username")
	password := f.get("password")
	host := f.get("host")
	port := f.get("port")
	u := url.URL{Scheme: driver, Host: host}
	if err := f.problem(); err != nil {
		return "", err
	}
	switch {
	case port != "":
		u.Host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":") && !strings.HasPrefix(host, "["):
		// An IPv6 address is bracketed in a URL, with or without a port.
		u.Host = "[" + host + "]"
	}
	switch {
	case user != "" && password != "":
		u.User = url.UserPassword(user, password)
	case user != "":
		u.User = url.User(user)
	}
	if database != "" {
		u.Path = "/" + database
	}
	if q, ok := d.GetStr("query"); ok {
		if qd, ok := q.(*pyvalue.Dict); ok {
			values := url.Values{}
			for i := 0; i < qd.Len(); i++ {
				k, _ := qd.Key(i).(pyvalue.Str)
				text, _, _ := pyvalue.Render(qd.Val(i))
				values.Add(string(k), text)
			}
			u.RawQuery = values.Encode()
		}
	}
	return u.String(), nil
}

// applySnowflake reads snowflake-credentials, or a snowflake-connector
// with its credentials nested; a private key goes to a file.
func applySnowflake(c Credential) (Output, error) {
	f, err := newFields(c, "snowflake")
	if err != nil {
		return Output{}, err
	}
	creds := f
	if v, ok := f.dict.GetStr("credentials"); ok {
		d, ok := v.(*pyvalue.Dict)
		if !ok {
			return Output{}, &Error{Label: c.Label, Profile: "snowflake", Field: "credentials", Why: "is not an object"}
		}
		creds = f.sub(d)
	}
	var o out
	account := creds.need("account")
	user := creds.need("user")
	o.set("SNOWFLAKE_ACCOUNT", account)
	o.set("SNOWFLAKE_USER", user)
	for _, m := range []struct{ field, variable string }{
		{"password", "SNOWFLAKE_PASSWORD"}, {"role", "SNOWFLAKE_ROLE"}, {"authenticator", "SNOWFLAKE_AUTHENTICATOR"},
		{"token", "SNOWFLAKE_TOKEN"}, {"private_key_passphrase", "PRIVATE_KEY_PASSPHRASE"},
	} {
		o.setIf(m.variable, creds.get(m.field))
	}
	key := creds.get("private_key")
	if key != "" {
		for _, v := range []string{"SNOWFLAKE_PRIVATE_KEY_FILE", "SNOWFLAKE_PRIVATE_KEY_PATH"} {
			o.Files = append(o.Files, File{Var: v, Name: "snowflake-private-key.p8", Content: []byte(key)})
		}
	}
	for _, m := range []struct{ field, variable string }{
		{"database", "SNOWFLAKE_DATABASE"}, {"warehouse", "SNOWFLAKE_WAREHOUSE"}, {"schema", "SNOWFLAKE_SCHEMA"},
	} {
		o.setIf(m.variable, f.get(m.field))
	}
	return f.result(o.Output)
}

func applyDatabricks(c Credential) (Output, error) {
	f, err := newFields(c, "databricks")
	if err != nil {
		return Output{}, err
	}
	host := f.need("databricks_instance")
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	var o out
	o.set("DATABRICKS_HOST", host)
	for _, m := range []struct{ field, variable string }{
		{"token", "DATABRICKS_TOKEN"}, {"client_id", "DATABRICKS_CLIENT_ID"}, {"client_secret", "DATABRICKS_CLIENT_SECRET"}, {"tenant_id", "ARM_TENANT_ID"},
	} {
		o.setIf(m.variable, f.get(m.field))
	}
	return f.result(o.Output)
}

// applySlack takes a webhook block's url, a credentials block's token, or
// Prefect 1's SLACK_WEBHOOK_URL string.
func applySlack(c Credential) (Output, error) {
	var o out
	if s, ok := c.Value.(pyvalue.Str); ok {
		if s == "" {
			return Output{}, &Error{Label: c.Label, Profile: "slack", Why: "the webhook URL is empty"}
		}
		o.set("SLACK_WEBHOOK_URL", string(s))
		return o.Output, nil
	}
	f, err := newFields(c, "slack")
	if err != nil {
		return Output{}, err
	}
	hook := f.get("url")
	token := f.get("token")
	if err := f.problem(); err != nil {
		return Output{}, err
	}
	if hook == "" && token == "" {
		return Output{}, &Error{Label: c.Label, Profile: "slack", Field: "url", Why: "is missing or empty, and there is no token"}
	}
	o.setIf("SLACK_WEBHOOK_URL", hook)
	o.setIf("SLACK_BOT_TOKEN", token)
	return o.Output, nil
}

// applyKubernetes writes a kubeconfig: the block's config (an object,
// written as JSON, which kubectl reads as YAML), with context_name as its
// current context, or a Prefect 1 secret holding the kubeconfig text.
func applyKubernetes(c Credential) (Output, error) {
	var o out
	if s, ok := c.Value.(pyvalue.Str); ok {
		if strings.TrimSpace(string(s)) == "" {
			return Output{}, &Error{Label: c.Label, Profile: "kubernetes", Why: "the kubeconfig is empty"}
		}
		o.Files = append(o.Files, File{Var: "KUBECONFIG", Name: "kubeconfig", Content: []byte(s)})
		o.textMasks(string(s))
		return o.Output, nil
	}
	f, err := newFields(c, "kubernetes")
	if err != nil {
		return Output{}, err
	}
	v, ok := f.dict.GetStr("config")
	if !ok {
		v = f.dict
	}
	cfg, ok := v.(*pyvalue.Dict)
	if !ok || cfg.Len() == 0 {
		return Output{}, &Error{Label: c.Label, Profile: "kubernetes", Field: "config", Why: "is missing or not an object"}
	}
	if name := f.get("context_name"); name != "" {
		cfg = cfg.Copy()
		cfg.SetStr("current-context", pyvalue.Str(name))
	}
	text, _, err := pyvalue.Render(cfg)
	if err != nil {
		return Output{}, &Error{Label: c.Label, Profile: "kubernetes", Field: "config", Why: "cannot be written as JSON"}
	}
	o.Files = append(o.Files, File{Var: "KUBECONFIG", Name: "kubeconfig", Content: []byte(text)})
	return f.result(o.Output)
}

// AsFile is the file profile: the rendered value written to a file whose
// path is exported as variable.
func AsFile(variable string, c Credential, minMask int) Output {
	o := out{Output{Files: []File{{Var: variable, Name: strings.ToLower(variable), Content: []byte(c.Text)}}}}
	if _, ok := c.Value.(pyvalue.Str); ok {
		o.textMasks(c.Text)
	}
	o.addMasks(c, minMask)
	return o.Output
}
