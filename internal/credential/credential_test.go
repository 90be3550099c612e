package credential

import (
	"errors"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

func cred(t *testing.T, label, jsonText string, secretFields ...string) Credential {
	t.Helper()
	v, err := pyvalue.Loads(jsonText)
	if err != nil {
		t.Fatalf("%s: %v", jsonText, err)
	}
	text, _, _ := pyvalue.Render(v)
	return Credential{Label: label, Value: v, Text: text, SecretFields: secretFields}
}

func vars(o Output) string {
	var b strings.Builder
	for _, v := range o.Variables {
		b.WriteString(v.Name + "=" + v.Value + ";")
	}
	for _, f := range o.Files {
		b.WriteString(f.Var + "@" + f.Name + "=" + string(f.Content) + ";")
	}
	return b.String()
}

func TestProfiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, profile, data, want string
	}{
		{"aws block", "aws", `{"aws_access_key_id": "AKIA1", "aws_secret_access_key": "s3cr3t", "region_name": "eu-west-1", "aws_client_parameters": {"endpoint_url": "http://minio:9000"}}`,
			"AWS_ACCESS_KEY_ID=AKIA1;AWS_SECRET_ACCESS_KEY=s3cr3t;AWS_SESSION_TOKEN=;AWS_REGION=eu-west-1;AWS_DEFAULT_REGION=eu-west-1;AWS_ENDPOINT_URL=http://minio:9000;"},
		{"aws prefect 1", "aws", `{"ACCESS_KEY": "AKIA1", "SECRET_ACCESS_KEY": "s3cr3t", "SESSION_TOKEN": "tok"}`,
			"AWS_ACCESS_KEY_ID=AKIA1;AWS_SECRET_ACCESS_KEY=s3cr3t;AWS_SESSION_TOKEN=tok;"},
		{"minio", "aws", `{"minio_root_user": "admin", "minio_root_password": "minio-pw", "region_name": null}`,
			"AWS_ACCESS_KEY_ID=admin;AWS_SECRET_ACCESS_KEY=minio-pw;AWS_SESSION_TOKEN=;"},
		{"gcp block", "gcp", `{"service_account_info": {"type": "service_account", "project_id": "p-1", "private_key": "-----K-----"}, "project": null}`,
			`CLOUDSDK_CORE_PROJECT=p-1;CLOUDSDK_PROJECT=p-1;GCLOUD_PROJECT=p-1;GCP_PROJECT=p-1;GOOGLE_CLOUD_PROJECT=p-1;GOOGLE_APPLICATION_CREDENTIALS@gcp-credentials.json={"type": "service_account", "project_id": "p-1", "private_key": "-----K-----"};CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE@gcp-credentials.json={"type": "service_account", "project_id": "p-1", "private_key": "-----K-----"};GOOGLE_GHA_CREDS_PATH@gcp-credentials.json={"type": "service_account", "project_id": "p-1", "private_key": "-----K-----"};`},
		{"gcp prefect 1 with project", "gcp", `{"type": "service_account", "project_id": "p-1", "client_email": "a@b", "private_key": "k"}`,
			`CLOUDSDK_CORE_PROJECT=p-1;CLOUDSDK_PROJECT=p-1;GCLOUD_PROJECT=p-1;GCP_PROJECT=p-1;GOOGLE_CLOUD_PROJECT=p-1;GOOGLE_APPLICATION_CREDENTIALS@gcp-credentials.json={"type": "service_account", "project_id": "p-1", "client_email": "a@b", "private_key": "k"};CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE@gcp-credentials.json={"type": "service_account", "project_id": "p-1", "client_email": "a@b", "private_key": "k"};GOOGLE_GHA_CREDS_PATH@gcp-credentials.json={"type": "service_account", "project_id": "p-1", "client_email": "a@b", "private_key": "k"};`},
		{"azure sp", "azure", `{"client_id": "c", "tenant_id": "t", "client_secret": "s", "subscription_id": "sub"}`,
			"AZURE_CLIENT_ID=c;AZURE_TENANT_ID=t;AZURE_CLIENT_SECRET=s;AZURE_SUBSCRIPTION_ID=sub;"},
		{"azure string", "azure", `"DefaultEndpointsProtocol=https;AccountKey=k"`, "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountKey=k;"},
		{"azureml", "azure", `{"tenant_id": "t", "service_principal_id": "c", "service_principal_password": "s"}`, "AZURE_CLIENT_ID=c;AZURE_TENANT_ID=t;AZURE_CLIENT_SECRET=s;"},
		{"github block", "github", `{"token": "ghp_x"}`, "GH_TOKEN=ghp_x;"},
		{"github prefect 1", "github", `"ghp_x"`, "GH_TOKEN=ghp_x;"},
		{"gitlab", "gitlab", `{"token": "glpat", "url": "https://gitlab.example"}`, "GITLAB_TOKEN=glpat;GITLAB_HOST=https://gitlab.example;"},
		{"docker", "docker", `{"username": "u", "password": "p", "registry_url": "ghcr.io", "reauth": true}`, "DOCKER_USERNAME=u;DOCKER_PASSWORD=p;DOCKER_REGISTRY=ghcr.io;"},
		{"database components", "database", `{"connection_info": {"driver": "postgresql+psycopg2", "database": "app", "username": "us er", "password": "p@ss:w/rd", "host": "db", "port": 5432}}`,
			"DATABASE_URL=postgresql+psycopg2://us%20er:p%40ss%3Aw%2Frd@db:5432/app;PGHOST=db;PGPORT=5432;PGUSER=us er;PGPASSWORD=p@ss:w/rd;PGDATABASE=app;"},
		{"database url", "database", `{"connection_info": "mysql://u:p@h/db"}`, "DATABASE_URL=mysql://u:p@h/db;"},
		{"snowflake connector", "snowflake", `{"credentials": {"account": "acc", "user": "u", "password": "p", "private_key": "PEM"}, "database": "d", "warehouse": "w", "schema": "s"}`,
			"SNOWFLAKE_ACCOUNT=acc;SNOWFLAKE_USER=u;SNOWFLAKE_PASSWORD=p;SNOWFLAKE_DATABASE=d;SNOWFLAKE_WAREHOUSE=w;SNOWFLAKE_SCHEMA=s;SNOWFLAKE_PRIVATE_KEY_FILE@snowflake-private-key.p8=PEM;SNOWFLAKE_PRIVATE_KEY_PATH@snowflake-private-key.p8=PEM;"},
		{"databricks", "databricks", `{"databricks_instance": "dbc.cloud.databricks.com", "token": "dapi"}`, "DATABRICKS_HOST=https://dbc.cloud.databricks.com;DATABRICKS_TOKEN=dapi;"},
		{"slack webhook", "slack", `{"url": "https://hooks.slack.com/x"}`, "SLACK_WEBHOOK_URL=https://hooks.slack.com/x;"},
		{"slack token", "slack", `{"token": "xoxb"}`, "SLACK_BOT_TOKEN=xoxb;"},
		{"slack prefect 1", "slack", `"https://hooks.slack.com/x"`, "SLACK_WEBHOOK_URL=https://hooks.slack.com/x;"},
		{"kubernetes", "kubernetes", `{"config": {"apiVersion": "v1", "clusters": []}, "context_name": "prod"}`,
			`KUBECONFIG@kubeconfig={"apiVersion": "v1", "clusters": [], "current-context": "prod"};`},
		{"kubernetes text", "kubernetes", `"apiVersion: v1\n"`, "KUBECONFIG@kubeconfig=apiVersion: v1\n;"},
	}
	for _, tt := range tests {
		out, err := Apply(tt.profile, cred(t, tt.name, tt.data), 4)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := vars(out); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestProfileErrorsNameTheField(t *testing.T) {
	t.Parallel()
	tests := []struct{ profile, data, want string }{
		{"aws", `{"aws_access_key_id": "AKIA"}`, `x: profile aws: field "aws_secret_access_key" is missing or empty`},
		{"aws", `"just text"`, `x: profile aws: needs an object, and the value is a string`},
		{"gcp", `{"service_account_file": "/etc/key.json"}`, `field "service_account_file" is a path on the flow's host`},
		{"azure", `{"client_id": "c"}`, `field "tenant_id" is missing or empty, and there is no connection_string`},
		{"database", `{"connection_info": {"database": "d"}}`, `field "driver" is missing or empty`},
		{"snowflake", `{"account": "a"}`, `field "user" is missing or empty`},
		{"docker", `{"username": {"nested": 1}, "password": "p"}`, `field "username" is not text`},
		{"github", `{"token": ""}`, `field "token" is missing or empty`},
	}
	for _, tt := range tests {
		_, err := Apply(tt.profile, cred(t, "x", tt.data), 4)
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %s: %v, want %q", tt.profile, tt.data, err, tt.want)
		}
	}
}

// TestPrefect1AndBlockAgree is the promise users rely on: a Prefect 1
// AWS_CREDENTIALS and an aws-credentials block export the same variables.
func TestPrefect1AndBlockAgree(t *testing.T) {
	t.Parallel()
	p1, err := Apply("aws", cred(t, "AWS_CREDENTIALS", `{"ACCESS_KEY": "AKIA9", "SECRET_ACCESS_KEY": "sec"}`), 4)
	if err != nil {
		t.Fatal(err)
	}
	block, err := Apply("aws", cred(t, "aws-credentials/prod", `{"aws_access_key_id": "AKIA9", "aws_secret_access_key": "sec", "aws_session_token": null, "profile_name": null, "region_name": null}`), 4)
	if err != nil {
		t.Fatal(err)
	}
	if vars(p1) != vars(block) {
		t.Errorf("prefect 1 %s\nblock %s", vars(p1), vars(block))
	}
}

func TestMasksCoverEveryLeaf(t *testing.T) {
	t.Parallel()
	c := cred(t, "x", `{"aws_access_key_id": "AKIA1", "aws_secret_access_key": "s3", "aws_session_token": "plain-token", "n": 12345, "ok": true}`, "aws_secret_access_key")
	out, err := Apply("aws", c, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.Masks, ","); got != "AKIA1,plain-token,12345" {
		t.Errorf("masks %q", got)
	}
	if got := strings.Join(out.StrictMasks, ","); got != "s3" {
		t.Errorf("strict masks %q", got)
	}
	c = cred(t, "x", `{"service_account_info": {"private_key": "k", "client_email": "e"}}`, "service_account_info.*")
	out, _ = Apply("gcp", c, 4)
	if got := strings.Join(out.StrictMasks, ","); got != "k,e" {
		t.Errorf("dict secret field masks %q", got)
	}
}

func TestFlatten(t *testing.T) {
	t.Parallel()
	out, err := Flatten("DB", cred(t, "x", `{"host": "h", "opts": {"ssl-mode": "require"}, "ports": [1, 2], "empty": {}}`), 4, strings.ToUpper)
	if err != nil {
		t.Fatal(err)
	}
	if got := vars(out); got != "DB_HOST=h;DB_OPTS_SSL-MODE=require;DB_PORTS=[1, 2];DB_EMPTY={};" {
		t.Errorf("got %s", got)
	}
}

func TestForType(t *testing.T) {
	t.Parallel()
	for slug, want := range map[string]string{"aws-credentials": "aws", "minio-credentials": "aws", "sqlalchemy-connector": "database", "slack-webhook": "slack"} {
		if got, err := ForType(slug); err != nil || got != want {
			t.Errorf("ForType(%s) = %q, %v", slug, got, err)
		}
	}
	if _, err := ForType("json"); !errors.Is(err, ErrNoProfile) {
		t.Errorf("json has a profile")
	}
	if !Known("file") || Known("nope") {
		t.Error("Known")
	}
}

// TestDerivedForms: a password put into a URL is masked in its escaped
// forms too, and the secret leaves of a kubeconfig given as YAML text are
// masked on their own.
func TestDerivedForms(t *testing.T) {
	t.Parallel()
	has := func(list []string, s string) bool {
		for _, l := range list {
			if l == s {
				return true
			}
		}
		return false
	}
	c := cred(t, "db", `{"connection_info": {"driver": "postgresql+psycopg2", "username": "app user", "password": "p@ss/w:rd #1", "host": "db", "database": "d"}}`, "connection_info.password")
	out, err := Apply("database", c, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Variables[0].Value; got != "postgresql+psycopg2://app%20user:p%40ss%2Fw%3Ard%20%231@db/d" {
		t.Errorf("DATABASE_URL %q", got)
	}
	for _, want := range []string{"p%40ss%2Fw%3Ard%20%231", "p%40ss%2Fw%3Ard+%231", "app%20user", "app+user", "p@ss/w:rd #1"} {
		if !has(out.StrictMasks, want) {
			t.Errorf("%q is not masked (%q)", want, out.StrictMasks)
		}
	}
	raw := cred(t, "db", `"mysql://svc:s%2Bcret%40x@db:3306/app"`)
	out, err = Apply("database", raw, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"s%2Bcret%40x", "s+cret@x"} {
		if !has(out.StrictMasks, want) {
			t.Errorf("raw URL: %q is not masked (%q)", want, out.StrictMasks)
		}
	}

	kube := "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: kt-1\n    client-key-data: LS0tLS1CRUdJTg==\n    password: pw\n    username: deployer-account\n"
	for _, o := range []Output{AsFile("KUBE", Credential{Label: "k", Value: pyvalue.Str(kube), Text: kube}, 4)} {
		for _, want := range []string{"kt-1", "LS0tLS1CRUdJTg==", "pw"} {
			if !has(o.StrictMasks, want) {
				t.Errorf("kubeconfig leaf %q is not masked (%q)", want, o.StrictMasks)
			}
		}
		if !has(o.Masks, "deployer-account") || has(o.Masks, "v1") || has(o.StrictMasks, "ci") {
			t.Errorf("masks %q, strict %q", o.Masks, o.StrictMasks)
		}
	}
	k1, err := Apply("kubernetes", Credential{Label: "k", Value: pyvalue.Str(kube), Text: kube}, 4)
	if err != nil || !has(k1.StrictMasks, "kt-1") {
		t.Errorf("Prefect 1 kubeconfig text: %v, %q", err, k1.StrictMasks)
	}
}

// TestIPv6DatabaseHost: an IPv6 host is bracketed in the URL, and PG*
// carry the address and no port.
func TestIPv6DatabaseHost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ data, want string }{
		{`{"driver": "postgresql", "username": "u", "password": "pw", "host": "::1", "database": "d"}`, "DATABASE_URL=postgresql://u:pw@[::1]/d;PGHOST=::1;PGUSER=u;PGPASSWORD=pw;PGDATABASE=d;"},
		{`{"driver": "postgresql", "username": "u", "password": "pw", "host": "fd00::5", "port": 5433, "database": "d"}`, "DATABASE_URL=postgresql://u:pw@[fd00::5]:5433/d;PGHOST=fd00::5;PGPORT=5433;PGUSER=u;PGPASSWORD=pw;PGDATABASE=d;"},
	} {
		out, err := Apply("database", cred(t, "db", `{"connection_info": `+tt.data+`}`), 4)
		if err != nil {
			t.Fatal(err)
		}
		if got := vars(out); got != tt.want {
			t.Errorf("got %s\nwant %s", got, tt.want)
		}
	}
}
