"""The notifications civicdesk sends; each is rendered in the recipient's language at send time."""

from enum import StrEnum


class Template(StrEnum):
    STATUS_CHANGED = "ticket.status_changed"  # params: reference, status, text (reason), intent
    REPLY = "ticket.reply"  # params: reference; text: the caseworker's words
    INFO_REQUESTED = "ticket.info_requested"  # params: reference; text: the question
    RATING_REMINDER = "ticket.rating_reminder"  # params: reference, intent
    ESCALATION = "staff.escalation"  # params: reference, partner, level, due
    NOT_FIXED = "staff.not_fixed"  # params: reference, partner
    DIGEST = "staff.digest"  # params: week, scope (a frozen core.digest.models.Digest)
