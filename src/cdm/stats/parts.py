"""Parts of the annual report that upper layers supply (the programme's featured events, its offer
by theme): the report asks, without importing them (the layers point one way).

A provider is ``provider(period) -> dict`` registered at start-up (its app's ``ready``); the report
merges the dicts. Known keys:

- ``featured_events``: list of {"title", "cite", "date", "picture_path" (a file:// URI for the PDF), "picture_url", "alt"};
- ``offer_by_theme``: {theme: {"sessions", "seats", "used"}}, the sessions offered in the period.
"""

_PROVIDERS: list = []


def register(provider):
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def collect(period) -> dict:
    out: dict = {}
    for provider in _PROVIDERS:
        out.update(provider(period) or {})
    return out
