"""One error envelope for every failure: {"error": {"code", "message", "fields": {name: [messages]}}}."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied


class MalformedJSON(ValueError):
    pass


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            return json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = (
                f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            )
            raise MalformedJSON(f"The request body is not valid JSON{where}.") from exc


def envelope(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(list(err.get("loc", []))), []).append(
                str(err.get("msg", "invalid"))
            )
        first = next(iter(fields))
        return envelope(
            api, request, status=422, code="invalid", message=f"{first}: {fields[first][0]}", fields=fields
        )

    @api.exception_handler(FieldErrors)
    def on_field_errors(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
        return envelope(api, request, status=422, code=exc.code, message=exc.message, fields=exc.fields)

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return envelope(api, request, status=403, code="forbidden", message=exc.message)

    @api.exception_handler(DomainError)
    def on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return envelope(api, request, status=409, code=exc.code, message=exc.message)

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return envelope(
            api,
            request,
            status=401,
            code="unauthenticated",
            message="Sign in, or send an API token as 'Authorization: Bearer <token>'.",
        )

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
        return envelope(api, request, status=404, code="not_found", message=_("Not found."))

    api.add_exception_handler(ObjectDoesNotExist, on_404)

    @api.exception_handler(HttpError)
    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, MalformedJSON):
            return envelope(
                api,
                request,
                status=400,
                code="malformed_json",
                message=str(exc.__cause__),
                fields={"body": [str(exc.__cause__)]},
            )
        return envelope(api, request, status=exc.status_code, code="http_error", message=str(exc))
