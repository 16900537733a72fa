"""Load and validate a catalog folder.

Every problem is reported with where it is (file, intent, language, field), all at once, so a
city editing its catalog fixes everything in one pass instead of one error per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from core.i18n import SUPPORTED_LOCALES
from core.intents.catalog import (
    Attribute,
    AttributeOption,
    Catalog,
    CatalogError,
    CatalogProblem,
    Datatype,
    Group,
    Intent,
    IntentKind,
    LanguageEntry,
    QuestionMode,
    Questions,
    Targets,
)

MIN_PHRASES_PER_LANGUAGE = 15
GROUPS_FILE = "_groups.yaml"
OUT_OF_SCOPE_FILE = "_out_of_scope.yaml"
INTENT_KEYS = frozenset(
    {"code", "kind", "group", "routing", "targets", "sensitive", "questions", "languages"}
)
LANGUAGE_KEYS = frozenset({"name", "description", "phrases", "keywords", "answer"})
# libyaml's parser when installed (much faster on a full catalog), else the pure one; both safe.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class _Checker:
    """Collects the problems of one file while reading its parsed YAML."""

    file: str
    intent: str | None = None
    problems: list[CatalogProblem] = field(default_factory=list)

    def problem(
        self, message: str, *, language: str | None = None, field: str | None = None
    ) -> None:
        self.problems.append(
            CatalogProblem(self.file, message, intent=self.intent, language=language, field=field)
        )

    def text(self, value: Any, field: str, *, language: str | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem("must be a non-empty string", language=language, field=field)
            return ""
        return value.strip()

    def translated(self, value: Any, field: str) -> dict[str, str]:
        if not isinstance(value, dict):
            self.problem("must map each of the ten languages to a text", field=field)
            return {}
        for language in SUPPORTED_LOCALES:
            if language not in value:
                self.problem("translation missing", language=language, field=field)
        unknown = sorted(set(map(str, value)) - set(SUPPORTED_LOCALES))
        if unknown:
            self.problem(f"unsupported language(s) {', '.join(unknown)}", field=field)
        return {
            lang: self.text(value[lang], field, language=lang)
            for lang in SUPPORTED_LOCALES
            if lang in value
        }

    def enum(self, enum_cls: type[StrEnum], value: Any, field: str) -> Any:
        try:
            return enum_cls(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_cls)
            self.problem(f"unknown value {value!r}; expected one of: {allowed}", field=field)
            return None

    def string_list(
        self, value: Any, field: str, *, language: str | None = None
    ) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem("must be a list of strings", language=language, field=field)
            return ()
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(
                    f"item {index + 1} must be a non-empty string", language=language, field=field
                )
            else:
                items.append(item.strip())
        return tuple(items)

    def mapping(self, value: Any, field: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem("must be a mapping", field=field)
            return {}
        return value


def _read_yaml(path: Path, problems: list[CatalogProblem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(CatalogProblem(path.name, f"invalid YAML: {reason}", line=line))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(CatalogProblem(path.name, f"cannot read file: {exc}"))
    return None


def _parse_attribute(check: _Checker, raw: Any, index: int) -> Attribute | None:
    where = f"questions.attributes[{index}]"
    if not isinstance(raw, dict):
        check.problem("must be a mapping", field=where)
        return None
    code = check.text(raw.get("code"), f"{where}.code")
    where = f"questions.attributes.{code or index}"
    datatype = check.enum(Datatype, raw.get("datatype"), f"{where}.datatype")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        check.problem("must be true or false", field=f"{where}.required")
        required = False
    label = check.translated(raw.get("label"), f"{where}.label")
    options: list[AttributeOption] = []
    raw_options = raw.get("options")
    if datatype is not None and datatype.is_list:
        if not isinstance(raw_options, list) or not raw_options:
            check.problem(f"a {datatype} needs a non-empty options list", field=f"{where}.options")
            raw_options = []
        seen: set[str] = set()
        for position, raw_option in enumerate(raw_options):
            option_where = f"{where}.options[{position}]"
            if not isinstance(raw_option, dict):
                check.problem("must be a mapping with key and label", field=option_where)
                continue
            key = check.text(str(raw_option.get("key", "")), f"{option_where}.key")
            if key in seen:
                check.problem(f"duplicate option key {key!r}", field=option_where)
            seen.add(key)
            options.append(
                AttributeOption(
                    key, check.translated(raw_option.get("label"), f"{option_where}.label")
                )
            )
    elif raw_options and datatype is not None:
        check.problem(
            f"options are only allowed for list datatypes, not {datatype}", field=f"{where}.options"
        )
    if datatype is None or not code:
        return None
    return Attribute(code, datatype, required, label, tuple(options))


def _parse_questions(check: _Checker, raw: Any) -> Questions:
    raw = check.mapping(raw, "questions")
    location = check.enum(QuestionMode, raw.get("location", "none"), "questions.location")
    photo = check.enum(QuestionMode, raw.get("photo", "none"), "questions.photo")
    if photo is QuestionMode.REQUIRED:
        check.problem("a photo can be optional or none, never required", field="questions.photo")
    raw_attributes = raw.get("attributes") or []
    if not isinstance(raw_attributes, list):
        check.problem("must be a list", field="questions.attributes")
        raw_attributes = []
    attributes = [_parse_attribute(check, item, index) for index, item in enumerate(raw_attributes)]
    codes = [attribute.code for attribute in attributes if attribute]
    for duplicate in sorted({code for code in codes if codes.count(code) > 1}):
        check.problem(f"duplicate attribute code {duplicate!r}", field="questions.attributes")
    return Questions(
        location or QuestionMode.NONE,
        photo or QuestionMode.NONE,
        tuple(attribute for attribute in attributes if attribute),
    )


def _parse_targets(check: _Checker, raw: Any, kind: IntentKind | None) -> Targets | None:
    if raw is None:
        if kind not in (IntentKind.INFORMATION, None):
            check.problem("targets are required for a ticket-filing intent", field="targets")
        return None
    raw = check.mapping(raw, "targets")
    hours = {}
    for key in ("first_response_hours", "resolution_hours"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            check.problem("must be a positive number of working hours", field=f"targets.{key}")
            value = 1
        hours[key] = float(value)
    if hours["first_response_hours"] > hours["resolution_hours"]:
        check.problem("first response cannot be due after resolution", field="targets")
    return Targets(**hours)


def _parse_language(
    check: _Checker, language: str, raw: Any, kind: IntentKind | None
) -> LanguageEntry:
    raw = check.mapping(raw, f"languages.{language}")
    for key in sorted(set(raw) - LANGUAGE_KEYS):
        check.problem(f"unknown field {key!r}", language=language, field=key)
    phrases = check.string_list(raw.get("phrases"), "phrases", language=language)
    if len(phrases) < MIN_PHRASES_PER_LANGUAGE:
        check.problem(
            f"has {len(phrases)} phrases; at least {MIN_PHRASES_PER_LANGUAGE} are needed",
            language=language,
            field="phrases",
        )
    answer = raw.get("answer")
    if kind is IntentKind.INFORMATION:
        answer = check.text(answer, "answer", language=language)
    elif answer is not None:
        check.problem("only information intents carry an answer", language=language, field="answer")
        answer = None
    return LanguageEntry(
        name=check.text(raw.get("name"), "name", language=language),
        description=check.text(raw.get("description"), "description", language=language),
        phrases=phrases,
        keywords=check.string_list(raw.get("keywords"), "keywords", language=language),
        answer=answer,
    )


def _parse_intent(
    path: Path, raw: Any, group_codes: set[str] | None
) -> tuple[Intent | None, list[CatalogProblem]]:
    check = _Checker(path.name)
    if not isinstance(raw, dict):
        check.problem("the file must hold one intent as a mapping")
        return None, check.problems
    check.intent = raw.get("code") if isinstance(raw.get("code"), str) else None
    code = check.text(raw.get("code"), "code")
    if code and path.stem != code:
        check.problem(f"file name must be {code}.yaml", field="code")
    for key in sorted(set(raw) - INTENT_KEYS):
        check.problem(f"unknown field {key!r}", field=key)
    kind = check.enum(IntentKind, raw.get("kind"), "kind")
    group = check.text(raw.get("group"), "group")
    if group and group_codes is not None and group not in group_codes:
        check.problem(f"unknown group {group!r}; groups are listed in {GROUPS_FILE}", field="group")
    routing = check.mapping(raw.get("routing"), "routing")
    partner_types = check.string_list(routing.get("partner_types"), "routing.partner_types")
    if kind not in (IntentKind.INFORMATION, None) and not partner_types:
        check.problem(
            "a ticket-filing intent needs at least one partner type", field="routing.partner_types"
        )
    sensitive = raw.get("sensitive", False)
    if not isinstance(sensitive, bool):
        check.problem("must be true or false", field="sensitive")
    targets = _parse_targets(check, raw.get("targets"), kind)
    questions = _parse_questions(check, raw.get("questions"))
    raw_languages = check.mapping(raw.get("languages"), "languages")
    for language in SUPPORTED_LOCALES:
        if language not in raw_languages:
            check.problem("language missing", language=language, field="languages")
    for language in sorted(set(map(str, raw_languages)) - set(SUPPORTED_LOCALES)):
        check.problem("unsupported language", language=language, field="languages")
    languages = {
        language: _parse_language(check, language, raw_languages[language], kind)
        for language in SUPPORTED_LOCALES
        if language in raw_languages
    }
    if check.problems or kind is None:
        return None, check.problems
    intent = Intent(
        code=code,
        kind=kind,
        group=group,
        partner_types=partner_types,
        targets=targets,
        sensitive=bool(sensitive),
        questions=questions,
        languages=languages,
        source=path,
    )
    return intent, []


def _parse_groups(path: Path, problems: list[CatalogProblem]) -> tuple[Group, ...] | None:
    if not path.exists():
        return None
    raw = _read_yaml(path, problems)
    check = _Checker(path.name)
    items = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        check.problem("must hold a list under 'groups'")
        problems.extend(check.problems)
        return None
    groups = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            check.problem("must be a mapping with code and label", field=f"groups[{index}]")
            continue
        code = check.text(item.get("code"), f"groups[{index}].code")
        groups.append(Group(code, check.translated(item.get("label"), f"groups.{code}.label")))
    problems.extend(check.problems)
    return tuple(groups)


def _parse_out_of_scope(path: Path, problems: list[CatalogProblem]) -> dict[str, tuple[str, ...]]:
    """Optional counter-examples: {languages: {xx: {phrases: [...]}}}."""
    if not path.exists():
        return {}
    raw = _read_yaml(path, problems)
    check = _Checker(path.name)
    languages = check.mapping(raw.get("languages") if isinstance(raw, dict) else None, "languages")
    phrases = {}
    for language, entry in languages.items():
        if language not in SUPPORTED_LOCALES:
            check.problem("unsupported language", language=str(language), field="languages")
            continue
        entry = check.mapping(entry, f"languages.{language}")
        phrases[language] = check.string_list(entry.get("phrases"), "phrases", language=language)
    problems.extend(check.problems)
    return phrases


def load_catalog(directory: Path) -> Catalog:
    """Read every intent file in `directory`; raise `CatalogError` listing all problems."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CatalogError([CatalogProblem(str(directory), "catalog folder not found")])
    problems: list[CatalogProblem] = []
    groups = _parse_groups(directory / GROUPS_FILE, problems)
    group_codes = {group.code for group in groups} if groups is not None else None
    out_of_scope = _parse_out_of_scope(directory / OUT_OF_SCOPE_FILE, problems)
    intents: dict[str, Intent] = {}
    files = sorted(path for path in directory.glob("*.yaml") if not path.name.startswith("_"))
    if not files:
        problems.append(CatalogProblem(str(directory), "no intent files (*.yaml) found"))
    first_file_of: dict[str, str] = {}
    for path in files:
        before = len(problems)
        raw = _read_yaml(path, problems)
        if len(problems) > before:
            continue
        code = raw.get("code") if isinstance(raw, dict) else None
        if isinstance(code, str) and code in first_file_of:
            problems.append(
                CatalogProblem(
                    path.name,
                    f"duplicate intent code, first defined in {first_file_of[code]}",
                    intent=code,
                    field="code",
                )
            )
            continue
        if isinstance(code, str):
            first_file_of[code] = path.name
        intent, intent_problems = _parse_intent(path, raw, group_codes)
        problems.extend(intent_problems)
        if intent is not None:
            intents[intent.code] = intent
    if problems:
        raise CatalogError(problems)
    return Catalog(
        intents=intents, groups=groups or (), directory=directory, out_of_scope=out_of_scope
    )
