"""docker/ kept honest without a Docker engine: the compose file parses and refers
only to files that exist, every variable anything reads is documented in
.env.example (and the settings' ones in the README), the Dockerfile's promises hold,
and the entry point and helper scripts work when run directly."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509

from documents.crypto import parse_keys
from tests.utils import REPO, clean_env

DOCKER = REPO / "docker"


def load_yaml(path: Path):
    """PyYAML (requirements-dev.txt); until a venv has it, Debian's python3-yaml."""
    try:
        import yaml
    except ImportError:
        system_python = shutil.which("python3", path="/usr/bin:/bin")
        script = (
            "import json,sys,yaml;print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
        )
        result = subprocess.run(
            [system_python or "python3", "-c", script, str(path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.fail(
                f"no YAML parser: install requirements-dev.txt ({result.stderr})"
            )
        return json.loads(result.stdout)
    return yaml.safe_load(path.read_text())


COMPOSE = load_yaml(DOCKER / "compose.yaml")
DOCKERFILE = (DOCKER / "Dockerfile").read_text()
ENV_EXAMPLE = (DOCKER / ".env.example").read_text()
SETTINGS = sorted((REPO / "site" / "ecabinet" / "settings").glob("*.py"))

# name=value or "# name=value" (optional, documented with its default)
DOCUMENTED = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, re.MULTILINE))


def variables_read(path: Path) -> set[str]:
    """Environment variables a Python or shell file reads, found in its source."""
    source = path.read_text()
    patterns = [
        r"env_(?:str|int|bool|list)\(\s*\"([A-Z][A-Z0-9_]*)\"",
        r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"",
        r"os\.environ\[\s*\"([A-Z][A-Z0-9_]*)\"\s*\]",
        r"os\.environ\.setdefault\(\s*\"([A-Z][A-Z0-9_]*)\"",
        r"os\.getenv\(\s*\"([A-Z][A-Z0-9_]*)\"",
        r"\b_?int\(\s*\"([A-Z][A-Z0-9_]*)\"",  # gunicorn.conf.py's helper
    ]
    if path.suffix == ".sh":
        patterns = [r"\$\{([A-Z][A-Z0-9_]*)"]
    return {name for pattern in patterns for name in re.findall(pattern, source)}


def test_the_scanner_finds_what_settings_read():
    """Guards the dynamic scan itself: it must see variables of each kind."""
    found = set().union(*(variables_read(path) for path in SETTINGS))
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_PORT", "EMAIL_USE_TLS"} <= found
    assert {"ALLOWED_HOSTS", "ECABINET_VAR_DIR", "SECURE_HSTS_SECONDS"} <= found
    assert len(found) >= 40


@pytest.mark.parametrize("path", SETTINGS, ids=lambda p: p.name)
def test_every_variable_a_settings_module_reads_is_in_env_example(path):
    missing = sorted(variables_read(path) - DOCUMENTED)
    assert not missing, f"add {missing} to docker/.env.example"


@pytest.mark.parametrize("path", SETTINGS, ids=lambda p: p.name)
def test_every_variable_a_settings_module_reads_is_in_the_readme_table(path):
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    in_table = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            in_table |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    missing = sorted(variables_read(path) - in_table)
    assert not missing, f"add {missing} to the README's environment table"


@pytest.mark.parametrize(
    "name",
    ["entrypoint.sh", "gunicorn.conf.py", "healthcheck.py"],
)
def test_every_variable_the_container_scripts_read_is_in_env_example(name):
    found = variables_read(DOCKER / name)
    assert found, f"the scan found nothing in {name}"
    assert not sorted(found - DOCUMENTED)


def test_every_variable_compose_interpolates_is_in_env_example():
    names = set(
        re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (DOCKER / "compose.yaml").read_text())
    )
    assert {"POSTGRES_PASSWORD", "SERVER_NAME", "REDIS_PASSWORD"} <= names
    assert not sorted(names - DOCUMENTED)


def test_the_proxy_template_gets_every_variable_it_uses():
    template = (DOCKER / "nginx" / "templates" / "ecabinet.conf.template").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", template))
    given = set(COMPOSE["services"]["proxy"]["environment"])
    assert used == {"SERVER_NAME", "WEB_UPSTREAM", "NGINX_RESOLVER", "MAX_UPLOAD_SIZE"}
    assert used <= given


def test_the_stack_has_every_service_with_a_health_check():
    services = COMPOSE["services"]
    assert {"db", "redis", "elasticsearch", "web", "worker", "proxy"} <= set(services)
    for name, service in services.items():
        check = service.get("healthcheck", {})
        if service.get("restart") == "no":  # one-shot jobs: migrate, certs
            continue
        assert not check.get("disable"), name
        assert check.get("test"), f"{name} has no health check"
    assert services["proxy"]["ports"] == [
        "${HTTP_PORT:-80}:80",
        "${HTTPS_PORT:-443}:443",
    ]


def test_volumes_are_named_or_existing_files():
    declared = set(COMPOSE["volumes"])
    used = set()
    for name, service in COMPOSE["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DOCKER / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
                used.add(source)
    assert used == declared
    assert {"pgdata", "esdata", "redisdata", "appdata"} <= declared


def test_build_context_dockerfile_and_commands_exist():
    entrypoint = (DOCKER / "entrypoint.sh").read_text()
    commands = set(re.findall(r"^\s+([a-z|\s]+)\)$", entrypoint, re.MULTILINE))
    commands = {c.strip() for group in commands for c in group.split("|")}
    for name, service in COMPOSE["services"].items():
        build = service.get("build")
        if build:
            context = (DOCKER / build["context"]).resolve()
            assert context == REPO
            assert (context / build["dockerfile"]).is_file()
        if service.get("image", "").startswith("${ECABINET_IMAGE"):
            command = service["command"][0]
            if command == "python":
                script = service["command"][1].replace("/app/", "")
                assert (REPO / script).is_file(), f"{name}: {script}"
            else:
                assert command in commands, f"{name}: entrypoint has no {command!r}"
        for test in [service.get("healthcheck", {}).get("test") or []]:
            for word in test:
                if isinstance(word, str) and word.startswith("/app/"):
                    assert (REPO / word.removeprefix("/app/")).is_file(), word
    assert (REPO / ".gitignore").read_text().count("\n.env\n") == 1  # docker/.env


def test_the_dockerfile_keeps_its_promises():
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", DOCKERFILE, re.MULTILINE)
    assert len(stages) >= 2, "multi-stage"
    runtime = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    user = re.findall(r"^USER\s+(\S+)", runtime, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in {"root", "0"}
    for package in (
        "tesseract-ocr",
        "tesseract-ocr-vie",
        "fonts-dejavu-core",
        "poppler-utils",
    ):
        assert re.search(rf"\s{package}\s", runtime), package
    # pg_dump must be at least the server's major version.
    client = int(re.search(r"postgresql-client-(\d+)", runtime).group(1))
    server = int(re.search(r"postgres:(\d+)", COMPOSE["services"]["db"]["image"])[1])
    assert client >= server
    assert "collectstatic --noinput" in DOCKERFILE
    assert re.search(r'^ENTRYPOINT \[.*"/app/docker/entrypoint.sh"\]', runtime, re.M)
    assert re.search(r'^CMD \["web"\]', runtime, re.MULTILINE)
    assert "docker/healthcheck.py" in runtime
    for source in re.findall(r"^COPY\s+(?!--from)(\S+)\s", DOCKERFILE, re.MULTILINE):
        assert (REPO / source).exists(), source
    # The throwaway build-time key must be a valid key, or the build fails.
    build_key = re.search(r"FILE_ENCRYPTION_KEYS=(\S+)", DOCKERFILE).group(1)
    assert list(parse_keys(build_key)) == ["build"]


def test_dockerignore_keeps_what_the_image_needs():
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed = ["docker", "site", "cabinet", "documents", "search", "locale"]
    needed += ["manage.py", "requirements.txt"]
    for path in needed:
        assert (REPO / path).exists()
        assert path not in ignored and f"{path}/" not in ignored
    assert {".git", ".venv", "var", "docker/.env"} <= set(ignored)


def test_the_entry_point_is_valid_shell_and_runs_other_commands():
    entrypoint = DOCKER / "entrypoint.sh"
    assert entrypoint.stat().st_mode & 0o111
    assert subprocess.run(["sh", "-n", str(entrypoint)]).returncode == 0
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", str(entrypoint)], capture_output=True)
        assert result.returncode == 0, result.stdout
    result = subprocess.run(
        [str(entrypoint), "printenv", "DJANGO_SETTINGS_MODULE"],
        env=clean_env(PYTHON=sys.executable),
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert result.stdout.strip() == "ecabinet.settings.production"


@pytest.mark.slow
def test_the_entry_point_migrates_a_new_database(tmp_path):
    env = clean_env(
        PYTHON=sys.executable,
        DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}",
        SECRET_KEY="entrypoint-test-" + "s" * 50,
        ALLOWED_HOSTS="localhost",
        FILE_ENCRYPTION_KEYS="k1:" + "A" * 43,
        FILE_ENCRYPTION_CURRENT_KEY_ID="k1",
        ECABINET_VAR_DIR=str(tmp_path),
    )
    migrated = subprocess.run(
        [str(DOCKER / "entrypoint.sh"), "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd="/",
    )
    assert migrated.returncode == 0, migrated.stderr
    shown = subprocess.run(
        [str(DOCKER / "entrypoint.sh"), "manage", "showmigrations", "--plan"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert "[ ]" not in shown.stdout and "[X]  cabinet.0001_initial" in shown.stdout


def test_the_self_signed_certificate_is_made_once(tmp_path):
    script = DOCKER / "selfsigned_cert.py"
    run = [sys.executable, str(script), str(tmp_path / "certs"), "ecabinet.local"]
    first = subprocess.run([*run, "127.0.0.1"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    chain = (tmp_path / "certs" / "fullchain.pem").read_bytes()
    key = tmp_path / "certs" / "privkey.pem"
    assert key.stat().st_mode & 0o077 == 0
    certificate = x509.load_pem_x509_certificate(chain)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert names.value.get_values_for_type(x509.DNSName) == ["ecabinet.local"]
    second = subprocess.run(run, capture_output=True, text=True)
    assert "already" in second.stdout
    assert (tmp_path / "certs" / "fullchain.pem").read_bytes() == chain


def test_production_refuses_the_example_placeholders():
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check"],
        env=clean_env(
            DJANGO_SETTINGS_MODULE="ecabinet.settings.production",
            SECRET_KEY="change-me",
            ALLOWED_HOSTS="ecabinet.example.gov.vn",
            DATABASE_URL="postgres://ecabinet:change-me@db:5432/ecabinet",
        ),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY, DATABASE_URL still hold the example's 'change-me'" in (
        result.stderr
    )
