"""The formula-safe CSV writer shared by the exports."""

from __future__ import annotations

import csv
import io
from datetime import date

from esn.web.csv_export import csv_response, csv_text, safe_cell


def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe() -> None:
    for dangerous in ("=SUM(A1)", "+33 1", "-2+3", "@cmd", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("plain text") == "plain text"
    assert safe_cell(-3) == "-3"  # numbers stay numbers
    assert safe_cell(0.5) == "0.5"
    assert safe_cell(None) == ""
    assert safe_cell(date(2025, 6, 2)) == "2025-06-02"


def test_csv_text_and_response() -> None:
    text = csv_text([["Name", "Count"], ["=HYPERLINK(1)", 2], ['a "quoted", text', 3]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["Name", "Count"],
        ["'=HYPERLINK(1)", "2"],
        ['a "quoted", text', "3"],
    ]
    response = csv_response([["a"]], 'bad"name.csv')
    assert response.headers["content-disposition"] == 'attachment; filename="badname.csv"'
    assert response.headers["cache-control"] == "private, no-store"
    assert response.media_type == "text/csv; charset=utf-8"
