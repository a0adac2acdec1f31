"""Who is acting now: set once per request (or command), read by the audit log."""

import contextvars
from contextlib import contextmanager

_actor: contextvars.ContextVar = contextvars.ContextVar("cdm_actor", default=None)


@contextmanager
def acting_user(user):
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    return _actor.get()
