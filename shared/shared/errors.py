"""Domain errors and their single mapping to RFC 9457 problem JSON.

Every error the API returns, including request validation, goes through here, in
the caller's language. A client mistake never becomes a 500.
"""

import logging
import re
from datetime import date
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.formats import list_text
from shared.i18n import has_message, request_language, translate
from shared.mongo import database_unavailable

log = logging.getLogger(__name__)
PROBLEM_TYPE_BASE = "https://tadamon.ma/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    """One refused part of a request (``location`` as FastAPI gives it, e.g. ``["body", "email"]``)."""

    field: str
    location: list[str | int]
    code: str
    message: str


class Problem(BaseModel):
    """The body of every error answer (RFC 9457); ``title`` and ``detail`` are in the caller's language."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    lang: str
    params: dict[str, Any] | None = None
    errors: list[FieldProblem] | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route: the error statuses it may answer, each with a problem document."""
    content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {status: {"content": content} for status in statuses}


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document tell what the handlers below answer.

    FastAPI documents a request validation error with its own ``HTTPValidationError``
    body; ours is a problem document. An operation taking a body answers 400 to one
    that cannot be decoded and 413 to one over the size cap (``shared.platform``); one
    behind a bearer token may answer 401 (no or bad token) and 403 (a scope it does not hold)
    through ``shared.auth``. Any operation may answer 503 while MongoDB is unreachable.
    """
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs"), Problem=schema)
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = [422] if "422" in responses else []
            if "requestBody" in operation:
                statuses += [400, 413]
            if operation.get("security"):
                statuses += [401, 403]
            statuses.append(503)
            for status, response in problems(*statuses).items():
                described = responses.get(str(status), {}).get("description") if status != 422 else None
                responses[str(status)] = {"description": described or HTTPStatus(int(status)).phrase, **response}
    return openapi


def refuse_null(value: Any) -> Any:
    """Validator of a field a change may leave out but not empty: ``field_validator(...)(refuse_null)``."""
    if value is None:
        raise ValueError("field_not_nullable")
    return value


class DomainError(Exception):
    """A refusal with a stable ``code``; ``status`` is its HTTP status."""

    status = 400

    def __init__(self, code: str, status: int | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        if status is not None:
            self.status = status
        self.params = params


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


def problem_response(
    request: Request, *, status: int, code: str, params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
) -> JSONResponse:
    lang = request_language(request)
    params = params or {}
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": translate(code, lang, **params),
        "status": status,
        "detail": translate(code, lang, **params),
        "instance": request.url.path,
        "code": code,
        "lang": lang,
    }
    public_params = {k: _public(v) for k, v in params.items()
                     if isinstance(v, str | int | float | bool | list | None | date) or hasattr(v, "words")}
    if public_params:
        body["params"] = public_params
    if extra:
        body.update(extra)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE,
        headers={"Content-Language": lang, **(headers or {})},
    )


def _public(value: Any) -> Any:
    """A parameter as the problem's JSON carries it: days and moments in ISO 8601, spans as text."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if hasattr(value, "words") else value


_TYPE_CODES = {
    "missing": "field_required",
    "string_too_short": "field_too_short",
    "too_short": "field_too_short",
    "string_too_long": "field_too_long",
    "too_long": "field_too_long",
    "int_parsing": "field_not_a_number",
    "float_parsing": "field_not_a_number",
    "decimal_parsing": "field_not_a_number",
    "greater_than": "field_out_of_range",
    "greater_than_equal": "field_out_of_range",
    "less_than": "field_out_of_range",
    "less_than_equal": "field_out_of_range",
    "literal_error": "field_not_allowed",
    "enum": "field_not_allowed",
    "extra_forbidden": "field_unknown",
    "date_parsing": "field_bad_date",
    "date_from_datetime_parsing": "field_bad_date",
    "datetime_parsing": "field_bad_date",
    "datetime_from_date_parsing": "field_bad_date",
    "time_parsing": "field_bad_date",
    "value_error": "field_invalid",
    "json_invalid": "malformed_json",
}


def _choices(expected: str, lang: str) -> str:
    """Pydantic words the allowed values in English (``'a', 'b' or 'c'``): say "or" in the caller's language."""
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    return list_text(values, lang, style="or") if values else expected


def _field_error(error: dict[str, Any], lang: str) -> dict[str, Any]:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    code = _TYPE_CODES.get(kind, "field_bad_type" if kind.endswith("_type") else "field_invalid")
    raised = ctx.get("error")
    if raised is not None and has_message(str(raised)):
        code = str(raised)
    params = {
        "min": ctx.get("min_length", ctx.get("ge", ctx.get("gt", ""))),
        "max": ctx.get("max_length", ctx.get("le", ctx.get("lt", ""))),
        "expected": _choices(str(ctx.get("expected", "")), lang),
    }
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return {
        "field": ".".join(loc),
        "location": list(error.get("loc", ())),
        "code": code,
        "message": translate(code, lang, **params),
    }


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(request, status=exc.status, code=exc.code, params=exc.params)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = request_language(request)
    errors = [_field_error(dict(e), lang) for e in exc.errors()]
    if any(e["code"] == "malformed_json" for e in errors):
        return problem_response(request, status=422, code="malformed_json", extra={"errors": errors})
    return problem_response(request, status=422, code="validation_failed", extra={"errors": errors})


# FastAPI's own 400 is a request body it could not decode (not UTF-8, say).
_HTTP_CODES = {400: "malformed_json", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = exc.detail if isinstance(exc.detail, str) and has_message(exc.detail) else None
    code = code or _HTTP_CODES.get(exc.status_code, "field_invalid" if exc.status_code < 500 else "internal_error")
    return problem_response(request, status=exc.status_code, code=code, headers=dict(exc.headers or {}))


# Seconds a client should wait before sending again a request refused with 503.
RETRY_AFTER_SECONDS = 2


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """MongoDB unreachable, or a transaction that kept conflicting until its retries ran out (as behind a
    transaction a crashed process left open, until the server expires it): the same request may well
    succeed a moment later, so 503 with Retry-After rather than a 500. Any other driver error is a bug."""
    if not database_unavailable(exc):
        return await _unexpected_error(request, exc)
    log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return problem_response(request, status=503, code="temporarily_unavailable",
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, status=500, code="internal_error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PyMongoError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
