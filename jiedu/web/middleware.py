"""Pages are in Simplified Chinese unless the user chose another language with the switch.

Browser negotiation (Accept-Language) is ignored for pages: a clinic PC with an English operating system still
shows Chinese. The choice made with the language switch (Django's language cookie) wins. API clients keep
Accept-Language, so an integration can ask for English messages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ChineseByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/") and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
