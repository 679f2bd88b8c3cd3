"""The notifications service's errors: one base, mapped to problems once (entrypoints)."""

from __future__ import annotations


class NotificationsError(Exception):
    """Base of every error of this service."""


class RuleBookError(NotificationsError):
    """A rule or template file is wrong; the message names the file and the field."""

    def __init__(self, file: str, where: str, problem: str):
        self.file, self.where, self.problem = file, where, problem
        super().__init__(f"{file}: {where}: {problem}")


class UnknownNotificationError(NotificationsError):
    """No notification has this reference (a callback about something never sent)."""


class InvalidPreferencesError(NotificationsError):
    """Preferences that cannot be kept (a channel or language this service has not)."""
