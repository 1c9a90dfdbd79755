"""Names shared by the importer's modules: formats, the error type, the progress callback."""

from __future__ import annotations

from collections.abc import Callable

#: ``--format`` values of ``python -m core import``.
FORMATS: tuple[str, ...] = ("canonical", "asterisk", "asterisk-csv", "freeswitch", "vicidial", "tencent-ccc")

#: Formats whose rows are calls (the canonical format may load any table).
CALL_FORMATS: tuple[str, ...] = ("asterisk", "asterisk-csv", "freeswitch", "vicidial", "tencent-ccc")

#: ``progress(label, fraction)`` with fraction in 0..1 (the CLI's ProgressBar has this shape).
ProgressFn = Callable[[str, float], None]

#: The canonical dispositions (DOMAIN.md §4).
DISPOSITIONS: tuple[str, ...] = ("answered", "no_answer", "busy", "failed", "abandoned", "rejected")


class IngestError(Exception):
    """An import that cannot go on, explained in plain words (zh + en), safe to show to a user.

    Raised before anything is written (wrong format, unreadable mapping, locked database), or after
    a rollback (the message then says that the database was left as it was).
    """

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        """The message in one language (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en
