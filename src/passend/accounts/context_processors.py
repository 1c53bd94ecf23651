from typing import Any

from django.http import HttpRequest


def acting_membership(request: HttpRequest) -> dict[str, Any]:
    return {"acting_membership": getattr(request, "membership", None)}
