"""Every string the code and templates show is translated into French."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from esn.core.i18n import LOCALE_DIR, negotiate
from esn.settings import PROJECT_ROOT

METHOD_MAP = [("esn/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "_n": (1, 2), "gettext": None, "ngettext": (1, 2)}


def _source_messages() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), METHOD_MAP, OPTIONS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_french_catalogue_covers_every_message() -> None:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    translated = {
        (message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
        and not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else [message.string])
    }
    source = _source_messages()
    assert len(source) > 100  # the extraction really read the code and templates
    missing = sorted(source - translated)
    assert missing == [], "run `make extract-messages` and translate: " + repr(missing[:10])


def test_accept_language_is_negotiated_by_quality() -> None:
    assert negotiate("de-DE, fr;q=0.8, en;q=0.5") == "fr"
    assert negotiate("en-US,en;q=0.9,fr;q=0.8") == "en"
    assert negotiate("de, es") == "en"
    assert negotiate("fr;q=0, en;q=0.1") == "en"
    assert negotiate("") == "en"
