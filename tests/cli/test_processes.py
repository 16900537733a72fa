"""The long-running commands start real processes that serve and stop cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.services_available import REDIS_URL, need

REPO = Path(__file__).resolve().parents[2]
CIVICDESK = [sys.executable, "-c", "from cli.main import main; main()"]
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CIVICDESK_")}
    env.update(
        CIVICDESK_DATA_DIR=str(tmp_path / "data"), CIVICDESK_LOG_LEVEL="INFO", PYTHONPATH=str(REPO)
    )
    return env


def start(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        CIVICDESK + args,
        cwd=tmp_path,
        env=environment(tmp_path),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_http(url: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"process ended early:\n{process.stdout.read() if process.stdout else ''}")
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {START_TIMEOUT}s")


def stop(process: subprocess.Popen[str], sig: int = signal.SIGINT) -> str:
    process.send_signal(sig)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"did not stop on signal {sig}:\n{output}")
    return output


def test_run_serves_health_and_says_the_bot_is_off(tmp_path: Path) -> None:
    port = free_port()
    process = start(["run", "--port", str(port)], tmp_path)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz", process).json() == {"status": "ok"}
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200 and ready.json()["database"] == "ok"
    finally:
        output = stop(process)
    assert "the Telegram bot is off: set CIVICDESK_BOT_TOKEN" in output
    assert f"civicdesk is running at http://127.0.0.1:{port}/" in output
    assert "worker started with jobs: close_resolved" in output
    assert "Traceback" not in output, output


def test_api_and_worker_run_alone_after_migration(tmp_path: Path) -> None:
    migrated = subprocess.run(
        [*CIVICDESK, "db", "upgrade"],
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    api = start(["api", "--port", str(port)], tmp_path)
    worker = start(["worker"], tmp_path)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/readyz", api).status_code == 200
    finally:
        api_output = stop(api)
        worker_output = stop(worker, signal.SIGTERM)
    assert "Traceback" not in api_output, api_output
    assert "worker started with jobs: close_resolved" in worker_output


def test_api_serves_from_several_worker_processes(tmp_path: Path) -> None:
    need("redis")
    env = {**environment(tmp_path), "CIVICDESK_REDIS_URL": REDIS_URL}
    refused = subprocess.run(
        [*CIVICDESK, "api", "--workers", "2"],
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0 and "CIVICDESK_REDIS_URL" in refused.stderr
    migrated = subprocess.run(
        [*CIVICDESK, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    api = subprocess.Popen(
        [*CIVICDESK, "api", "--workers", "2", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/readyz", api).status_code == 200
        for _ in range(20):  # both workers answer on the one socket
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        output = stop(api, signal.SIGTERM)
    assert output.count("Started server process") == 2, output
    assert "Traceback" not in output and api.returncode == 0, output


def test_classify_handles_thousands_of_lines_in_one_process(tmp_path: Path) -> None:
    lines = ["the street lamp is broken", "пожежа в під'їзді", "你好", "bache enorme"] * 750
    completed = subprocess.run(
        [*CIVICDESK, "intents", "classify"],
        input="\n".join(lines) + "\n",
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout.splitlines()
    assert len(out) == 3000
    assert out[0].startswith('{"intent": "streetlight"') and out[1].startswith(
        '{"intent": "emergency"'
    )


async def test_run_with_a_token_answers_residents_by_long_polling(tmp_path: Path) -> None:
    import asyncio

    from tests.botapi import BotApiStub, FakeUser

    stub = BotApiStub("777:PROCESS-token")
    await stub.start()
    env = environment(tmp_path)
    env.update(CIVICDESK_BOT_TOKEN=stub.token, CIVICDESK_TELEGRAM_API_URL=stub.url)
    process = await asyncio.create_subprocess_exec(
        *CIVICDESK,
        "run",
        "--port",
        str(free_port()),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        replies = await stub.say(FakeUser(31, "Ana", "pt"), "/start", timeout=60)
        assert "?" in replies[0]["text"]
        assert any(call.method == "setMyCommands" for call in stub.calls)
        assert any(call.method == "deleteWebhook" for call in stub.calls)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
        await stub.stop()
    assert b"the Telegram bot is on (long polling)" in output
    assert b"Traceback" not in output
