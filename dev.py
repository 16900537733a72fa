#!/usr/bin/env python3
"""Set up a development environment and run civicdesk or its tests. Standard library only.

python3 dev.py demo    # set up, seed a demo city, run everything on SQLite
python3 dev.py test    # set up, then lint, type-check and run the whole test suite
python3 dev.py setup   # only set up (.venv, Python packages, compiled translations)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".civicdesk-setup"
MINIMUM_PYTHON = (3, 11)


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*command: str | Path, check: bool = True) -> int:
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, check=False)
    if check and completed.returncode != 0:
        sys.exit(completed.returncode)
    return completed.returncode


def fingerprint() -> str:
    """Setup is redone when what it installs from changes."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "package.json", "package-lock.json"):
        path = ROOT / name
        if path.exists():
            digest.update(name.encode() + path.read_bytes())
    return digest.hexdigest()


def compile_translations() -> None:
    locales = ROOT / "locales"
    if any(locales.glob("*/LC_MESSAGES/*.po")):
        step("compiling translations")
        run(
            PYTHON,
            "-m",
            "babel.messages.frontend",
            "compile",
            "-d",
            locales,
            "-D",
            "messages",
            "--statistics",
        )


def setup() -> None:
    if sys.version_info < MINIMUM_PYTHON:
        sys.exit(f"civicdesk needs Python {'.'.join(map(str, MINIMUM_PYTHON))} or newer")
    if not PYTHON.exists():
        step("creating the virtual environment in .venv")
        run(sys.executable, "-m", "venv", VENV)
    if not STAMP.exists() or STAMP.read_text() != fingerprint():
        step("installing Python packages")
        run(
            PYTHON,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--editable",
            ".[test]",
        )
        if (ROOT / "package.json").exists():
            step("installing npm packages")
            run(
                "npm",
                "ci" if (ROOT / "package-lock.json").exists() else "install",
                "--no-audit",
                "--no-fund",
            )
        STAMP.write_text(fingerprint())
    compile_translations()


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it when missing and we may."""
    browser = Path(os.environ.get("CIVICDESK_CHROMIUM", "/usr/bin/chromium"))
    if browser.exists() or shutil.which("apt-get") is None:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        prefix = []
    elif shutil.which("sudo") and run("sudo", "-n", "true", check=False) == 0:
        prefix = ["sudo", "-n"]
    else:
        print(f"note: {browser} is missing; the browser tests need `apt-get install chromium`")
        return
    step("installing chromium (Debian package) for the browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run([*prefix, *command], cwd=ROOT, env=env, check=False)


def test(extra: list[str]) -> int:
    ensure_chromium()
    failures = []
    for name, command in (
        ("ruff check", [BIN / "ruff", "check", "."]),
        ("ruff format", [BIN / "ruff", "format", "--check", "."]),
        ("mypy core", [BIN / "mypy", "core"]),
    ):
        step(name)
        if run(*command, check=False) != 0:
            failures.append(name)
    step("pytest")
    # Exit status 5 means no test ran: that is a failure, not a pass.
    if run(PYTHON, "-m", "pytest", *extra, check=False) != 0:
        failures.append("pytest")
    if failures:
        print(f"FAILED: {', '.join(failures)}", flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


def main(argv: list[str]) -> int:
    command, extra = (argv[0], argv[1:]) if argv else ("help", [])
    if command not in ("demo", "test", "setup"):
        print(__doc__)
        return 0 if command in ("help", "-h", "--help") else 2
    setup()
    if command == "demo":
        os.chdir(ROOT)
        os.execv(BIN / "civicdesk", [str(BIN / "civicdesk"), "demo", *extra])
    if command == "test":
        return test(extra)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
