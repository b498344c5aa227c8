"""Reading a request's input (a JSON body into a schema, a true/false parameter), with every failure a clear 4xx."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from workshop.web.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)


def _describe(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    if first["type"] == "extra_forbidden":
        return "unknown_field", f"Unknown field: {where}."
    if first["type"] == "missing":
        return "missing_field", f"Missing field: {where}."
    return "invalid_field", f"{where}: {first['msg']}."


async def read_json(request: Request, model: type[Model]) -> Model:
    limit: int = request.app.state.settings.max_body_bytes
    # A browser sends cookies with any form it is made to submit; a JSON content type cannot be
    # sent cross-site without a CORS preflight, so cookie-carrying calls must declare it.
    content_type = request.headers.get("content-type", "")
    if request.cookies and "authorization" not in request.headers and not content_type.startswith("application/json"):
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"The request body must be at most {limit} bytes.")
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested thousands deep
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        code, message = _describe(exc)
        raise ApiError(422, code, message)


def flag_param(request: Request, name: str) -> bool:
    """A true/false query parameter; left out is false."""
    raw = request.query_params.get(name, "false")
    if raw not in ("true", "false"):
        raise ApiError(422, "invalid_parameter", f"{name} must be true or false.")
    return raw == "true"
