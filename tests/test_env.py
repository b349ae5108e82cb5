"""Configuration read from the environment fails loudly, in Vietnamese, on bad values."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from vanphong.env import env_bool, env_choice, env_int, env_list, env_secret, env_str

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VANPHONG = str(Path(PYTHON).with_name("vanphong"))


def _random_key(length: int = 64) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The current environment minus every variable the settings read, plus `values`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "SECRET_KEY_FILE",
            "DATABASE_URL",
            "ALLOWED_HOSTS",
            "VANPHONG_DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "NETWORK_ZONE",
            "VANPHONG_ENV",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "TEST_DATABASE_NAME",
        }
    }
    env["VANPHONG_VAR_DIR"] = str(tmp_path / "var")
    env["DJANGO_SETTINGS_MODULE"] = "vanphong.settings"
    env.update(values)
    return env


def _import_settings(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-c", "import vanphong.settings"],
        cwd=ROOT,
        env=_clean_env(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the helpers --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "on", " On "])
def test_env_bool_reads_the_usual_spellings_of_yes(monkeypatch, raw):
    monkeypatch.setenv("VP_FLAG", raw)
    assert env_bool("VP_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "no", "off", ""])
def test_env_bool_reads_the_usual_spellings_of_no(monkeypatch, raw):
    monkeypatch.setenv("VP_FLAG", raw)
    assert env_bool("VP_FLAG", True) is False


def test_env_bool_falls_back_to_the_default_when_the_variable_is_absent(monkeypatch):
    monkeypatch.delenv("VP_FLAG", raising=False)
    assert env_bool("VP_FLAG", True) is True
    assert env_bool("VP_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "đúng", "tru"])
def test_env_bool_refuses_a_value_that_is_not_yes_or_no(monkeypatch, raw):
    monkeypatch.setenv("VP_FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as caught:
        env_bool("VP_FLAG", False)
    message = str(caught.value)
    assert "VP_FLAG" in message
    assert "không hợp lệ" in message
    assert "đúng/sai" in message


def test_env_int_reads_a_number_and_the_default(monkeypatch):
    monkeypatch.setenv("VP_COUNT", " 42 ")
    assert env_int("VP_COUNT", 7) == 42
    monkeypatch.delenv("VP_COUNT")
    assert env_int("VP_COUNT", 7) == 7
    monkeypatch.setenv("VP_COUNT", "")
    assert env_int("VP_COUNT", 7) == 7


@pytest.mark.parametrize("raw", ["abc", "4.5", "10MB", "1e3"])
def test_env_int_refuses_a_value_that_is_not_an_integer(monkeypatch, raw):
    monkeypatch.setenv("VP_COUNT", raw)
    with pytest.raises(ImproperlyConfigured) as caught:
        env_int("VP_COUNT", 7)
    assert "VP_COUNT" in str(caught.value)
    assert "cần một số nguyên" in str(caught.value)


def test_env_int_refuses_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("VP_COUNT", "0")
    with pytest.raises(ImproperlyConfigured) as caught:
        env_int("VP_COUNT", 7, minimum=1)
    assert "phải lớn hơn hoặc bằng 1" in str(caught.value)


def test_env_choice_accepts_only_the_listed_values(monkeypatch):
    monkeypatch.setenv("VP_ZONE", "isolated")
    assert env_choice("VP_ZONE", "connected", ("connected", "isolated")) == "isolated"
    monkeypatch.setenv("VP_ZONE", "offline")
    with pytest.raises(ImproperlyConfigured) as caught:
        env_choice("VP_ZONE", "connected", ("connected", "isolated"))
    message = str(caught.value)
    assert "VP_ZONE" in message
    assert "chọn một trong connected, isolated" in message


def test_env_str_and_env_list_trim_and_use_defaults(monkeypatch):
    monkeypatch.setenv("VP_TEXT", "  hello ")
    assert env_str("VP_TEXT") == "hello"
    monkeypatch.setenv("VP_TEXT", "")
    assert env_str("VP_TEXT", "fallback") == "fallback"
    monkeypatch.setenv("VP_HOSTS", " a.example, ,b.example ,")
    assert env_list("VP_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.delenv("VP_HOSTS")
    assert env_list("VP_HOSTS", ["x"]) == ["x"]


def test_a_secret_is_read_from_the_file_named_by_the_file_variable(monkeypatch, tmp_path):
    secret_file = tmp_path / "db_password"
    secret_file.write_text("s3cr3t-from-file\n", encoding="utf-8")
    monkeypatch.delenv("VP_PASSWORD", raising=False)
    monkeypatch.setenv("VP_PASSWORD_FILE", str(secret_file))
    assert env_secret("VP_PASSWORD") == "s3cr3t-from-file"


def test_a_secret_in_the_variable_itself_wins_over_the_file(monkeypatch, tmp_path):
    secret_file = tmp_path / "db_password"
    secret_file.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("VP_PASSWORD", "from-variable")
    monkeypatch.setenv("VP_PASSWORD_FILE", str(secret_file))
    assert env_secret("VP_PASSWORD") == "from-variable"


def test_a_secret_file_that_does_not_exist_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv("VP_PASSWORD", raising=False)
    monkeypatch.setenv("VP_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured) as caught:
        env_secret("VP_PASSWORD")
    assert "VP_PASSWORD_FILE trỏ tới tệp không tồn tại" in str(caught.value)


def test_an_absent_secret_is_none(monkeypatch):
    monkeypatch.delenv("VP_PASSWORD", raising=False)
    monkeypatch.delenv("VP_PASSWORD_FILE", raising=False)
    assert env_secret("VP_PASSWORD") is None


# --- the settings module, loaded in a fresh interpreter -----------------------------------


def test_production_settings_without_a_secret_key_stop_with_a_clear_message(tmp_path):
    result = _import_settings(tmp_path, VANPHONG_ENV="production")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Thiếu SECRET_KEY" in result.stderr
    assert "SECRET_KEY_FILE" in result.stderr


def test_production_settings_read_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(_random_key(), encoding="utf-8")
    result = _import_settings(tmp_path, VANPHONG_ENV="production", SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr


def test_local_settings_create_and_reuse_a_private_secret_key_file(tmp_path):
    first = _import_settings(tmp_path, VANPHONG_ENV="local")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    key = key_file.read_text(encoding="utf-8")
    assert len(key) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    second = _import_settings(tmp_path, VANPHONG_ENV="local")
    assert second.returncode == 0, second.stderr
    assert key_file.read_text(encoding="utf-8") == key


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("VANPHONG_ENV", "staging", "chọn một trong local, production, test"),
        ("VANPHONG_DEBUG", "perhaps", "đúng/sai"),
        ("LOGIN_MAX_FAILURES", "five", "cần một số nguyên"),
        ("SESSION_COOKIE_AGE", "10", "phải lớn hơn hoặc bằng 60"),
        ("NETWORK_ZONE", "internet", "chọn một trong connected, isolated"),
    ],
)
def test_a_bad_setting_stops_the_program_naming_the_variable(tmp_path, name, value, expected):
    result = _import_settings(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr
    assert expected in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user@db.example/vanphong",
        "not a url",
        "postgres://user@db.example:notaport/vanphong",
        "postgres://user@db.example",
        "sqlite:///",
    ],
)
def test_a_malformed_database_url_is_refused(tmp_path, url):
    result = _import_settings(tmp_path, DATABASE_URL=url)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL không hợp lệ" in result.stderr


def test_a_well_formed_database_url_is_accepted(tmp_path):
    result = _import_settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/vanphong.sqlite3")
    assert result.returncode == 0, result.stderr


def test_the_deployment_check_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [VANPHONG, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=tmp_path,
        env=_clean_env(
            tmp_path,
            VANPHONG_ENV="production",
            SECRET_KEY=_random_key(64),
            ALLOWED_HOSTS="vanphong.example",
        ),
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS" not in output


def test_the_deployment_check_warns_about_a_weak_secret_key(tmp_path):
    """The check above can fail: the same command flags a short key."""
    result = subprocess.run(
        [VANPHONG, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=tmp_path,
        env=_clean_env(
            tmp_path,
            VANPHONG_ENV="production",
            SECRET_KEY="short",
            ALLOWED_HOSTS="vanphong.example",
        ),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_the_wsgi_application_starts_warm_with_no_database_connection_to_inherit(
    tmp_path: Path,
) -> None:
    """gunicorn --preload imports vanphong.wsgi once in its master and forks the workers: the
    URL modules (every view, the API's routers), the modules requests import on first use and
    the node's key are loaded by then, and no database connection is open to be shared by the
    forked processes. A node without a key does not get one created by starting."""
    probe = (
        "import sys, vanphong.wsgi\n"
        "from django.db import connections\n"
        "from vanphong.exchange import node\n"
        "print('vanphong.exchange.views' in sys.modules, 'vanphong.api.api' in sys.modules,\n"
        "      'pikepdf' in sys.modules and 'httpcore' in sys.modules,\n"
        "      node.private_key.cache_info().currsize,\n"
        "      node.key_path().exists(),\n"
        "      any(c.connection is not None for c in connections.all(initialized_only=True)))\n"
    )
    env = _clean_env(tmp_path, VANPHONG_ENV="local")

    def start() -> list[str]:
        done = subprocess.run(
            [PYTHON, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.split()

    assert start() == ["True", "True", "True", "0", "False", "False"]
    writer = (
        "import django; django.setup()\n"
        "from vanphong.exchange import node\n"
        "from vanphong.exchange.edxml.samples import node_identity\n"
        "made = node_identity('000.00.01.T45', 'Văn phòng Tỉnh ủy')\n"
        "node.key_path().parent.mkdir(parents=True, exist_ok=True)\n"
        "node.key_path().write_bytes(made.key_pem)\n"
        "node.cert_path().write_bytes(made.cert_pem)\n"
    )
    made = subprocess.run(
        [PYTHON, "-c", writer],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "vanphong.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    assert start() == ["True", "True", "True", "1", "True", "False"]


def test_a_finished_task_leaves_nothing_behind_in_the_queue(tmp_path: Path) -> None:
    """huey keeps the return value of every task until someone reads it (its results store has
    no expiry); nothing here reads them, so with the project's queue settings a delivery that
    returns "delivered" must not leave a row behind for each package, forever."""
    from django.conf import settings
    from huey import SqliteHuey

    queue = SqliteHuey(
        "results-probe", filename=str(tmp_path / "queue.sqlite3"), results=settings.HUEY["results"]
    )

    @queue.task()
    def deliver() -> str:
        return "delivered"

    deliver()
    queue.execute(queue.dequeue())
    assert queue.storage.result_store_size() == 0 and queue.pending_count() == 0
