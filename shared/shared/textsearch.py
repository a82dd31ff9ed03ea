"""Name search that forgives accents and the forms of alef: "Etienne" finds "Étienne", "امينة" finds "أمينة".

Names are stored as people typed them; the search turns what the organizer typed into a
regular expression where each letter matches all its written variants (a class per letter),
so no folded copy of the names has to be kept in step, and erased names stay erased.
"""

import re
import unicodedata

# Letters whose variants people type interchangeably in Arabic: the alef with or without
# hamza or madda, the final ya and alef maqsura, the ta marbuta and ha, the hamza on a seat.
ARABIC_VARIANTS = ("اأإآٱ", "يىئ", "ةه", "وؤ")
# Arabic short vowels and the tatweel: written by some, never by others.
ARABIC_MARKS = "\u064b-\u0652\u0670\u0640"


def base_letter(char: str) -> str:
    """The letter without its accents, lower case ("É" -> "e")."""
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold() or char


def _latin_variants() -> dict[str, str]:
    variants: dict[str, str] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = base_letter(char)
        if len(base) == 1 and base.isascii() and base.isalpha():
            variants[base] = variants.get(base, base + base.upper()) + char
    return variants


LATIN_VARIANTS = _latin_variants()
_CLASS_OF = {**{letter: variants for letter, variants in LATIN_VARIANTS.items()},
             **{char: group for group in ARABIC_VARIANTS for char in group}}


def folded_pattern(text: str) -> str:
    """A regular expression finding ``text`` inside a name whatever its accents, alef forms and
    Arabic short vowels; every other character matches itself only (escaped)."""
    parts: list[str] = []
    for char in " ".join(text.split()):
        if unicodedata.combining(char) or re.match(f"[{ARABIC_MARKS}]", char):
            continue
        key = char if char in _CLASS_OF else base_letter(char)
        variants = _CLASS_OF.get(key)
        parts.append(f"[{re.escape(variants)}]" if variants else re.escape(char))
        parts.append(f"[{ARABIC_MARKS}]*")
    return "".join(parts)


__all__ = ["base_letter", "folded_pattern"]
