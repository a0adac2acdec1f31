"""iCalendar feeds (RFC 5545) of the agenda, through the ``icalendar`` library: one VEVENT a session.

Times are written in UTC (``DTSTART:…Z``), valid whatever the Cité's time zone. A moved session keeps its UID and says so by its SEQUENCE-free new times; a cancelled one stays in
the feed with STATUS:CANCELLED so that subscribed calendars drop it.
"""

import datetime

from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from .models import Session


def calendar_for(sessions: list[Session], *, name: str, url_for, language: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Cites des metiers//CDM agenda//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    now = timezone.now()
    for session in sessions:
        event = session.event
        vevent = VEvent()
        vevent.add("uid", f"{session.uid}@cites-des-metiers")
        vevent.add("dtstamp", now)
        # In UTC (the "Z" form): every calendar places it right, whatever its own zone.
        vevent.add("dtstart", session.starts_at.astimezone(datetime.UTC))
        vevent.add("dtend", session.ends_at.astimezone(datetime.UTC))
        vevent.add("summary", event.title_text(language).text)
        description = event.description_text(language).text
        if description:
            vevent.add("description", description)
        location = place_text(session)
        if location:
            vevent.add("location", location)
        vevent.add("url", url_for(session))
        vevent.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        vevent.add("categories", [event.get_format_display(), event.get_theme_display()])
        cal.add_component(vevent)
    return cal.to_ical()


def place_text(session: Session) -> str:
    event = session.event
    site = session.site or event.site
    if site is not None:
        return f"{site.name}, {site.city}" if site.city else site.name
    if event.venue_name or event.venue_address:
        return ", ".join(p for p in (event.venue_name, event.venue_address) if p)
    return event.online_url
