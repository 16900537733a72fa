"""The docker-compose deployment: the file validates (Debian's docker-compose needs no engine),
has the services and conditions production needs, and `.env.example` documents every setting."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import Settings
from tests.services_available import services_required

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
NOT_SETTINGS = ("CIVICDESK_TEST_", "CIVICDESK_REQUIRE_SERVICES", "CIVICDESK_CHROMIUM")


def docker_compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is not None:
        return binary
    message = "the docker-compose command is missing (Debian: apt-get install docker-compose)"
    if services_required():
        pytest.fail(f"{message}, and CIVICDESK_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(message)


def compose(tmp_path: Path, *args: str, env_file: Path | None = None) -> str:
    """docker-compose on a copy of the file in a folder of its own: a clean checkout, whatever
    `.env` the developer keeps next to the real one."""
    project = tmp_path / "checkout"
    project.mkdir(exist_ok=True)
    shutil.copy(COMPOSE, project / "docker-compose.yml")
    if env_file is not None:
        shutil.copy(env_file, project / ".env")
    completed = subprocess.run(
        [docker_compose(), "-f", "docker-compose.yml", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_compose_file_validates_without_an_env_file(tmp_path: Path) -> None:
    compose(tmp_path, "config", "-q")
    config: dict[str, Any] = yaml.safe_load(compose(tmp_path, "config"))
    services = config["services"]
    assert {"postgres", "redis", "migrate", "api", "worker", "bot"} <= services.keys()
    assert services["migrate"]["command"] == ["civicdesk", "db", "upgrade"]
    assert services["api"]["command"][:2] == ["civicdesk", "api"]
    assert "--workers" in services["api"]["command"]
    assert services["worker"]["command"] == ["civicdesk", "worker"]
    assert services["bot"]["command"] == ["civicdesk", "bot"]
    assert services["bot"]["profiles"] == ["polling"]
    for name in ("api", "worker", "bot"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("postgres", "redis", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert "healthz" in " ".join(services["api"]["healthcheck"]["test"])
    assert {"postgres", "redis", "data", "metrics"} <= config["volumes"].keys()
    environment = services["api"]["environment"]
    assert environment["CIVICDESK_REDIS_URL"].startswith("redis://redis:")
    assert environment["CIVICDESK_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert environment["PROMETHEUS_MULTIPROC_DIR"]


def test_compose_file_validates_with_the_example_env_file(tmp_path: Path) -> None:
    config = yaml.safe_load(compose(tmp_path, "config", env_file=ENV_EXAMPLE))
    environment = config["services"]["worker"]["environment"]
    assert environment["CIVICDESK_DIGEST__SCHEDULE"] == "0 8 * * mon"
    assert environment["CIVICDESK_ENVIRONMENT"] == "production"
    assert "bot" in compose(tmp_path, "--profile", "polling", "config", "--services").split()


def documented_settings() -> set[str]:
    names = set(re.findall(r"`(CIVICDESK_[A-Z0-9_]+)`", (REPO / "README.md").read_text()))
    return {name for name in names if not name.startswith(NOT_SETTINGS)}


def test_env_example_documents_every_setting_and_compose_passes_them_on() -> None:
    example = ENV_EXAMPLE.read_text()
    compose_text = COMPOSE.read_text()
    missing = sorted(name for name in documented_settings() if name not in example)
    assert not missing, f".env.example does not mention {missing}"
    assigned = set(re.findall(r"^(CIVICDESK_[A-Z0-9_]+)=", example, re.MULTILINE))
    compose_only = {"CIVICDESK_HTTP_PUBLISH", "CIVICDESK_CONFIG_DIR", "CIVICDESK_IMAGE_TAG"}
    for name in sorted(assigned - compose_only):
        assert f"{name}: ${{{name}:-" in compose_text, f"docker-compose.yml ignores {name}"
        field = name.removeprefix("CIVICDESK_").lower().split("__")[0]
        assert field in Settings.model_fields or name == "CIVICDESK_LOG_LEVEL", name


def test_the_example_secrets_are_refused_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.startswith("CIVICDESK_")]:
        monkeypatch.delenv(name)
    with pytest.raises(ValueError, match="CIVICDESK_SECRET_KEY"):
        Settings(_env_file=ENV_EXAMPLE)  # type: ignore[call-arg]


def test_empty_variables_mean_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """docker-compose passes a setting `.env` leaves out as an empty string."""
    for name in ("CIVICDESK_BOT_TOKEN", "CIVICDESK_HTTP_PORT", "CIVICDESK_SMTP__PORT"):
        monkeypatch.setenv(name, "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.bot_token is None
    assert settings.http_port == 8000 and settings.smtp.port == 25


def test_the_image_is_multi_stage_unprivileged_and_checks_its_health() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) == 2
    assert "babel.messages.frontend compile -d locales -D messages" in dockerfile
    assert re.search(r"^USER civicdesk", dockerfile, re.MULTILINE)
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :]
    assert "urllib.request" in healthcheck and "/healthz" in healthcheck
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored and ".git" in ignored
