"""How much a caller may send: text lengths, the single-line rule, numbers, request bodies.

Every text field of a request takes one of these types (or a ``LocalizedText`` built on
them), so that nothing sent can make a stored document, a page or a message grow without
bound: a message over Kafka's size limit could never be published. Request bodies as a
whole are capped by ``ServiceSettings.max_body_bytes`` (512 KiB unless set).
"""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# Characters, per language where a text is multilingual.
NAME_MAX = 200
"""A person's, organization's, room's, venue's or product's name; a label."""
TITLE_MAX = 300
"""A conference's, session's, market's or milestone's title; a slogan."""
LONG_TEXT_MAX = 5000
"""Free text: an abstract, a bio, conclusions, a recommendation, a note, a reason."""
REF_MAX = 100
"""An identifier sent to name something stored (a room, a speaker, a market)."""
MAX_BODY_BYTES = 512 * 1024
"""Default cap of a request body (``MAX_BODY_BYTES`` setting); larger ones get 413. Half of Kafka's
message size limit (1 MiB), so a message that repeats a request's texts always fits."""
PAGE_MAX = 10_000  # the same bound as shared.pagination.MAX_PAGE
"""Highest page number of a paged list."""

# Line and paragraph separators besides the control characters (category Cc).
_SEPARATORS = frozenset("\u2028\u2029")


def single_line(value: str) -> str:
    """Refuse line breaks and other control characters: the text goes into mail subjects and headers."""
    if any(char in _SEPARATORS or unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("field_not_single_line")
    return value


# Free text keeps its line breaks and tabs; other control characters are refused.
_TEXT_LAYOUT = frozenset("\t\n\r")


def plain_text(value: str) -> str:
    """Refuse control characters other than line breaks and tabs: a stored text ends up in
    spreadsheets, PDFs and mails, none of which can carry them (a spreadsheet refuses the file)."""
    if any(unicodedata.category(char) == "Cc" and char not in _TEXT_LAYOUT for char in value):
        raise ValueError("field_control_characters")
    return value


ShortText = Annotated[str, StringConstraints(max_length=NAME_MAX), AfterValidator(single_line)]
Title = Annotated[str, StringConstraints(max_length=TITLE_MAX), AfterValidator(single_line)]
LongText = Annotated[str, StringConstraints(max_length=LONG_TEXT_MAX), AfterValidator(plain_text)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=REF_MAX)]
