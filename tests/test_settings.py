from __future__ import annotations

import pytest

from podium.errors import ConfigurationError
from podium.settings import (
    DEFAULT_DATABASE_URL,
    POSTGRESQL_SCORE_BATCH,
    SQLITE_SCORE_BATCH,
    Settings,
    load_settings,
)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PODIUM_DATABASE_URL", "PODIUM_PORT", "PODIUM_SCORE_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.score_interval == 900
    assert settings.is_sqlite


def test_environment_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODIUM_PORT", "9001")
    monkeypatch.setenv("PODIUM_DATABASE_URL", "postgresql://postgres@db:5432/podium")
    settings = load_settings(host="0.0.0.0", port=None)
    assert settings.port == 9001
    assert settings.host == "0.0.0.0"
    assert settings.database_url == "postgresql+psycopg://postgres@db:5432/podium"
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PODIUM_DATABASE_URL", "mysql://x/y", "PODIUM_DATABASE_URL"),
        ("PODIUM_PORT", "70000", "PODIUM_PORT"),
        ("PODIUM_SCORE_INTERVAL", "0", "PODIUM_SCORE_INTERVAL"),
        ("PODIUM_LOG_LEVEL", "LOUD", "PODIUM_LOG_LEVEL"),
        ("PODIUM_SCORER_MEMORY_LIMIT_MB", "100", "PODIUM_SCORER_MEMORY_LIMIT_MB"),
        ("PODIUM_SCORER_TIMEOUT_MS", "0", "PODIUM_SCORER_TIMEOUT_MS"),
        ("PODIUM_SCORER_SANDBOX", "maybe", "PODIUM_SCORER_SANDBOX"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


def test_each_backend_has_its_default_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODIUM_SCORE_BATCH_SIZE", raising=False)
    sqlite = Settings(database_url="sqlite:///./x.db")
    postgresql = Settings(database_url="postgresql://u@h/db")
    assert sqlite.score_batch == SQLITE_SCORE_BATCH == 20_000
    assert postgresql.score_batch == POSTGRESQL_SCORE_BATCH == 100_000


def test_a_given_batch_size_wins_on_every_backend() -> None:
    for url in ("sqlite:///./x.db", "postgresql://u@h/db"):
        assert Settings(database_url=url, score_batch_size=5_000).score_batch == 5_000
