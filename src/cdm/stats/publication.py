"""Which years the public sees: those that have ended.

A running year's figures change while people watch: two anonymous readings a visit apart would
subtract to an exact count of one. The public therefore sees a year once it is over; staff see the
running year in their dashboards (scoped, and protected unless they may see exact counts).
"""

from django.utils import timezone


def is_published(year: int) -> bool:
    return year < timezone.localdate().year


def last_published_year() -> int:
    return timezone.localdate().year - 1
