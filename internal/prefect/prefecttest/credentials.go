package prefecttest

import "encoding/json"

// CredentialBlocks are credential blocks of every type with a profile,
// as Prefect 3 stores them, with their schemas' secret fields, and one
// of a type without a profile (my-config/app).
var CredentialBlocks = []Block{
	{Slug: "aws-credentials", Name: "prod", SecretFields: []string{"aws_secret_access_key"},
		Data: json.RawMessage(`{"aws_access_key_id": "AKIAPROD0001", "aws_secret_access_key": "prod-secret-key-0001", "aws_session_token": null, "profile_name": null, "region_name": "eu-west-1", "aws_client_parameters": {"endpoint_url": null, "verify": true}}`)},
	{Slug: "minio-credentials", Name: "lake", SecretFields: []string{"minio_root_password"},
		Data: json.RawMessage(`{"minio_root_user": "minio-admin", "minio_root_password": "minio-pass-0001", "region_name": null, "aws_client_parameters": {"endpoint_url": "http://minio:9000"}}`)},
	{Slug: "gcp-credentials", Name: "ci", SecretFields: []string{"service_account_info.*"},
		Data: json.RawMessage(`{"service_account_info": {"type": "service_account", "project_id": "proj-ci", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIBgcp\n-----END PRIVATE KEY-----\n", "client_email": "ci@proj-ci.iam.gserviceaccount.com"}, "service_account_file": null, "project": null}`)},
	{Slug: "gcp-credentials", Name: "file-only", Data: json.RawMessage(`{"service_account_file": "/etc/key.json", "service_account_info": null}`)},
	{Slug: "azure-container-instance-credentials", Name: "az", SecretFields: []string{"client_secret"},
		Data: json.RawMessage(`{"client_id": "az-client-id", "tenant_id": "az-tenant-id", "client_secret": "az-secret-0001", "credential_kwargs": {}}`)},
	{Slug: "github-credentials", Name: "bot", SecretFields: []string{"token"}, Data: json.RawMessage(`{"token": "ghp_bottoken0001"}`)},
	{Slug: "gitlab-credentials", Name: "gl", SecretFields: []string{"token"}, Data: json.RawMessage(`{"token": "glpat-0001", "url": "https://gitlab.example.com"}`)},
	{Slug: "docker-registry-credentials", Name: "hub", SecretFields: []string{"password"},
		Data: json.RawMessage(`{"username": "hub-user", "password": "hp", "registry_url": "docker.io", "reauth": true}`)},
	{Slug: "sqlalchemy-connector", Name: "db", SecretFields: []string{"connection_info.password"},
		Data: json.RawMessage(`{"connection_info": {"driver": "postgresql+psycopg2", "database": "app", "username": "app-user", "password": "p@ss/w0rd", "host": "db.internal", "port": 5432, "query": null}, "fetch_size": 1}`)},
	{Slug: "snowflake-connector", Name: "wh", SecretFields: []string{"credentials.password", "credentials.private_key"},
		Data: json.RawMessage(`{"credentials": {"account": "acc-1", "user": "sf-user", "password": "sf-pass-0001", "private_key": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIsf\n-----END ENCRYPTED PRIVATE KEY-----\n", "role": "LOADER"}, "database": "DB", "warehouse": "WH", "schema": "PUBLIC"}`)},
	{Slug: "databricks-credentials", Name: "dbx", SecretFields: []string{"token"}, Data: json.RawMessage(`{"databricks_instance": "dbc-1.cloud.databricks.com", "token": "dapi0001", "client_id": null}`)},
	{Slug: "slack-incoming-webhook", Name: "alerts", SecretFields: []string{"url"}, Data: json.RawMessage(`{"url": "https://hooks.slack.com/services/T0/B0/xyz"}`)},
	{Slug: "kubernetes-cluster-config", Name: "prod", Data: json.RawMessage(`{"config": {"apiVersion": "v1", "users": [{"name": "u", "user": {"token": "k8s-token-0001"}}]}, "context_name": "prod"}`)},
	{Slug: "my-config", Name: "app", Data: json.RawMessage(`{"endpoint": "https://app.internal", "retries": 3, "nested": {"key": "nested-value-01"}}`)},
}
