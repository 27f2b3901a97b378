"""Reading and validating forms: CSRF check, input models, field errors.

A view calls ``read_form`` (which refuses a missing or wrong CSRF token with
403) and then ``validate`` to turn the raw values into a forms.py input model,
or into translated messages keyed by field, with what the person typed kept.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from esn.web.csrf import CSRF_FIELD, csrf_token_matches
from esn.web.i18n import gettext as _

ModelT = TypeVar("ModelT", bound=BaseModel)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Bidirectional overrides and isolates can make a name display as something
# else ("evil\u202egnp.exe"); zero-width characters hide look-alike names.
_INVISIBLE = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]} | {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\ufeff",
}
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


def text_problem(value: str, *, single_line: bool) -> str | None:
    """Why a text value cannot be stored as is, or None.

    NUL and other control characters break storage and display; direction
    overrides let one name impersonate another.
    """
    for char in value:
        if char in _INVISIBLE:
            return _("Remove the invisible formatting characters from this field.")
        if unicodedata.category(char) == "Cc" and (single_line or char not in "\n\r\t"):
            return _("Remove the control characters from this field.")
    return None


def clean_text(value: str, *, max_length: int, single_line: bool = True) -> str:
    """Validator body for text fields: trimmed, bounded, printable."""
    value = value.strip()
    if len(value) > max_length:
        raise ValueError(_("Keep this under %(count)d characters.") % {"count": max_length})
    problem = text_problem(value, single_line=single_line)
    if problem:
        raise ValueError(problem)
    return value


def parse_day(value: Any) -> date | None:
    """A day typed as YYYY-MM-DD (what a date input sends); None when left empty.

    Raises ValueError with a translated message for anything else.
    """
    if isinstance(value, date):
        return value
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not _ISO_DATE.match(text):
        raise ValueError(_("Enter a date like 2026-03-02."))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("This date does not exist.")) from None


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
