"""Words people read for statuses (translated where shown: the bot, the inbox, the digest)."""

from core.tickets.status import TicketStatus


def _noop(message: str) -> str:
    """Marks a string for extraction without translating it (translated later, per locale)."""
    return message


STATUS_TEXT = {
    TicketStatus.NEW: _noop("received"),
    TicketStatus.ACKNOWLEDGED: _noop("seen by staff"),
    TicketStatus.IN_PROGRESS: _noop("being worked on"),
    TicketStatus.WAITING_ON_RESIDENT: _noop("waiting for your answer"),
    TicketStatus.RESOLVED: _noop("resolved"),
    TicketStatus.CLOSED: _noop("closed"),
    TicketStatus.REOPENED: _noop("reopened"),
    TicketStatus.REJECTED: _noop("not accepted"),
    TicketStatus.DUPLICATE: _noop("merged with another report"),
}
