"""Translations: the locale of the current request and the gettext functions.

The locale lives in a context variable set once per request (the person's
setting, else a cookie, else Accept-Language), so templates, forms and
services all translate the same way without passing it around.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALES: tuple[str, ...] = ("en", "fr")
LOCALE_NAMES: dict[str, str] = {"en": "English", "fr": "Français"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current_locale: ContextVar[str] = ContextVar("esn_locale", default="en")


@cache
def translations_for(locale: str) -> NullTranslations:
    """The compiled catalogue for a locale (English is the source language)."""
    if locale == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def set_locale(locale: str) -> None:
    """Make ``locale`` the language of everything translated in this context."""
    _current_locale.set(locale if locale in LOCALES else "en")


def get_locale() -> str:
    """The language of the current request."""
    return _current_locale.get()


def gettext(message: str) -> str:
    """Translate ``message`` into the current request's language."""
    return translations_for(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate with the plural form that fits ``count``."""
    return translations_for(get_locale()).ngettext(singular, plural, count)


_ = gettext
_n = ngettext


def negotiate(accept_language: str, default: str = "en") -> str:
    """Pick a supported locale from an Accept-Language header, by q-value."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.split("-")[0]
        if language in LOCALES and quality > 0:
            choices.append((-quality, index, language))
    return sorted(choices)[0][2] if choices else default
