"""How common a search is: the share of persons whose search text holds every word, estimated from a sample.

The personnel list is sorted by the Vietnamese sort key, which begins with the given name. A word found in many
persons all along that order ("nguyen", "van", "thi") is best served by walking the sort-key index until a page is
full; a rarer one ("tung", a full name, a code) by finding its few matches with the trigram index and sorting them.
The database cannot tell the two apart: it assumes matches spread evenly along the sort key, and a given name shared
by 2,000 persons all sorted near the end ("yen", "xuan") then makes it walk the whole index. The screen chooses
instead, from the share of a sample of persons that matches (``match_share``): no query per request.
"""

from __future__ import annotations

import random
import threading
import time

from django.db.models import Max, Min

from core.text import fold

from .models import Person

SAMPLE_SIZE = 4000
SAMPLE_SECONDS = 3600  # the sample is drawn again each hour, in each process
# A search at least this common is walked along the sort-key index; a rarer one is found first, then sorted.
COMMON_SHARE = 0.04

_lock = threading.Lock()
_sample: tuple[float, list[str]] | None = None  # (drawn at, search texts)


def search_words(text: str) -> list[str]:
    """Return the words a search looks for (``PersonQuerySet.search``): folded, accent-free."""
    return fold(text or "").split()


def _draw_sample() -> list[str]:
    """Return the search texts of about SAMPLE_SIZE persons drawn at random (two queries)."""
    bounds = Person.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    low, high = bounds["low"], bounds["high"]
    if high - low < SAMPLE_SIZE * 2:
        return list(Person.objects.values_list("search_text", flat=True))
    ids = random.sample(range(low, high + 1), SAMPLE_SIZE)
    return list(Person.objects.filter(pk__in=ids).values_list("search_text", flat=True))


def sample() -> list[str]:
    """Return the process's sample of search texts, drawn again once it is SAMPLE_SECONDS old."""
    global _sample
    now = time.monotonic()
    if _sample is None or now - _sample[0] > SAMPLE_SECONDS:
        with _lock:
            if _sample is None or now - _sample[0] > SAMPLE_SECONDS:
                _sample = (now, _draw_sample())
    return _sample[1]


def match_share(words: list[str]) -> float:
    """Return the share of persons whose search text holds every word (1.0 for no word), from the sample."""
    if not words:
        return 1.0
    texts = sample()
    if not texts:
        return 0.0
    return sum(1 for text in texts if all(word in text for word in words)) / len(texts)


def is_common(text: str) -> bool:
    """Return whether a search is common enough to be walked along the sort-key index (see the module)."""
    return match_share(search_words(text)) >= COMMON_SHARE
