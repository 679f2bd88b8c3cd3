"""Loading the council's rule and template files, refusing to start on a bad one.

``rules/*.yaml``: one file per rule (its name is the file's)::

    event: townhall.cases.case.submitted.v1
    template: case_submitted      # a file in templates/
    recipient: resident           # or destination: the contact point the event names
    essential: true               # false: residents may opt out of it
    urgent: false                 # true: texts go in quiet hours too
    channels: [email, sms, letter]

``templates/*.yaml``: per channel, the words in English and Welsh, and the ids of the
same templates in the council's GOV.UK Notify account::

    email:
      notify_id: {en: <uuid>, cy: <uuid>}
      en: {subject: "Request ((reference)) received", body: "..."}
      cy: {subject: "...", body: "..."}

Every problem is a :class:`RuleBookError` naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from townhall.notifications.domain.exceptions import RuleBookError
from townhall.notifications.domain.rules import (
    CHANNELS,
    LANGUAGES,
    RECIPIENTS,
    Rule,
    RuleBook,
    Template,
    Wording,
)
from townhall.notifications.service_layer import fields

BUNDLED = Path(__file__).resolve().parent.parent
_RULE_KEYS = {"event", "template", "recipient", "essential", "urgent", "channels"}


def _read(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleBookError(path.name, "(file)", f"not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise RuleBookError(path.name, "(file)", "must be a mapping")
    return loaded


def _wording(file: str, where: str, raw: Any, channel: str) -> Wording:
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), str) or not raw["body"].strip():
        raise RuleBookError(file, f"{where}.body", "must be text")
    subject = raw.get("subject", "")
    if channel != "sms" and (not isinstance(subject, str) or not subject.strip()):
        raise RuleBookError(file, f"{where}.subject", f"a {channel} needs a subject")
    return Wording(body=raw["body"], subject=subject if isinstance(subject, str) else "")


def load_template(path: Path) -> Template:
    raw, file = _read(path), path.name
    unknown = set(raw) - set(CHANNELS)
    if unknown:
        raise RuleBookError(file, sorted(unknown)[0], f"not a channel: use {', '.join(CHANNELS)}")
    if not raw:
        raise RuleBookError(file, "(file)", "needs at least one channel")
    wordings: dict[str, dict[str, Wording]] = {}
    notify_ids: dict[str, dict[str, str]] = {}
    for channel, by_language in raw.items():
        if not isinstance(by_language, dict):
            raise RuleBookError(file, channel, "must be a mapping of languages")
        for language in LANGUAGES:
            if language not in by_language:
                missing = "missing Welsh version" if language == "cy" else "missing English version"
                raise RuleBookError(file, f"{channel}.{language}", missing)
        wordings[channel] = {
            lang: _wording(file, f"{channel}.{lang}", by_language[lang], channel)
            for lang in LANGUAGES
        }
        ids = by_language.get("notify_id", {})
        if not isinstance(ids, dict):
            raise RuleBookError(
                file, f"{channel}.notify_id", "must map en and cy to Notify template ids"
            )
        notify_ids[channel] = {str(k): str(v) for k, v in ids.items()}
    return Template(name=path.stem, wordings=wordings, notify_ids=notify_ids)


def _rule(path: Path, templates: dict[str, Template]) -> Rule:
    raw, file = _read(path), path.name
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RuleBookError(file, sorted(unknown)[0], "unknown field")
    event_type = raw.get("event")
    if not isinstance(event_type, str) or not fields.known(event_type):
        raise RuleBookError(
            file, "event", f"unknown event type {event_type!r} (or it names no resident)"
        )
    name = raw.get("template")
    if name not in templates:
        raise RuleBookError(file, "template", f"no template {name!r} in templates/")
    recipient = raw.get("recipient", "resident")
    if recipient not in RECIPIENTS:
        raise RuleBookError(file, "recipient", f"must be one of {', '.join(RECIPIENTS)}")
    if recipient == "destination" and event_type not in fields.DESTINATIONS:
        raise RuleBookError(file, "recipient", f"{event_type} names no destination")
    channels = tuple(raw.get("channels", CHANNELS))
    template = templates[name]
    for channel in channels:
        if channel not in template.channels:
            raise RuleBookError(file, "channels", f"template {name!r} has no {channel} version")
    _check_fields(file, event_type, template)
    return Rule(
        path.stem,
        event_type,
        name,
        recipient,
        bool(raw.get("essential", True)),
        bool(raw.get("urgent", False)),
        channels,
    )


def _check_fields(file: str, event_type: str, template: Template) -> None:
    offered = fields.offered(event_type)
    for channel, by_language in template.wordings.items():
        for language, wording in by_language.items():
            for name in wording.fields():
                if name not in offered:
                    raise RuleBookError(
                        f"{file} → {template.name}.yaml",
                        f"{channel}.{language}",
                        f"(({name})) is not a field {event_type} carries "
                        f"(it carries: {', '.join(sorted(offered))})",
                    )


def load_rulebook(folder: Path = BUNDLED) -> RuleBook:
    """The rules in ``folder/rules`` with their templates in ``folder/templates``."""
    templates = {p.stem: load_template(p) for p in sorted((folder / "templates").glob("*.yaml"))}
    rules = tuple(_rule(p, templates) for p in sorted((folder / "rules").glob("*.yaml")))
    return RuleBook(rules, templates)
