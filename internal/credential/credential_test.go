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
