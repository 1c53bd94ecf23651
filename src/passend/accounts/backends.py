"""The password backend: Django's ``ModelBackend``, its per-request read a statement.

``get_user`` runs on every signed-in request (``request.user``); the same row, the same check
(``user_can_authenticate``: an inactive account is signed out), without a queryset built and
compiled each time (issue 10, session 13). Inside ``selectors.reading_identity`` (the
request's middleware) it reads the session's second factor and acting membership with the user,
in one statement (session 39).
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend

from passend.accounts import selectors
from passend.accounts.models import User
from passend.statements import Statement


@functools.cache
def _user_by_id() -> Statement:
    return Statement(User, tail="WHERE t.id = %s")


class PasswordBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return None
        read = selectors.pending_identity()
        if read is not None:
            # The session's device and membership in the same statement (session 39).
            user = selectors.read_identity(read, key)
        else:
            found = _user_by_id().instances([key])
            user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
