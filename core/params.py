"""Numbers read from a query string (``?year=``, ``?page=``): ASCII digits in a sane range, or nothing.

``int()`` accepts "²"? No, but ``str.isdigit`` does, and ``int()`` accepts full-width and Arabic-Indic digits;
a year 0 or 99999 cannot be a ``datetime.date``, a page 10^30 cannot be an SQL OFFSET. Views read such
parameters with ``whole_number`` and treat None as "not given".
"""

MAX_PAGE = 1_000_000  # far past any list's last page; keeps OFFSET within a 64-bit integer
MIN_YEAR, MAX_YEAR = 1900, 2100  # the years a programme, a course or a report may concern


def whole_number(text, *, minimum: int, maximum: int) -> int | None:
    """Return ``text`` as an int when it is 1–9 ASCII digits within [minimum, maximum], else None."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def year_param(text) -> int | None:
    """Return a year asked for in a query string, or None when it is not a plausible year."""
    return whole_number(text, minimum=MIN_YEAR, maximum=MAX_YEAR)


def page_param(text) -> int:
    """Return a page number asked for in a query string (1 when none or nonsense; at most MAX_PAGE)."""
    text = str(text or "").strip()
    if text.isascii() and text.isdigit() and len(text) > 9:
        return MAX_PAGE
    return whole_number(text, minimum=1, maximum=MAX_PAGE) or 1
