package prefect

import (
	"strings"

	"github.com/prefect-secrets/prefect-secrets-action/internal/pyvalue"
)

// prefect1Defaults are the settings Prefect 1.4.1 ships in its packaged
// configuration, in its order. Secrets can reference any of them with
// ${section.key}, and they go through the same expansion and typing as user
// values, so they are part of what a secret resolves to.
var prefect1Defaults = []struct {
	key   string
	value any // string, bool, int or float64
}{
	{"debug", false},
	{"home_dir", "~/.prefect"},
	{"backend", "cloud"},
	{"server.host", "http://localhost"},
	{"server.port", "4200"},
	{"server.host_port", "4200"},
	{"server.host_ip", "127.0.0.1"},
	{"server.endpoint", "${server.host}:${server.port}"},
	{"server.database.host", "localhost"},
	{"server.database.port", "5432"},
	{"server.database.host_port", "5432"},
	{"server.database.name", "prefect_server"},
	{"server.database.username", "prefect"},
	{"server.database.password", "test-password"},
	{"server.database.connection_url", "postgresql://${server.database.username}:${server.database.password}@${server.database.host}:${server.database.port}/${server.database.name}"},
	{"server.database.volume_path", "${home_dir}/pg_data"},
	{"server.graphql.host", "0.0.0.0"},
	{"server.graphql.port", "4201"},
	{"server.graphql.host_port", "4201"},
	{"server.graphql.debug", false},
	{"server.graphql.path", "/graphql/"},
	{"server.hasura.host", "localhost"},
	{"server.hasura.port", "3000"},
	{"server.hasura.host_port", "3000"},
	{"server.hasura.admin_secret", ""},
	{"server.hasura.claims_namespace", "hasura-claims"},
	{"server.hasura.graphql_url", "http://${server.hasura.host}:${server.hasura.port}/v1alpha1/graphql"},
	{"server.hasura.ws_url", "ws://${server.hasura.host}:${server.hasura.port}/v1alpha1/graphql"},
	{"server.hasura.execute_retry_seconds", 10},
	{"server.ui.host", "http://localhost"},
	{"server.ui.port", "8080"},
	{"server.ui.host_port", "8080"},
	{"server.ui.host_ip", "127.0.0.1"},
	{"server.ui.endpoint", "${server.ui.host}:${server.ui.port}"},
	{"server.ui.apollo_url", "http://localhost:4200/graphql"},
	{"server.telemetry.enabled", true},
	{"cloud.api", "${${backend}.endpoint}"},
	{"cloud.endpoint", "https://api.prefect.io"},
	{"cloud.graphql", "${cloud.api}/graphql"},
	{"cloud.use_local_secrets", true},
	{"cloud.heartbeat_interval", 30.0},
	{"cloud.heartbeat_mode", "process"},
	{"cloud.check_cancellation_interval", 15.0},
	{"cloud.diagnostics", false},
	{"cloud.request_timeout", 15},
	{"cloud.send_flow_run_logs", true},
	{"cloud.logging_heartbeat", 5},
	{"cloud.queue_interval", 30.0},
	{"cloud.api_key", ""},
	{"cloud.tenant_id", ""},
	{"cloud.agent.name", "agent"},
	{"cloud.agent.labels", "[]"},
	{"cloud.agent.level", "INFO"},
	{"cloud.agent.auth_token", ""},
	{"cloud.agent.agent_address", ""},
	{"cloud.agent.kubernetes_keep_alive", false},
	{"cloud.agent.resource_manager.loop_interval", 60},
	{"cloud.rate_limiting.backoff_s", 180},
	{"cloud.rate_limiting.backoff_multiplier", 10},
	{"cloud.rate_limiting.backoff_exponent", 2},
	{"cloud.rate_limiting.max_retries", 6},
	{"logging.level", "INFO"},
	{"logging.format", "[%(asctime)s] %(levelname)s - %(name)s | %(message)s"},
	{"logging.log_attributes", "[]"},
	{"logging.datefmt", "%Y-%m-%d %H:%M:%S%z"},
	{"logging.extra_loggers", "[]"},
	{"flows.eager_edge_validation", false},
	{"flows.run_on_schedule", true},
	{"flows.checkpointing", false},
	{"flows.defaults.storage.add_default_labels", true},
	{"flows.defaults.storage.default_class", "prefect.storage.Local"},
	{"tasks.defaults.max_retries", false},
	{"tasks.defaults.retry_delay", false},
	{"engine.executor.default_class", "prefect.executors.LocalExecutor"},
	{"engine.executor.dask.address", ""},
	{"engine.executor.dask.cluster_class", "distributed.deploy.local.LocalCluster"},
	{"engine.flow_runner.default_class", "prefect.engine.flow_runner.FlowRunner"},
	{"engine.task_runner.default_class", "prefect.engine.task_runner.TaskRunner"},
}

// defaultConfig returns the packaged defaults as a nested dict, as Prefect's
// toml.load of its config.toml produces it.
func defaultConfig() *pyvalue.Dict {
	root := pyvalue.NewDict()
	for _, d := range prefect1Defaults {
		parts := strings.Split(d.key, ".")
		t := root
		for _, p := range parts[:len(parts)-1] {
			next, ok := t.GetStr(p)
			if !ok {
				nd := pyvalue.NewDict()
				t.SetStr(p, nd)
				next = nd
			}
			t = next.(*pyvalue.Dict)
		}
		var v pyvalue.Value
		switch x := d.value.(type) {
		case string:
			v = pyvalue.Str(x)
		case bool:
			v = pyvalue.Bool(x)
		case int:
			v = pyvalue.NewInt(int64(x))
		case float64:
			v = pyvalue.Float(x)
		}
		t.SetStr(parts[len(parts)-1], v)
	}
	return root
}
