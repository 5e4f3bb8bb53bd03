"""What a school's administrator deploys with: .env.example lists every setting of bot/config.py with its default
and meaning (and nothing the bot does not read), docker-compose.yml runs the bot with PostgreSQL and Redis and keeps
the backup in two copies on two volumes (DATA-1), the Dockerfile builds a non-root image with the catalogues
compiled, and the systemd unit is hardened. A real `docker build` cannot run here (no Docker engine): the Dockerfile
is checked by reading it; `docker compose config` runs where the Compose plugin is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.settings_doc import comments, env_example, settings

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
UNIT = ROOT / "deploy" / "schoolbot.service"
COMPOSE_ONLY = "# --- docker-compose.yml only"
# NAME=value, or «# NAME=» for a setting left unset.
ASSIGNMENT = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)
SETTINGS = {name.upper() for name in Settings.model_fields}


def example_parts() -> tuple[str, str]:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    settings_part, _, compose_part = text.partition(COMPOSE_ONLY)
    return settings_part, compose_part


def compose_variables() -> set[str]:
    """The variables docker-compose.yml interpolates (${NAME}, ${NAME:-default}, ${NAME:?message})."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_env_example_lists_every_setting_and_no_unknown_one():
    settings_part, compose_part = example_parts()
    listed = {name for name, _ in ASSIGNMENT.findall(settings_part)}
    missing, unknown = SETTINGS - listed, listed - SETTINGS
    assert missing == set(), f"settings missing from .env.example (python -m bot.settings_doc): {sorted(missing)}"
    assert unknown == set(), f".env.example names settings bot/config.py does not have: {sorted(unknown)}"
    compose_names = {name for name, _ in ASSIGNMENT.findall(compose_part)}
    assert compose_names - SETTINGS == compose_variables() - SETTINGS, (
        "the compose part names what the compose file uses"
    )


def test_env_example_is_what_the_settings_say():
    """Defaults and meanings as bot/config.py has them; regenerate with `python -m bot.settings_doc`."""
    settings_part, _ = example_parts()
    assert env_example() in settings_part


def test_every_setting_has_a_meaning():
    assert [s.env for s in settings() if not s.meaning] == []
    assert set(comments()) == set(Settings.model_fields)


def test_env_example_read_as_a_dotenv_gives_the_defaults(monkeypatch, tmp_path):
    """Copied to .env unchanged, it sets nothing else than the defaults (JSON values survive their quotes)."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings(_env_file=ENV_EXAMPLE) == Settings(_env_file=None)


def test_compose_has_the_bot_postgres_redis_and_two_backup_volumes():
    spec = compose()
    services, volumes = spec["services"], spec["volumes"]
    assert {"bot", "postgres", "redis", "migrate"} <= set(services)
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    assert services["redis"]["image"].split(":")[1].startswith("7")
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], f"{name} has no healthcheck"
    bot = services["bot"]
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["migrate"]
    assert bot["env_file"] == ".env"
    # DATA-1: two copies, each on a volume of its own, where BACKUP_DIRS points.
    mounts = dict(m.split(":")[:2][::-1] for m in bot["volumes"])
    assert {"backups-primary", "backups-secondary"} <= set(volumes)
    assert mounts["/backups/primary"] == "backups-primary" and mounts["/backups/secondary"] == "backups-secondary"
    assert bot["environment"]["BACKUP_DIRS"] == '["/backups/primary","/backups/secondary"]'
    assert mounts["/data"] == "data" and bot["environment"]["FILES_DIR"].startswith("/data/")


def test_the_bots_environment_in_compose_names_only_settings():
    services = compose()["services"]
    for name in ("bot", "migrate"):
        unknown = set(services[name]["environment"]) - SETTINGS
        assert unknown == set(), f"{name}: not settings of bot/config.py: {sorted(unknown)}"


def test_the_webhook_proxy_is_an_optional_profile_passing_the_webhook_path_on():
    caddy = compose()["services"]["caddy"]
    assert caddy["profiles"] == ["webhook"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(r"handle /webhook\*\s*\{\s*reverse_proxy \{\$BOT_ADDRESS:bot:8080\}", caddyfile)
    assert caddy["environment"]["BOT_ADDRESS"] == "bot:${WEBHOOK_PORT:-8080}"


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode != 0,
    reason="the Docker Compose plugin is not installed here",
)
def test_docker_compose_accepts_the_file(tmp_path):
    """`compose config` needs no Docker engine: it reads and checks the file only."""
    env = tmp_path / ".env"
    env.write_text("POSTGRES_PASSWORD=test\nBOT_TOKEN=123:abc\n", encoding="utf-8")
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    (tmp_path / "deploy").mkdir()
    shutil.copy(ROOT / "deploy" / "Caddyfile", tmp_path / "deploy")
    done = subprocess.run(
        ["docker", "compose", "-f", "docker-compose.yml", "--profile", "webhook", "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_image_runs_as_its_own_user_and_compiles_the_catalogues_at_build():
    steps = dockerfile_instructions()
    runtime = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    users = [arg for op, arg in runtime if op == "USER"]
    assert users and users[-1] not in ("root", "0"), "the bot runs as root"
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert "pip install -c constraints.txt ." in runs
    assert "compile_catalogues()" in runs, "the catalogues would be compiled at each container's start"
    entry = dict(runtime)
    assert entry["ENTRYPOINT"] == '["schoolbot"]' and entry["CMD"] == '["run"]'
    volumes = entry["VOLUME"]
    assert "/data" in volumes and "/backups/primary" in volumes and "/backups/secondary" in volumes
    assert all(
        image.startswith("python:3.11-slim") for image in re.findall(r"PYTHON_IMAGE=(\S+)", DOCKERFILE.read_text())
    )


def test_the_image_context_leaves_out_secrets_and_local_data():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {".env", ".git", ".venv", "data", "backups"} <= set(ignored)


def unit_options() -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            options.setdefault(key.strip(), []).append(value.strip())
    return options


def test_the_systemd_unit_runs_as_schoolbot_hardened_with_its_folders_writable():
    options = unit_options()
    assert options["User"] == ["schoolbot"] and options["Restart"] == ["on-failure"]
    assert options["EnvironmentFile"] and options["NoNewPrivileges"] == ["yes"]
    assert options["ProtectSystem"] == ["strict"]
    writable = options["ReadWritePaths"][0].split()
    assert len(writable) == 3, "the data folder and the two backup folders (DATA-1)"
    assert options["ExecStart"][0].endswith("schoolbot run")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_accepts_the_unit():
    done = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, check=False)
    problems = [
        line for line in done.stderr.splitlines() if line.strip() and "/opt/schoolbot/bin/schoolbot" not in line
    ]
    assert problems == []
