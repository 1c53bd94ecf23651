"""Language choice: Dutch unless the user picked English with the language switch.

Django's LocaleMiddleware also follows the browser's Accept-Language header. Passend is a Dutch
public-sector application whose legal texts are Dutch; a professional with an English browser
should still see Dutch until they choose otherwise. The choice of the switch is kept in the
language cookie (``django.views.i18n.set_language``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class DutchByDefaultMiddleware:
    """Drop Accept-Language before LocaleMiddleware, so the default is LANGUAGE_CODE (nl)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
