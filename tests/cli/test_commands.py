"""Every `civicdesk` command, its output, and its errors (one clear line, never a traceback)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.demo.seed import DEMO_PARTNERS
from tests.cli.conftest import Civicdesk, Result

COMMANDS = [
    [],
    ["run"],
    ["api"],
    ["bot"],
    ["worker"],
    ["demo"],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["staff"],
    ["staff", "add"],
    ["staff", "list"],
    ["staff", "disable"],
    ["staff", "enable"],
    ["staff", "reset-password"],
    ["partners"],
    ["partners", "load"],
    ["partners", "list"],
    ["intents"],
    ["intents", "check"],
    ["digest"],
    ["digest", "preview"],
    ["digest", "send"],
]


def one_clean_line(result: Result) -> str:
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv) or "civicdesk")
def test_every_command_has_help(civicdesk: Civicdesk, argv: list[str]) -> None:
    result = civicdesk(*argv, "--help")
    assert result.code == 0
    assert result.out.startswith("usage: civicdesk")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["launch"], "invalid choice: 'launch'"),
        (["staff", "add", "--email", "a@b.example"], "the following arguments are required"),
        (
            ["staff", "add", "--email", "a@b.example", "--name", "A", "--role", "wizard"],
            "invalid choice",
        ),
        (["db", "downgrade"], "the following arguments are required: revision"),
        (["api", "--port", "eighty"], "invalid int value"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    civicdesk: Civicdesk, argv: list[str], message: str
) -> None:
    result = civicdesk(*argv)
    assert result.code == 2
    assert message in one_clean_line(result)


def test_database_lifecycle_on_sqlite(civicdesk: Civicdesk, isolated_env: Path) -> None:
    assert "base (behind" in civicdesk("db", "current").out
    upgraded = civicdesk("db", "upgrade")
    assert upgraded.code == 0 and upgraded.out.startswith("database at ")
    assert (isolated_env / "data" / "civicdesk.db").exists()
    assert "(up to date)" in civicdesk("db", "current").out
    assert civicdesk("db", "downgrade", "base").out.strip() == "database at base"
    bad = civicdesk("db", "downgrade", "nonsense")
    assert bad.code == 1 and one_clean_line(bad).startswith("error: migrations:")


def test_database_lifecycle_on_postgres(
    civicdesk: Civicdesk, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVICDESK_DATABASE_URL", postgres_url)
    assert civicdesk("db", "upgrade").code == 0
    assert "(up to date)" in civicdesk("db", "current").out
    assert civicdesk("partners", "load", str(DEMO_PARTNERS)).code == 0
    assert (
        civicdesk("staff", "add", "--email", "a@x.example", "--name", "A", "--role", "admin").code
        == 0
    )
    assert "a@x.example" in civicdesk("staff", "list").out
    assert civicdesk("db", "downgrade", "base").code == 0


def test_staff_commands(civicdesk: Civicdesk) -> None:
    civicdesk("db", "upgrade")
    assert civicdesk("partners", "load", str(DEMO_PARTNERS)).code == 0
    added = civicdesk(
        "staff",
        "add",
        "--email",
        "Rosa@City.Example",
        "--name",
        "Rosa",
        "--role",
        "caseworker",
        "--partner",
        "roads",
    )
    assert added.code == 0, added.err
    assert "created caseworker rosa@city.example (roads)" in added.out
    assert re.search(r"one-time password: [a-z0-9]{4}(-[a-z0-9]{4}){3}", added.out)

    typed = civicdesk(
        "staff",
        "add",
        "--email",
        "admin@city.example",
        "--name",
        "Ada",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert typed.code == 0 and "one-time password" not in typed.out

    duplicate = civicdesk(
        "staff", "add", "--email", "rosa@city.example", "--name", "R", "--role", "admin"
    )
    assert duplicate.code == 1 and "already has an account" in one_clean_line(duplicate)
    no_partner = civicdesk(
        "staff", "add", "--email", "m@city.example", "--name", "M", "--role", "manager"
    )
    assert no_partner.code == 1 and "belongs to a partner" in one_clean_line(no_partner)
    bad_email = civicdesk(
        "staff", "add", "--email", "not-an-email", "--name", "M", "--role", "admin"
    )
    assert bad_email.code == 1 and "--email" in one_clean_line(bad_email)
    weak = civicdesk(
        "staff",
        "add",
        "--email",
        "w@city.example",
        "--name",
        "W",
        "--role",
        "admin",
        "--password-stdin",
        stdin="short\n",
    )
    assert weak.code == 1 and "at least" in one_clean_line(weak)

    listing = civicdesk("staff", "list").out.splitlines()
    assert [line.split()[0] for line in listing] == ["admin@city.example", "rosa@city.example"]
    assert "roads" in listing[1] and "active" in listing[1]
    assert civicdesk("staff", "list", "--partner", "roads").out.count("\n") == 1
    assert civicdesk("staff", "list", "--partner", "nope").code == 1

    assert (
        civicdesk("staff", "disable", "rosa@city.example").out.strip()
        == "rosa@city.example is now disabled"
    )
    assert "disabled" in civicdesk("staff", "list").out
    assert (
        civicdesk("staff", "enable", "ROSA@city.example").out.strip()
        == "rosa@city.example is now active"
    )
    reset = civicdesk("staff", "reset-password", "rosa@city.example")
    assert reset.code == 0 and "one-time password for rosa@city.example: " in reset.out
    ghost = civicdesk("staff", "reset-password", "ghost@city.example")
    assert ghost.code == 1 and "no staff account" in one_clean_line(ghost)


def test_partner_commands(civicdesk: Civicdesk, isolated_env: Path) -> None:
    civicdesk("db", "upgrade")
    assert "no partners yet" in civicdesk("partners", "list").out
    loaded = civicdesk("partners", "load", str(DEMO_PARTNERS))
    assert loaded.code == 0 and loaded.out.startswith("loaded 19 partner(s): coordination, roads")
    listing = civicdesk("partners", "list").out
    assert "coordination unit" in listing and "intents: pothole, streetlight" in listing
    assert "districts: north, old-town, west" in listing
    assert civicdesk("partners", "load", str(DEMO_PARTNERS)).code == 0  # idempotent
    bad = isolated_env / "bad.yaml"
    bad.write_text("partners:\n  - {code: x, name: X, kind: club}\n")
    result = civicdesk("partners", "load", str(bad))
    assert result.code == 1 and "partners.0.kind" in one_clean_line(result)
    missing = civicdesk("partners", "load", "no-such-file.yaml")
    assert missing.code == 1 and "cannot read" in one_clean_line(missing)


def test_intents_check(civicdesk: Civicdesk, isolated_env: Path) -> None:
    result = civicdesk("intents", "check")
    assert result.code == 0
    assert "catalog OK: 25 intents, 9 groups" in result.out
    assert re.search(r"^pothole\s+request(\s+\d+){10}$", result.out, re.MULTILINE)
    empty = isolated_env / "empty"
    empty.mkdir()
    (empty / "broken.yaml").write_text("code: broken\n")
    failed = civicdesk("intents", "check", str(empty))
    assert failed.code == 1 and "problem(s)" in failed.err and "broken.yaml" in failed.err


def test_demo_seeds_once_and_prints_logins(civicdesk: Civicdesk) -> None:
    first = civicdesk("demo", "--seed-only")
    assert first.code == 0, first.err
    assert "seeded the demo city Riverton" in first.out
    roles = re.findall(
        r"^\s+(admin|coordinator|manager|caseworker)\s+\S+@riverton\.example\s+\S+",
        first.out,
        re.MULTILINE,
    )
    assert set(roles) == {"admin", "coordinator", "manager", "caseworker"}
    second = civicdesk("demo", "--seed-only")
    assert "already there" in second.out
    assert (
        first.out.split("admin@riverton.example")[1].split()[0]
        != second.out.split("admin@riverton.example")[1].split()[0]
    )  # fresh one-time passwords
    listing = civicdesk("staff", "list").out
    assert listing.count("riverton.example") == 9


def test_processes_refuse_to_start_on_an_old_schema_or_without_a_token(
    civicdesk: Civicdesk,
) -> None:
    bot = civicdesk("bot")
    assert bot.code == 1 and "CIVICDESK_BOT_TOKEN" in one_clean_line(bot)
    for command in ("api", "worker"):
        result = civicdesk(command)
        assert result.code == 1 and "run `civicdesk db upgrade` first" in one_clean_line(result)


def test_configuration_and_connection_errors_are_one_line(
    civicdesk: Civicdesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIVICDESK_TIMEZONE", "Mars/Olympus")
    result = civicdesk("db", "current")
    assert result.code == 1
    assert one_clean_line(result).startswith("configuration error: CIVICDESK_TIMEZONE: ")
    monkeypatch.delenv("CIVICDESK_TIMEZONE")
    monkeypatch.setenv("CIVICDESK_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/none")
    unreachable = civicdesk("db", "current")
    assert unreachable.code == 1 and one_clean_line(unreachable).startswith("error: cannot reach")


def test_intents_classify_writes_one_json_line_per_input_line(civicdesk: Civicdesk) -> None:
    import json

    result = civicdesk("intents", "classify", stdin="big pothole on main street\n\n🔥🔥🔥\nhello\n")
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [line["intent"] for line in lines] == ["pothole", "unknown", "emergency", "unknown"]
    assert set(lines[0]) == {"intent", "score", "language", "decision", "alternatives"}
    assert lines[0]["language"] == "en" and lines[0]["decision"] in ("confident", "ambiguous")
    assert all(set(alt) == {"intent", "score"} for alt in lines[0]["alternatives"])
    missing = civicdesk("intents", "classify", "--catalog", "nowhere", stdin="x\n")
    assert missing.code == 1 and "catalog folder not found" in missing.err


def test_intents_eval_prints_the_figures(civicdesk: Civicdesk, isolated_env: Path) -> None:
    import json

    labelled = isolated_env / "set.jsonl"
    rows = [
        {"text": "huge pothole here", "intent": "pothole", "lang": "en"},
        {"text": "la farola no funciona", "intent": "streetlight", "lang": "es"},
        {"text": "who won the football", "intent": "unknown", "lang": "en"},
    ]
    labelled.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    text = civicdesk("intents", "eval", str(labelled))
    assert text.code == 0
    for label in (
        "top-1 accuracy",
        "macro-F1",
        "out-of-scope precision",
        "out-of-scope recall",
        "emergency recall",
        "most confused",
    ):
        assert label in text.out
    figures = json.loads(civicdesk("intents", "eval", str(labelled), "--json").out)
    assert figures["messages"] == 3 and set(figures["accuracy_by_language"]) == {"en", "es"}
    labelled.write_text('{"text": "no intent"}\n')
    bad = civicdesk("intents", "eval", str(labelled))
    assert bad.code == 1 and "set.jsonl:1" in one_clean_line(bad)
    missing = civicdesk("intents", "eval", "missing.jsonl")
    assert missing.code == 1 and "cannot read" in one_clean_line(missing)


def test_api_tokens(civicdesk: Civicdesk) -> None:
    civicdesk("db", "upgrade")
    civicdesk("staff", "add", "--email", "c@city.example", "--name", "C", "--role", "coordinator")
    created = civicdesk("staff", "token", "create", "c@city.example", "--name", "reporting")
    assert created.code == 0
    match = re.search(r"token (\d+) \(reporting\) for c@city\.example: (cdk_\S+)", created.out)
    assert match is not None
    listing = civicdesk("staff", "token", "list", "c@city.example").out
    assert match.group(2)[:10] in listing and "active" in listing and "never used" in listing
    assert match.group(2) not in listing  # the secret is never shown again
    assert "is revoked" in civicdesk("staff", "token", "revoke", match.group(1)).out
    assert "revoked" in civicdesk("staff", "token", "list", "c@city.example").out
    unknown = civicdesk("staff", "token", "create", "ghost@city.example", "--name", "x")
    assert unknown.code == 1 and "no staff account" in one_clean_line(unknown)
    assert civicdesk("staff", "token", "revoke", "999").code == 1


def test_digest_preview_and_send(civicdesk: Civicdesk, isolated_env: Path) -> None:
    assert civicdesk("demo", "--seed-only").code == 0
    out = isolated_env / "digest.html"
    preview = civicdesk(
        "digest", "preview", "--staff", "roads.manager@riverton.example", "--week", "2026-W40",
        "--out", str(out),
    )  # fmt: skip
    assert preview.code == 0, preview.err
    html = out.read_text(encoding="utf-8")
    assert "<html" in html and html.count('src="data:image/png;base64,') == 3
    refused = civicdesk("digest", "preview", "--staff", "nobody@riverton.example", "--out", "x")
    assert refused.code == 1 and "gets no digest" in one_clean_line(refused)
    bad_week = civicdesk("digest", "send", "--week", "2026-W60")
    assert bad_week.code == 2 and "has no week 60" in bad_week.err

    sent = civicdesk("digest", "send", "--week", "2026-W40", "--wait", "0")
    assert sent.code == 0, sent.err
    assert re.search(r"2026-W40: queued \d+ message\(s\)", sent.out)
    assert "roads.manager@riverton.example" in sent.out and "pending" in sent.out
    assert "still queued" in sent.out
    again = civicdesk("digest", "send", "--week", "2026-W40", "--wait", "0")
    assert "nothing to send" in again.out  # queued once per person, however often it runs
