import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_VALID_TRACE = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class TraceIdMiddleware:
    """Gives every request a trace id, recorded in the access log and returned as X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        trace_id = incoming if _VALID_TRACE.match(incoming) else uuid.uuid4().hex
        request.trace_id = trace_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = trace_id
        return response
