"""The container description: docker-compose.yml, Dockerfile and .env.example.

Pure file checks: no Docker engine, no database, no Django settings needed.
"""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS = ROOT / "kapclinic" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_words(service):
    """The service's command as a list of words; `sh -c "..."` is unwrapped."""
    command = service.get("command")
    assert command, "service has no command"
    words = shlex.split(command) if isinstance(command, str) else [str(w) for w in command]
    if len(words) >= 3 and words[0] in {"sh", "/bin/sh", "bash"} and words[1] == "-c":
        words = shlex.split(words[2])
    return words


def env_file_values(path):
    """KEY=value lines of a dotenv file (comments and blank lines skipped, quotes removed)."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def service_environment(service):
    """Variables the service receives: its env_file (read from .env.example) then environment."""
    env = {}
    env_files = service.get("env_file") or []
    if isinstance(env_files, str | dict):
        env_files = [env_files]
    for entry in env_files:
        name = entry["path"] if isinstance(entry, dict) else entry
        # .env holds the real secrets and is not in the repository; .env.example stands in.
        assert name == ".env", f"unexpected env_file {name!r}"
        env.update(env_file_values(ENV_EXAMPLE))
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({key: str(value) for key, value in environment.items()})
    return env


def depends_on(service):
    deps = service.get("depends_on") or {}
    return set(deps) if isinstance(deps, list) else set(deps.keys())


def volume_targets(service):
    targets = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            targets.append(volume["target"])
        else:
            targets.append(volume.split(":")[1])
    return targets


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def exec_form(arguments):
    """A CMD/ENTRYPOINT's words, JSON (exec) form or shell form."""
    if arguments.startswith("["):
        return json.loads(arguments)
    return shlex.split(arguments)


def test_compose_file_parses(compose):
    assert isinstance(compose, dict)
    assert "services" in compose


def test_exactly_the_five_services(services):
    assert set(services) == {"web", "worker", "beat", "db", "redis"}


def test_web_runs_gunicorn_on_the_wsgi_app_after_migrating(services):
    words = command_words(services["web"])
    assert "gunicorn" in words
    assert "kapclinic.wsgi:application" in words
    command = services["web"]["command"]
    command = command if isinstance(command, str) else " ".join(command)
    assert "migrate --noinput" in command
    assert command.index("migrate") < command.index("gunicorn")


@pytest.mark.parametrize(("name", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_worker_and_beat_run_celery_on_the_project_app(services, name, subcommand):
    words = command_words(services[name])
    assert words[0] == "celery"
    assert words[words.index("-A") + 1] == "kapclinic"
    assert subcommand in words


def test_worker_concurrency_is_two(services):
    words = command_words(services["worker"])
    assert words[words.index("--concurrency") + 1] == "2"


def test_beat_keeps_its_schedule_in_a_volume(services):
    beat = services["beat"]
    words = command_words(beat)
    flag = "--schedule" if "--schedule" in words else "-s"
    schedule = words[words.index(flag) + 1]
    assert any(schedule.startswith(target.rstrip("/") + "/") for target in volume_targets(beat))


def test_db_is_postgres_with_a_volume_and_a_healthcheck(compose, services):
    db = services["db"]
    assert db["image"].split(":")[0] in {"postgres", "docker.io/library/postgres"}
    assert "/var/lib/postgresql/data" in volume_targets(db)
    named = db["volumes"][0].split(":")[0]
    assert named in (compose.get("volumes") or {}), "db data must live in a named volume"
    test = db["healthcheck"]["test"]
    test = test if isinstance(test, str) else " ".join(test)
    assert "pg_isready" in test


def test_redis_is_present_and_persistent(services):
    redis = services["redis"]
    assert redis["image"].split(":")[0] == "redis"
    words = command_words(redis)
    assert words[words.index("--appendonly") + 1] == "yes"
    assert "/data" in volume_targets(redis)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_the_image_and_reach_db_and_redis(services, name):
    service = services[name]
    assert "build" in service
    env = service_environment(service)
    assert env["DJANGO_ENV"] == "production"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert {"db", "redis"} <= depends_on(service)
    assert service["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_database_password_is_the_one_db_is_created_with(services):
    db_password = services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert db_password.startswith("${POSTGRES_PASSWORD")
    for name in APP_SERVICES:
        assert "${POSTGRES_PASSWORD" in services[name]["environment"]["DATABASE_URL"]


def test_no_secret_is_written_into_the_compose_file(services):
    for name, service in services.items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for key, value in environment.items():
            if re.search(r"SECRET|PASSWORD", key):
                assert str(value).startswith("${"), f"{name}: {key} must come from .env"
            if key == "DATABASE_URL":
                password = re.match(r"postgres://[^:]+:(.*)@", str(value)).group(1)
                assert password.startswith("${"), f"{name}: database password must come from .env"


def test_dockerfile_cmd_runs_gunicorn():
    commands = [args for keyword, args in dockerfile_instructions() if keyword == "CMD"]
    assert commands, "Dockerfile has no CMD"
    words = exec_form(commands[-1])  # the last CMD (final stage) is the one that counts
    assert words[0] == "gunicorn"
    assert "kapclinic.wsgi:application" in words


def test_dockerfile_does_not_run_as_root():
    users = [args for keyword, args in dockerfile_instructions() if keyword == "USER"]
    assert users, "Dockerfile has no USER line"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_collects_static_files_in_production_mode():
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    assert "collectstatic --noinput" in runs
    assert "DJANGO_ENV=production" in runs


def test_env_example_names_every_variable_the_settings_read():
    read = set(
        re.findall(
            r"""(?:os\.environ\.get|env_bool|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']""",
            SETTINGS.read_text(),
        )
    )
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))
    assert read, "found no environment variables in settings.py"
    assert read - documented == set()
