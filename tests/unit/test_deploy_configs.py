"""deploy/: every Dagster config passes Dagster's own validation, and the pieces agree with each other.

- deploy/dagster.yaml and deploy/celery/dagster.yaml: Dagster's instance schema
  (`dagster_instance_config`), then each configurable class's own schema (run coordinator, run
  launcher, concurrency), with the DAGSTER_PG_* variables set as in production.
- deploy/helm/values.yaml: the instance config that Dagster's chart renders from these values (run
  launcher, PostgreSQL, run queue, pools) through the same validation, with dagster-k8s's
  K8sRunLauncher schema; image, secrets and limits match the compose file and dagster.yaml.
- deploy/celery/celery.yaml: dagster-celery's executor schema (what `dagster-celery worker start -y`
  validates), and the executor switch of the definitions.
- deploy/docker-compose.yaml, deploy/systemd/*.service, the workspaces and env.example: one image,
  the code server's port and module where the workspaces look for them, every variable that
  dagster.yaml reads set in every service, and only real CAFE24_* variables.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import (
    class_from_code_pointer,
    dagster_instance_config,
)
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.storage.tags import PARTITION_NAME_TAG
from dagster._serdes.config_class import ConfigurableClassData

from cafe24_pipeline.schedules.common import MALL_TAG
from cafe24_pipeline.settings import Settings, SettingsError, validate_database_url

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PG_ENV = {
    "DAGSTER_PG_HOST": "db.internal",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_USER": "dagster",
    "DAGSTER_PG_PASSWORD": "secret",
    "DAGSTER_PG_DB": "dagster",
}
INSTANCE_FILES = [DEPLOY / "dagster.yaml", DEPLOY / "celery" / "dagster.yaml"]
PER_MALL_TAGS = {MALL_TAG, PARTITION_NAME_TAG}
# The CAFE24_* variables of DESIGN.md §4 a production process needs (CAFE24_MALL_ID is a CLI default).
REQUIRED_CAFE24 = {
    "CAFE24_PIPELINE_DATABASE_URL",
    "CAFE24_PIPELINE_HOME",
    "CAFE24_PIPELINE_SECRET_KEY",
    "CAFE24_CLIENT_ID",
    "CAFE24_CLIENT_SECRET",
}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture()
def pg_env(monkeypatch):
    for name, value in PG_ENV.items():
        monkeypatch.setenv(name, value)


def validated_instance(config: dict, tmp_path: Path) -> dict:
    """Dagster's own validation of an instance config: the instance schema, then each class's schema."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    processed, custom_class = dagster_instance_config(str(home))
    assert custom_class is None
    for section in ("run_coordinator", "run_launcher"):
        if section in processed:
            cls = configurable_class(processed[section])
            result = process_config(cls.config_type(), processed[section].get("config") or {})
            assert result.success, f"{section}: {[e.message for e in result.errors]}"
    return dict(processed)


def configurable_class(section: dict) -> type:
    """The class a `module`/`class` entry names, resolved the way the instance does (`dagster.core` → `dagster._core`)."""
    data = ConfigurableClassData(section["module"], section["class"], "{}")
    return class_from_code_pointer(data.module_name, data.class_name)


def env_refs(node: Any) -> set[str]:
    """Every `{env: NAME}` a Dagster config reads."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            return {node["env"]}
        return set().union(*(env_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(env_refs(v) for v in node)) if node else set()
    return set()


def per_mall_limits(runs: dict) -> dict[str, int]:
    return {
        limit["key"]: limit["limit"]
        for limit in runs["tag_concurrency_limits"]
        if limit.get("value") == {"applyLimitPerUniqueValue": True}
    }


# --- dagster.yaml ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_instance_config_passes_dagster_validation(path, pg_env, tmp_path):
    processed = validated_instance(load(path), tmp_path)
    postgres = processed["storage"]["postgres"]["postgres_db"]
    # psycopg 3 breaks dagster-postgres's NOTIFY (see the comment in deploy/dagster.yaml)
    assert postgres["scheme"] == "postgresql+psycopg2"
    assert env_refs(load(path)) == set(PG_ENV)
    assert processed["run_coordinator"]["class"] == "QueuedRunCoordinator"
    runs = processed["concurrency"]["runs"]
    assert per_mall_limits(runs) == {MALL_TAG: 1, PARTITION_NAME_TAG: 1}
    assert runs["max_concurrent_runs"] >= 3  # several malls side by side
    assert processed["concurrency"]["pools"]["default_limit"] >= 1


def test_a_broken_instance_config_is_refused(pg_env, tmp_path):
    """The validation used above does catch mistakes (a misspelt key, a limit that is not a number)."""
    from dagster._core.errors import DagsterInvalidConfigError

    config = load(DEPLOY / "dagster.yaml")
    config["concurrency"]["runs"]["tag_concurrency_limits"][0]["limit"] = "one"
    with pytest.raises(DagsterInvalidConfigError):
        validated_instance(config, tmp_path)
    config = load(DEPLOY / "dagster.yaml")
    config["run_coordinator"]["config"] = {"dequeue_intervall_seconds": 2}
    with pytest.raises(AssertionError, match="run_coordinator"):
        validated_instance(config, tmp_path)


def test_the_instance_and_the_celery_instance_share_limits():
    main, celery = load(DEPLOY / "dagster.yaml"), load(DEPLOY / "celery" / "dagster.yaml")
    assert main["storage"] == celery["storage"]
    assert main["concurrency"] == celery["concurrency"]


def test_api_steps_use_the_pool_the_instance_limits():
    from cafe24_pipeline.assets.catalog import API_POOL
    from cafe24_pipeline.definitions import defs

    pools = {
        (job.name, node.name): node.definition.pool
        for job in defs.resolve_all_job_defs()
        for node in job.graph.node_dict.values()
    }
    for job_name, node_name in [
        ("orders_new_job", "cafe24_order_days"),
        ("order_status_job", "cafe24_order_days"),
        ("orders_import_job", "cafe24_order_days"),
        ("catalog_job", "cafe24_products_and_variants"),
    ]:
        assert pools[(job_name, node_name)] == API_POOL


# --- helm -----------------------------------------------------------------------------------------


def helm_instance_config(values: dict, release: str = "cafe24") -> dict:
    """The dagster.yaml Dagster's chart renders from `values` (the parts these values set)."""
    pg = values["postgresql"]
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    queued = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    concurrency = values["concurrency"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"
    return {
        "storage": {
            "postgres": {
                "postgres_db": {
                    "username": pg["postgresqlUsername"],
                    "password": {"env": "DAGSTER_PG_PASSWORD"},
                    "hostname": pg["postgresqlHost"],
                    "db_name": pg["postgresqlDatabase"],
                    "port": pg["service"]["port"],
                    "scheme": pg["postgresqlScheme"],
                }
            }
        },
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": {
                "load_incluster_config": k8s["loadInclusterConfig"],
                "job_namespace": k8s.get("jobNamespace") or "default",
                "env_secrets": [s["name"] for s in k8s["envSecrets"]],
                "instance_config_map": f"{release}-dagster-instance",
                "postgres_password_secret": values["global"]["postgresqlSecretName"],
                "dagster_home": "/opt/dagster/dagster_home",
                "service_account_name": f"{release}-dagster",
                "run_k8s_config": {"container_config": k8s["runK8sConfig"]["containerConfig"]},
            },
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {"dequeue_interval_seconds": queued["dequeueIntervalSeconds"]},
        },
        "concurrency": {
            "pools": {"default_limit": concurrency["pools"]["defaultLimit"], "granularity": concurrency["pools"]["granularity"]},
            "runs": {
                "max_concurrent_runs": concurrency["runs"]["maxConcurrentRuns"],
                "tag_concurrency_limits": concurrency["runs"]["tagConcurrencyLimits"],
            },
        },
        "run_retries": {
            "enabled": values["dagsterDaemon"]["runRetries"]["enabled"],
            "max_retries": values["dagsterDaemon"]["runRetries"]["maxRetries"],
        },
    }


def test_helm_values_render_a_valid_k8s_instance(monkeypatch, tmp_path):
    pytest.importorskip("dagster_k8s", reason="pip install dagster-k8s (in the dev extra)")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "secret")
    values = load(DEPLOY / "helm" / "values.yaml")
    processed = validated_instance(helm_instance_config(values), tmp_path)
    assert processed["run_launcher"]["class"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False  # an external PostgreSQL
    main = load(DEPLOY / "dagster.yaml")
    assert processed["concurrency"] == main["concurrency"]
    assert processed["storage"]["postgres"]["postgres_db"]["scheme"] == main["storage"]["postgres"]["postgres_db"]["scheme"]
    # the chart refuses limits set in both places: they live under `concurrency` only
    assert not values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"].get("tagConcurrencyLimits")


def test_helm_code_location_is_the_compose_image_and_module():
    values = load(DEPLOY / "helm" / "values.yaml")
    compose = load(DEPLOY / "docker-compose.yaml")
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    image = f"{deployment['image']['repository']}:{deployment['image']['tag']}"
    assert image == compose["services"]["code"]["image"]
    args = deployment["dagsterApiGrpcArgs"]
    assert args[args.index("--module-name") + 1] == code_module(compose["services"]["code"]["command"])
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    # the run pods get the same environment (secret) as the code server
    assert [s["name"] for s in launcher["envSecrets"]] == [s["name"] for s in deployment["envSecrets"]]


# --- celery ---------------------------------------------------------------------------------------


def test_celery_executor_config_passes_dagster_celery_validation(monkeypatch):
    pytest.importorskip("dagster_celery", reason="pip install dagster-celery (in the dev extra)")
    from dagster_celery.cli import get_validated_config

    monkeypatch.setenv("CAFE24_CELERY_BROKER_URL", "redis://broker.internal:6379/0")
    monkeypatch.setenv("CAFE24_CELERY_BACKEND_URL", "redis://broker.internal:6379/1")
    config = get_validated_config(str(DEPLOY / "celery" / "celery.yaml"))
    assert config["broker"] == "redis://broker.internal:6379/0"
    assert config["config_source"]["task_acks_late"] is True


def test_executor_switch(monkeypatch):
    from cafe24_pipeline.executors import build_executor

    base = {"CAFE24_PIPELINE_HOME": "/tmp/x"}
    assert build_executor(Settings.from_env(base)).name == "in_process"
    if __import__("importlib").util.find_spec("dagster_celery"):
        assert build_executor(Settings.from_env(base | {"CAFE24_DAGSTER_EXECUTOR": "celery"})).name == "celery"
    with pytest.raises(SettingsError, match="CAFE24_DAGSTER_EXECUTOR must be one of in_process, celery"):
        build_executor(Settings.from_env(base | {"CAFE24_DAGSTER_EXECUTOR": "k8s"}))


# --- compose, systemd, workspaces, environment ------------------------------------------------------


def code_module(command: list[str] | str) -> str:
    args = shlex.split(command) if isinstance(command, str) else list(command)
    flag = "-m" if "-m" in args else "--module-name"
    return args[args.index(flag) + 1]


def option(args: list[str], *flags: str) -> str:
    for flag in flags:
        if flag in args:
            return args[args.index(flag) + 1]
    raise AssertionError(f"none of {flags} in {args}")


def known_cafe24_variables() -> set[str]:
    """Every CAFE24_* name the package reads (a variable in a deploy file but not here is a typo)."""
    names: set[str] = set()
    for path in (ROOT / "cafe24_pipeline").rglob("*.py"):
        names |= set(re.findall(r"CAFE24_[A-Z0-9_]+[A-Z0-9]", path.read_text()))
    return names


def test_compose_services_agree():
    compose = load(DEPLOY / "docker-compose.yaml")
    services = compose["services"]
    assert set(services) == {"postgres", "code", "webserver", "daemon"}
    images = {services[name]["image"] for name in ("code", "webserver", "daemon")}
    assert len(images) == 1
    code = services["code"]["command"]
    assert code[:3] == ["dagster", "code-server", "start"]
    assert code_module(code) == "cafe24_pipeline.definitions"
    workspace = load(DEPLOY / "workspace.yaml")["load_from"][0]["grpc_server"]
    assert workspace["host"] == "code" and str(workspace["port"]) == option(code, "-p", "--port")
    for name, binary in (("webserver", "dagster-webserver"), ("daemon", "dagster-daemon")):
        command = services[name]["command"]
        assert command[0] == binary
        mounted = {v.split(":")[1]: v.split(":")[0] for v in services[name]["volumes"] if ":" in v}
        assert mounted[option(command, "-w", "--workspace")] == "./workspace.yaml"
    for name in ("code", "webserver", "daemon"):
        env = services[name]["environment"]
        mounted = {v.split(":")[1]: v.split(":")[0] for v in services[name]["volumes"] if ":" in v}
        assert mounted[f"{env['DAGSTER_HOME']}/dagster.yaml"] == "./dagster.yaml"
        assert env_refs(load(DEPLOY / "dagster.yaml")) <= set(env), name
        assert REQUIRED_CAFE24 <= set(env), name
        assert {k for k in env if k.startswith("CAFE24_")} <= known_cafe24_variables()
    # the instance database and the store's database live on the compose postgres
    init = (DEPLOY / "postgres-init.sql").read_text()
    assert "CREATE DATABASE cafe24" in init
    assert services["postgres"]["environment"]["POSTGRES_DB"] == services["code"]["environment"]["DAGSTER_PG_DB"]


def test_env_example_names_every_variable_and_valid_urls():
    lines = [ln for ln in (DEPLOY / "env.example").read_text().splitlines() if ln and not ln.startswith("#")]
    env = dict(ln.split("=", 1) for ln in lines)
    assert set(PG_ENV) <= set(env)
    assert REQUIRED_CAFE24 <= set(env)
    assert {k for k in env if k.startswith("CAFE24_")} <= known_cafe24_variables()
    assert validate_database_url(env["CAFE24_PIPELINE_DATABASE_URL"]).startswith("postgresql+psycopg://")
    assert env["CAFE24_PIPELINE_DATABASE_URL"].rsplit("/", 1)[1] == "cafe24"  # the database postgres-init.sql creates


def systemd_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def test_systemd_units_agree():
    units = {p.stem: systemd_unit(p) for p in sorted((DEPLOY / "systemd").glob("*.service"))}
    assert set(units) == {"cafe24-dagster-code-server", "cafe24-dagster-webserver", "cafe24-dagster-daemon"}
    workspace_file = DEPLOY / "systemd" / "workspace.yaml"
    workspace = load(workspace_file)["load_from"][0]["grpc_server"]
    code = shlex.split(units["cafe24-dagster-code-server"]["Service"]["ExecStart"])
    assert (
        Path(code[0]).name == "dagster"
        and code[1:3] == ["code-server", "start"]
        and code_module(code) == "cafe24_pipeline.definitions"
    )
    assert str(workspace["port"]) == option(code, "-p", "--port")
    homes = set()
    for name, unit in units.items():
        service = unit["Service"]
        assert service["EnvironmentFile"] and service["User"] == "cafe24"
        homes.add(service["Environment"])
        args = shlex.split(service["ExecStart"])
        if name != "cafe24-dagster-code-server":
            assert "cafe24-dagster-code-server.service" in unit["Unit"]["Requires"]
            ws = Path(option(args, "-w", "--workspace"))
            assert ws.name == "workspace.yaml" and ws.parent.name == "systemd"  # deploy/systemd/workspace.yaml
    assert len(homes) == 1 and next(iter(homes)).startswith("DAGSTER_HOME=")


def test_queued_run_coordinator_is_what_the_instance_names():
    config = load(DEPLOY / "dagster.yaml")["run_coordinator"]
    assert configurable_class(config) is QueuedRunCoordinator
