"""Reading and validating forms: CSRF check, input models, field errors.

A view calls ``read_form`` (which refuses a missing or wrong CSRF token with
403) and then ``validate`` to turn the raw values into a forms.py input model,
or into translated messages keyed by field, with what the person typed kept.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from esn.core.i18n import gettext as _
from esn.web.csrf import CSRF_FIELD, csrf_token_matches

ModelT = TypeVar("ModelT", bound=BaseModel)

# Echoing a 10 MB field back into the page helps nobody: keep a generous prefix.
_ECHO_LIMIT = 20_000
MAX_FORM_PART_BYTES = 12 * 1024 * 1024


async def read_form(request: Request) -> FormData:
    """The submitted form, after checking its CSRF token (403 if wrong or missing)."""
    form = await request.form(max_part_size=MAX_FORM_PART_BYTES)
    if request.state.csrf_verified:
        return form
    token = form.get(CSRF_FIELD)
    settings = request.app.state.settings
    if not isinstance(token, str) or not csrf_token_matches(
        settings.secret_key, request.state.csrf_secret, token
    ):
        raise HTTPException(403, _("This form has expired. Reload the page and try again."))
    return form


def form_values(form: FormData) -> dict[str, str]:
    """Text values of a form (files left out), trimmed for echoing back."""
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != CSRF_FIELD:
            values[key] = value[:_ECHO_LIMIT] if key not in values else values[key]
    return values


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    if kind == "string_too_long":
        return _("Keep this under %(count)d characters.") % {"count": context.get("max_length", 0)}
    if kind == "string_too_short":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type"}:
        return _("Enter a whole number.")
    if kind in {"literal_error", "enum"}:
        return _("Choose one of the listed options.")
    return _("This value is not valid.")


def validate(model: type[ModelT], data: dict[str, Any]) -> tuple[ModelT | None, dict[str, str]]:
    """Parse ``data`` into ``model``; on failure, one translated message per field."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            errors.setdefault(field, _message(dict(error)))
        return None, errors


def uploaded_file(form: FormData, name: str) -> UploadFile | None:
    """The file sent in ``name``, or None when the field was left empty."""
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None
