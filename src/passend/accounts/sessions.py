"""The session engine: Django's database sessions, read by a statement written once.

Every signed-in request reads its session first; as a queryset built and compiled per request
that read cost about as much as the rest of the request's middleware together (issue 10,
session 13). Same table, same rows, same expiry rule: ``SESSION_ENGINE`` may switch between
this and ``django.contrib.sessions.backends.db`` without signing anyone out.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from passend.statements import Statement


@functools.cache
def _current_session() -> Statement:
    return Statement(Session, tail="WHERE t.session_key = %s AND t.expire_date > %s")


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = _current_session().instances([self.session_key, now])
        if not found:
            self._session_key = None  # as Django's: an unknown or expired key starts afresh
            return None
        return found[0]
