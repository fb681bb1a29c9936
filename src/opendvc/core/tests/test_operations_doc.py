"""docs/operations.md names what exists: each management command and its options, each file of the
repository, each URL path, each variable, each compose service and each Kubernetes object it tells
the operator to use is spelled as in the code and in deploy/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[4]
DEPLOY = ROOT / "deploy"
DOC = (ROOT / "docs" / "operations.md").read_text()
# Shell lines continued with a backslash, and prose wrapped inside a code span, read as one line.
TEXT = re.sub(r"\\\n\s*", " ", DOC)
#: Files the operator makes from the examples; they are not in the repository.
OPERATOR_FILES = {"deploy/compose.env", "deploy/certs/fullchain.pem"}
#: Variables of deploy/ only: the compose file's own (not the portal's) and the image's build argument.
DEPLOY_VARIABLES = {"POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "PG_MAJOR"}


def test_every_management_command_and_option_exists():
    commands = get_commands()
    for name, options in re.findall(
        r"manage\.py ([a-z_]+)((?:\s+\[?--[a-z-]+[^\]`\n]*\]?)*)", TEXT
    ):
        assert name in commands, name
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        for option in re.findall(r"(--[a-z-]+)", options):
            assert option in parser._option_string_actions, f"{name} {option}"


def test_every_repository_file_named_exists():
    paths = set(re.findall(r"`((?:src|deploy|docs|bench|e2e)/[^`\s]*)`", TEXT))
    paths |= set(re.findall(r"\]\(((?:adr/)?[\w.-]+\.md)", TEXT))
    assert paths
    for path in paths - OPERATOR_FILES:
        path = path.split("#")[0]
        assert (ROOT / path).exists() or (ROOT / "docs" / path).exists(), path


def test_every_url_path_named_is_served():
    paths = {p for p in re.findall(r"`(/[^`\s]*)`", TEXT) if not p.startswith(("/app/", "/tmp/"))}
    paths |= set(re.findall(r"`(?:GET|POST) (/api/v1/[^`\s]+)`", TEXT))
    # Closed by the proxy, or served by WhiteNoise ahead of the URL configuration.
    paths -= {"/media/", "/static/", "/app/var"}
    assert {"/healthz", "/healthz?probe=live", "/trang-thai/", "/metrics"} <= paths
    for path in paths:
        path = re.sub(r"\{[a-z_]+\}", "1", path.partition("?")[0])
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"{path} is not served")


def test_every_variable_named_is_a_setting():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    named = set(re.findall(r"`([A-Z][A-Z0-9_]*_[A-Z0-9_]+)[`=\s]", TEXT))
    named |= set(re.findall(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)=", TEXT))
    assert "GUNICORN_TIMEOUT" in named
    assert named - documented - DEPLOY_VARIABLES - {"SO_REUSEADDR"} == set()


def test_every_compose_service_named_exists():
    services = set(yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"])
    named = set()
    for command in re.findall(r"(?:docker compose|\$DC)[^`\n]*", TEXT):
        # Options that take a value: the value is not a service.
        command = re.sub(r"\s(?:--entrypoint|--env-file|-f|-e|-U)\s+\S+", " ", command)
        if m := re.search(r"\bcp (\w+):/", command):
            named.add(m.group(1))
        if m := re.search(r"\b(?:exec|run)((?:\s+--?[\w-]+)*)\s+([\w-]+)", command):
            named.add(m.group(2))
        if m := re.search(r"\bup -d(?: --no-deps)?((?:\s+[a-z][\w-]*)+)", command):
            named |= set(m.group(1).split())
    named |= set(re.findall(r"then `(\w+)`, `(\w+)`, `(\w+)`", TEXT)[0])
    assert {"web1", "migrate", "minio-init", "postgres"} <= named
    assert named - services == set()


def test_every_kubernetes_object_named_exists():
    manifests = []
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    for name in kustomization["resources"]:
        manifests += [d for d in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text()) if d]
    objects = {(d["kind"].lower(), d["metadata"]["name"]) for d in manifests}
    texts = "\n".join((DEPLOY / "k8s" / name).read_text() for name in kustomization["resources"])
    secrets = set(re.findall(r"secretKeyRef:\s*\n\s*name: ([\w-]+)", texts))
    secrets |= {
        tls["secretName"] for d in manifests if d["kind"] == "Ingress" for tls in d["spec"]["tls"]
    }
    named = {
        ("deployment", n) for n in re.findall(r"\b(?:deployment|deploy)/(opendvc-[\w-]+)", TEXT)
    }
    named |= {("job", n) for n in re.findall(r"\bjob/(opendvc-[\w-]+)", TEXT)}
    named |= {("deployment", n) for n in re.findall(r"Deployments? `(opendvc-[\w-]+)`", TEXT)}
    named |= {("deployment", n) for n in re.findall(r"^`(opendvc-(?:worker|beat))`", TEXT, re.M)}
    assert ("job", "opendvc-migrate") in named and ("deployment", "opendvc-web") in named
    assert named - objects == set()
    assert set(re.findall(r"secret (?:generic|tls) ([\w-]+)", TEXT)) <= secrets
    assert set(re.findall(r"the Secret `([\w-]+)`", TEXT)) <= secrets
    # Names of the manifests the doc tells the operator to edit.
    for name in re.findall(r"\b([a-z-]+\.yaml)\b", TEXT):
        assert (DEPLOY / "k8s" / name).exists() or (DEPLOY / name).exists(), name


def test_the_secret_the_guide_creates_holds_every_key_the_pods_read():
    """A key the manifests read from the Secret but the guide's ``kubectl create secret`` leaves out
    keeps the pods from starting (CreateContainerConfigError), unless the reference is optional."""
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    required, optional = set(), set()
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text()):
            if not doc or doc["kind"] not in {"Deployment", "Job"}:
                continue
            for container in doc["spec"]["template"]["spec"]["containers"]:
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref and ref["name"] == "opendvc-secrets":
                        (optional if ref.get("optional") else required).add(ref["key"])
    created = set(re.findall(r"--from-literal=([A-Z][A-Z0-9_]+)=", TEXT))
    assert required <= created, required - created
    assert created <= required | optional, created - required - optional
