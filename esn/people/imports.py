"""The CSV import's old address, kept only for ``esn.cli``.

The import lives in esn.people.service (csv_file, imports); import it from
there (``people.apply_people_csv``, ``people.ImportRejected``). This module
goes once esn.cli does.
"""

from __future__ import annotations

from esn.people.service import ImportRejected, apply_people_csv

__all__ = ["ImportRejected", "apply_people_csv"]
