"""Logins, failed logins, logouts and lockouts are access-log events from day one."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from passend.accounts.models import Membership
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import record_access


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        from passend.accounts.middleware import SESSION_AUTH_AT, SESSION_LAST_SEEN

        now = time.time()
        request.session[SESSION_AUTH_AT] = now
        request.session[SESSION_LAST_SEEN] = now
        context = AccessContext.from_request(request)
    else:
        context = AccessContext()
    context = AccessContext(
        user=user,
        organisation_id=context.organisation_id,
        role=context.role,
        ip_address=context.ip_address,
        trace_id=context.trace_id,
    )
    record_access(context, action="login_password", activity="authentication", obj=user)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    context = AccessContext.from_request(request) if request is not None else AccessContext()
    user = (
        get_user_model()
        .objects.filter(username=credentials.get("username", ""))
        .only("pk", "username")
        .first()
    )
    record_access(
        AccessContext(user=user, ip_address=context.ip_address, trace_id=context.trace_id),
        action="login_failed",
        activity="authentication",
        outcome=Outcome.DENIED,
        obj=user,
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    context = AccessContext.from_request(request) if request is not None else AccessContext()
    record_access(
        AccessContext(
            user=user,
            organisation_id=context.organisation_id,
            role=context.role,
            ip_address=context.ip_address,
            trace_id=context.trace_id,
        ),
        # The session lifetime middleware marks a timeout, so the log tells the two apart.
        action=getattr(request, "passend_logout_reason", "logout"),
        activity="authentication",
        obj=user,
    )


@receiver(user_locked_out)
def on_lockout(sender: Any, request: Any, username: str, ip_address: str, **kw: Any) -> None:
    context = AccessContext.from_request(request) if request is not None else AccessContext()
    user = get_user_model().objects.filter(username=username).only("pk", "username").first()
    record_access(
        AccessContext(user=user, ip_address=ip_address, trace_id=context.trace_id),
        action="lockout",
        activity="authentication",
        outcome=Outcome.DENIED,
        obj=user,
        reason="too many failed logins",
    )


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def on_membership_change(sender: Any, instance: Membership, **kwargs: Any) -> None:
    from passend.accounts.services import sync_admin_access

    if kwargs.get("raw"):
        return
    sync_admin_access(instance.user)
