from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.main import run
from tests.databases import scratch_database


@dataclass
class Result:
    code: int
    out: str
    err: str


Civicdesk = Callable[..., Result]


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No developer .env, no CIVICDESK_* from the shell: each test configures what it needs."""
    import os

    for name in list(os.environ):
        if (
            name.startswith("CIVICDESK_")
            and not name.startswith("CIVICDESK_TEST_")
            and name != "CIVICDESK_REQUIRE_SERVICES"
        ):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIVICDESK_LOG_LEVEL", "WARNING")
    return tmp_path


@pytest.fixture
def civicdesk(
    isolated_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Civicdesk:
    """Run the real `civicdesk` entry point in-process and capture what it prints."""

    def invoke(*argv: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            import io

            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = run(list(argv))
        except SystemExit as exc:  # --help
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
async def postgres_url(tmp_path: Path) -> AsyncIterator[str]:
    async with scratch_database("postgresql", tmp_path) as url:
        yield url
