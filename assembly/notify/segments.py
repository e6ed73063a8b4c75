"""Text messages that fit in one SMS segment: 160 GSM-7 units, or 70 UCS-2 ones.

One character outside the GSM 03.38 alphabet (an "á", a curly quote, a non-breaking space) turns a whole
message into UCS-2 and cuts a segment from 160 characters to 70; a longer message is split, and each part
costs, arrives on its own, or not at all. So a text is folded to GSM-7 (á → a, “ → ") and, when it is still
too long, its squeezable parts (a zone's name, the place of an alert) are shortened; the link and the words
that say how to answer stay whole.

A template marks those parts (see templatetags/segments.py): `|squeeze` on a value that may be shortened
(`|squeeze:2` keeps twice as much of it as of a plain one, for what matters most), `{% optional %}` around
words that go whole or not at all (how to stop alerts), dropped before anything is shortened. The marks are
private-use characters that `finish` removes, whatever the channel.
"""

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from assembly.notify.channels import SMS

logger = logging.getLogger(__name__)

GSM_LIMIT = 160
UCS2_LIMIT = 70

# GSM 03.38, the basic table (ESC, 0x1B, left out) and the extension table, whose characters take two units.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# What decomposing a character does not fold: punctuation and spaces word processors and phones put in.
FOLDS = {
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space, in some locales' times
    "\t": " ",
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark, the typed apostrophe
    "\u201a": "'",  # single low quotation mark
    "\u00b4": "'",  # acute accent
    "`": "'",
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2026": "...",  # …
    "\u2022": "*",  # bullet
    "\u00b7": ".",  # middle dot
}

# The marks a template leaves around a squeezable value and around optional words.
SQUEEZE_START, SQUEEZE_END = "\ue000", "\ue001"
OPTIONAL_START, OPTIONAL_END = "\ue002", "\ue003"
MARKS = SQUEEZE_START + SQUEEZE_END + OPTIONAL_START + OPTIONAL_END
_UNMARK = str.maketrans("", "", MARKS)

FIXED, SQUEEZE, OPTIONAL = "fixed", "squeeze", "optional"
WEIGHTS = frozenset("123456789")


@dataclass(frozen=True)
class Part:
    text: str
    role: str = FIXED
    # How much of a squeezable part is kept, against the others: a part of weight 2 keeps twice the units.
    weight: int = 1


def gsm_units(text: str) -> int | None:
    """How many GSM-7 units a text takes (two for the extension table), or None when it cannot be sent in GSM-7."""
    units = 0
    for char in text:
        if char in GSM_BASIC:
            units += 1
        elif char in GSM_EXTENSION:
            units += 2
        else:
            return None
    return units


def ucs2_units(text: str) -> int:
    """How many UCS-2 (UTF-16) units a text takes: an emoji takes two."""
    return len(text.encode("utf-16-le")) // 2


def is_gsm(text: str) -> bool:
    return gsm_units(text) is not None


def fold_char(char: str) -> str | None:
    """A GSM-7 stand-in for one character, or None when there is none (a script other than Latin, an emoji)."""
    if char in GSM_BASIC or char in GSM_EXTENSION:
        return char
    if char in FOLDS:
        return FOLDS[char]
    # á → a + ◌́ → a; ª → a; ﬁ → fi.
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if plain and is_gsm(plain):
        return plain
    return None


def fold(text: str, *, unknown: str | None = None) -> str:
    """Fold a text to GSM-7, keeping what is already in it (é, ñ, ü, ¿ and ¡ are); what cannot be folded stays
    as it is, or becomes `unknown` when given."""
    out = []
    for char in text:
        folded = fold_char(char)
        out.append(folded if folded is not None else (char if unknown is None else unknown))
    return "".join(out)


def segment_units(text: str) -> tuple[str, int, int]:
    """The encoding a text goes out in, its length in that encoding's units, and the most one segment holds."""
    units = gsm_units(text)
    if units is not None:
        return "gsm7", units, GSM_LIMIT
    return "ucs2", ucs2_units(text), UCS2_LIMIT


def fits_one_segment(text: str) -> bool:
    _encoding, units, limit = segment_units(text)
    return units <= limit


def fit(*parts: Part | str) -> str:
    """Join the parts into a text that fits one segment, losing as little as it can.

    In order: the text as it is (in GSM-7 or UCS-2); folded to GSM-7, then without its optional parts, then
    with its squeezable parts shortened, the longest first; if something cannot be folded, the same within
    70 UCS-2 characters; failing that, GSM-7 with "?" for what cannot be folded. If even the fixed parts are too
    long, the shortest attempt is returned whole, and logged: a message in two segments beats a cut link.
    """
    parts = tuple(part if isinstance(part, Part) else Part(part) for part in parts)
    whole = _join(parts)
    if fits_one_segment(whole):
        return whole
    folded = tuple(replace(part, text=fold(part.text)) for part in parts)
    if all(is_gsm(part.text) for part in folded):
        attempts = [(folded, gsm_units, GSM_LIMIT, "...")]
    else:
        unknown = tuple(replace(part, text=fold(part.text, unknown="?")) for part in parts)
        attempts = [(parts, ucs2_units, UCS2_LIMIT, "…"), (unknown, gsm_units, GSM_LIMIT, "...")]
    for attempt in attempts:
        text = _squeeze(*attempt)
        if text is not None:
            return text
    shortest = _squeeze(*attempts[-1], force=True)
    logger.warning("segments: a text of %d characters does not fit one segment", len(shortest))
    return shortest


def _join(parts: tuple[Part, ...]) -> str:
    return " ".join("".join(part.text for part in parts).split())


def _squeeze(parts, count: Callable[[str], int | None], limit: int, ellipsis: str, *, force: bool = False):
    """Fit the parts within `limit` units: drop the optional ones, then shorten the squeezable ones evenly."""
    if count(_join(parts)) <= limit:
        return _join(parts)
    parts = tuple(part for part in parts if part.role != OPTIONAL)
    if count(_join(parts)) <= limit:
        return _join(parts)
    squeezable = [(part.text.strip(), part.weight) for part in parts if part.role == SQUEEZE]
    if not squeezable:
        return _join(parts) if force else None

    shortest = count(ellipsis) + 1

    def squeezed(cap: int) -> str:
        values = iter(_shorten(text, max(cap * weight, shortest), count, ellipsis) for text, weight in squeezable)
        # "Main..." ends the sentence well enough: no "Main....".
        return _join(tuple(Part(next(values)) if part.role == SQUEEZE else part for part in parts)).replace(
            ellipsis + ".", ellipsis
        )

    # Every value gets the same cap in units (times its weight): the longest lose most, a short one nothing.
    low, high = 1, max(count(text) for text, _weight in squeezable)
    if count(squeezed(low)) > limit:
        return squeezed(low) if force else None
    while low < high:
        middle = (low + high + 1) // 2
        if count(squeezed(middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return squeezed(low)


def _shorten(text: str, cap: int, count: Callable[[str], int | None], ellipsis: str) -> str:
    """The text within `cap` units, cut with an ellipsis when it is longer."""
    if count(text) <= cap:
        return text
    room = cap - count(ellipsis)
    kept = ""
    for char in text:
        if count(kept + char) > room:
            break
        kept += char
    return kept.rstrip(" ,.;:-") + ellipsis


def parse(text: str) -> tuple[Part, ...]:
    """Split a marked text into its parts: fixed, squeezable and optional."""
    parts: list[Part] = []
    role, start, weight = FIXED, 0, 1
    ends = {SQUEEZE_START: (SQUEEZE, SQUEEZE_END), OPTIONAL_START: (OPTIONAL, OPTIONAL_END)}
    index = 0
    while index < len(text):
        char = text[index]
        if role == FIXED and char in ends:
            parts.append(Part(text[start:index]))
            role, closing = ends[char]
            start = index + 1
            # A squeezable value's weight is the digit after its mark.
            if role == SQUEEZE and text[start : start + 1] in WEIGHTS:
                weight, start = int(text[start]), start + 1
                index += 1
        elif role != FIXED and char == closing:
            parts.append(Part(text[start:index].translate(_UNMARK), role, weight))
            role, start, weight = FIXED, index + 1, 1
        index += 1
    parts.append(Part(text[start:].translate(_UNMARK), role, weight))
    return tuple(part for part in parts if part.text)


def unmark(text: str) -> str:
    """The text with its marks (and squeezable values' weights) taken out, nothing shortened."""
    return _join(parse(text))


def finish(text: str, *, channel: str) -> str:
    """The text a channel sends: an SMS fitted to one segment; other channels (Signal) whole, as written."""
    if channel == SMS:
        return fit(*parse(text))
    return unmark(text)
