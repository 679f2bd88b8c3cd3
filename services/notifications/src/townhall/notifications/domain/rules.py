"""Rules and templates: what to tell whom when an event happens (standard library only).

A council edits them as files (:mod:`townhall.notifications.adapters.rulebook` loads and
validates them). A :class:`Rule` names the event type it reacts to, the template to send
and who receives it; a :class:`Template` holds the words for each channel in English and
Welsh, with Notify's ``((field))`` placeholders, and the ids of the same templates in
the council's GOV.UK Notify account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

CHANNELS = ("email", "sms", "letter")
LANGUAGES = ("en", "cy")
#: ``recipient: resident``: the event's ``resident_id``, reached by preference and
#: contact points; ``recipient: destination``: the contact point the event names
#: (sealed in it), on the channel it names: identity's one-time codes.
RECIPIENTS = ("resident", "destination")
PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")


def placeholders(text: str) -> list[str]:
    """The personalisation fields ``text`` names, in order, each once."""
    return list(dict.fromkeys(name.strip() for name in PLACEHOLDER.findall(text)))


def render(text: str, personalisation: Mapping[str, str]) -> str:
    """``text`` with each ``((field))`` replaced as Notify would."""
    return PLACEHOLDER.sub(lambda m: str(personalisation.get(m.group(1).strip(), "")), text)


@dataclass(frozen=True)
class Wording:
    """One channel's words in one language (SMS has no subject)."""

    body: str
    subject: str = ""

    def fields(self) -> list[str]:
        return placeholders(f"{self.subject}\n{self.body}")


@dataclass(frozen=True)
class Template:
    name: str
    #: channel -> language -> words
    wordings: Mapping[str, Mapping[str, Wording]]
    #: channel -> language -> the template's id in GOV.UK Notify
    notify_ids: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(c for c in CHANNELS if c in self.wordings)

    def wording(self, channel: str, language: str) -> Wording:
        return self.wordings[channel][language]

    def notify_id(self, channel: str, language: str) -> str | None:
        return self.notify_ids.get(channel, {}).get(language)

    def fields(self) -> set[str]:
        return {
            f
            for by_language in self.wordings.values()
            for w in by_language.values()
            for f in w.fields()
        }


@dataclass(frozen=True)
class Rule:
    name: str
    event_type: str
    template: str
    recipient: str = "resident"
    #: Essential messages (a code, a change to one's own request) ignore opt-outs.
    essential: bool = True
    #: Urgent texts are sent in quiet hours; others wait until the morning.
    urgent: bool = False
    #: The channels this rule may use, in the council's order of preference.
    channels: tuple[str, ...] = CHANNELS


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    templates: Mapping[str, Template]

    def for_event(self, event_type: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.event_type == event_type]

    def rule(self, name: str) -> Rule:
        return next(rule for rule in self.rules if rule.name == name)

    def template(self, name: str) -> Template:
        return self.templates[name]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(rule.name for rule in self.rules)

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(rule.event_type for rule in self.rules)
