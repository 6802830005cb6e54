"""One error shape for every JSON endpoint, built from the exception tree, and the same message in place on pages:

    {"status": 403, "error": "RoleRequiredError", "message": "…", "field": null, "details": {…}}

A contract's refusal carries its custom error's name and arguments (`OrderBookDueDateInPast`, …) in `details`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from offchain.exceptions import ChainError, ContractRevertError, ImseError, NotAuthorisedError, WebError

JSON_PREFIXES = ("/api/", "/auth/", "/rpc")


def wants_json() -> bool:
    """JSON for the API, for htmx requests (the page shows the message next to the field), for JSON bodies
    (wallet.js) and for clients asking for JSON."""
    return (
        request.path.startswith(JSON_PREFIXES)
        or request.headers.get("HX-Request") == "true"
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


MAX_JSON_BYTES = 256 * 1024
"""The largest JSON body any JSON endpoint reads (uploads are multipart and have their own limit)."""
MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays / objects a JSON body may have (a wallet's deepest is 3 or 4)."""


def json_of_request() -> Any:
    """The request's JSON body, or None when it is missing, malformed, over MAX_JSON_BYTES or nested deeper than
    MAX_JSON_DEPTH — checked before parsing: `[[[[…` a hundred thousand deep makes the parser recurse until it
    raises RecursionError or, with a raised recursion limit, overflows the stack and kills the process."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        return None
    data = request.get_data(cache=True)
    if len(data) > MAX_JSON_BYTES or json_depth(data) > MAX_JSON_DEPTH:
        return None
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def json_depth(data: bytes) -> int:
    """The deepest nesting of `[` / `{` in JSON text, strings skipped (one linear pass, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def error_body(err: BaseException) -> tuple[dict[str, Any], int]:
    """(body, status) of the error shape for `err`."""
    field: str | None = None
    details: dict[str, Any] = {}
    if isinstance(err, WebError):
        status, field, details = err.status, err.field, err.details
    elif isinstance(err, ContractRevertError):
        status = 403 if isinstance(err, NotAuthorisedError) else 409
        details = {"contract": err.contract, "function": err.function, "custom_error": err.error}
        details["arguments"] = {k: _plain(v) for k, v in err.arguments.items()}
    elif isinstance(err, ChainError):
        status = 502
    elif isinstance(err, CSRFError):
        status, details = 400, {"hint": "reload the page: its security token is missing or has expired"}
    elif isinstance(err, HTTPException):
        status = err.code or 500
    elif isinstance(err, ImseError):
        status = 400
    else:
        status = 500
    name = "CsrfError" if isinstance(err, CSRFError) else type(err).__name__
    if isinstance(err, HTTPException):
        message = err.description or name
    elif status == 500 and not isinstance(err, ImseError):
        message = "internal error: see the server log"
    else:
        message = str(err)
    return {"status": status, "error": name, "message": message, "field": field, "details": details}, status


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, int | str | bool | float) or value is None:
        return value
    return str(value)


def register(app: Flask) -> None:
    def handle(err: Exception) -> tuple[Response, int]:
        body, status = error_body(err)
        if status == 500:
            app.logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=err)
        response = jsonify(body) if wants_json() else Response(render_template("error.html", error=body))
        if isinstance(retry := body["details"].get("retry_after"), int):
            response.headers["Retry-After"] = str(retry)
        return response, status

    app.register_error_handler(ImseError, handle)
    app.register_error_handler(CSRFError, handle)
    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(Exception, handle)
