"""Who is acting and from where, for the audit log. Set per request by middleware; commands set it too."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    client_ip: str | None = None
    channel: str = "web"  # web | api | command


_COMMAND = RequestContext(channel="command")
_current: ContextVar[RequestContext | None] = ContextVar("jiedu_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _COMMAND


def set_current(ctx: RequestContext):  # noqa: ANN201 - returns a contextvars token
    return _current.set(ctx)


def reset(token) -> None:  # noqa: ANN001
    _current.reset(token)
