"""The site's WSGI app for bench/alerts.py, with a trivial reader of inbound texts when no app registers one.

The apps register their readers as Django starts, so when one exists (an alert answer parser) it is the one
measured; otherwise this one answers "1", "2" and "3" as an answer parser would, without touching the database.
"""

from assembly.notify import registry
from assembly.wsgi import application

__all__ = ["application"]


def _trivial_answer(text: registry.InboundText) -> str | None:
    if text.text.strip() in {"1", "2", "3"}:
        return "Asamblea: thank you, your answer is recorded."
    return None


if not registry.inbound_handlers():
    registry.register_inbound(_trivial_answer)
