"""Customer privacy: the only form of a customer id the product ever shows.

Customer phone numbers never enter the database in clear (``callee_id`` is a salted hash made at
import). Even the hash is shown masked, so a screenshot cannot be used to match customers across
exports:

>>> mask_id("a848a51691d562ffca90b8b6622e1a3c")
'a848…1a3c'
>>> mask_id(None) is None
True
"""

from __future__ import annotations


def mask_id(value: str | None) -> str | None:
    """The first four and last four characters of an id, joined by an ellipsis."""
    if value is None:
        return None
    text = str(value)
    if len(text) <= 8:
        return "…" + text[-2:] if len(text) > 2 else "…"
    return f"{text[:4]}…{text[-4:]}"
