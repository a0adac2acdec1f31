"""The demo's programme: a few Cités' workshops and events around today (the 2024 figures stay as they are).

Series of information sessions and participatory workshops (weekly, every other week, monthly, one
with an exception), a forum and a job dating; the past weeks' sessions have their attendance, so that
they are counted as the standard's activities of the current year. Deterministic per seed.
"""

import datetime
import random

from django.utils import timezone

from cdm.accounts.models import User
from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite, Partner, Site

from . import series, services
from .models import Event, Format, Role

PROGRAMME = [
    # format, title fr, title en, theme, weekday, hour, frequency, capacity, featured
    (
        Format.INFORMATION_SESSION,
        "Découvrir les métiers du numérique",
        "Discover digital jobs",
        "orientation",
        1,
        14,
        "weekly",
        15,
        False,
    ),
    (
        Format.PARTICIPATORY_WORKSHOP,
        "Atelier CV et lettre de motivation",
        "CV and cover letter workshop",
        "job",
        3,
        10,
        "biweekly",
        10,
        False,
    ),
    (
        Format.PEER_GROUP,
        "Groupe d'échange : reconversion",
        "Peer group: career change",
        "career_change",
        4,
        18,
        "monthly",
        12,
        False,
    ),
    (
        Format.INFORMATION_SESSION,
        "Créer son entreprise : les premiers pas",
        "Starting a business: first steps",
        "business",
        2,
        9,
        "monthly",
        20,
        False,
    ),
    (Format.FORUM, "Forum de l'emploi des femmes", "Women's employment forum", "job", 5, 9, "", None, True),
    (
        Format.JOB_DATING,
        "Job dating : métiers de l'hôtellerie",
        "Job dating: hospitality jobs",
        "job",
        2,
        14,
        "",
        40,
        False,
    ),
]


def load_demo_programme(*, cites: int = 6, seed: int = 1) -> int:
    """Plan the demo programme for the first ``cites`` Cités (by name). Returns the sessions made."""
    rng = random.Random(seed)
    today = timezone.localdate()
    made = 0
    with network_scope():
        for cite in Cite.objects.order_by("name")[:cites]:
            manager = User.objects.filter(username=f"manager-{cite.slug}").first()
            if manager is None:
                continue
            site = (
                Site.objects.filter(cite=cite, kind="main").first() or Site.objects.filter(cite=cite).first()
            )
            partners = list(Partner.objects.filter(partnerships__cite=cite)[:2])
            languages = [*(cite.languages or []), "fr"]
            for fmt, fr, en, theme, weekday, hour, frequency, capacity, featured in PROGRAMME:
                start_day = (
                    today
                    - datetime.timedelta(days=28)
                    + datetime.timedelta(days=(weekday - today.weekday()) % 7)
                )
                if not frequency:
                    start_day = today + datetime.timedelta(days=rng.randint(10, 60))
                start = timezone.make_aware(datetime.datetime.combine(start_day, datetime.time(hour)))
                until = today + datetime.timedelta(days=120)
                event = Event(
                    cite=cite,
                    format=fmt,
                    role=Role.CO_ORGANIZED if partners and rng.random() < 0.4 else Role.ORGANIZED,
                    title={"fr": fr, "en": en},
                    description={"fr": f"{fr} — à la {cite.name}. Gratuit, ouvert à tous."},
                    theme=theme,
                    starts_at=start,
                    duration_minutes=120 if fmt in (Format.INFORMATION_SESSION, Format.PEER_GROUP) else 180,
                    rrule=series.rule_for(frequency, start, until),
                    # One exception in the weekly series: a bank holiday, say, five weeks on.
                    exdates=[(start_day + datetime.timedelta(days=35)).isoformat()]
                    if frequency == "weekly"
                    else [],
                    site=site,
                    capacity=capacity,
                    language=languages[0],
                    accessibility="Accessible en fauteuil roulant.",
                    featured=featured,
                )
                services.event_save(
                    user=manager, event=event, partners=partners if event.role == Role.CO_ORGANIZED else []
                )
                for session in event.sessions.all():
                    made += 1
                    if session.ends_at < timezone.now():
                        ceiling = session.capacity or 60
                        services.attendance_record(
                            user=manager, session=session, participants=rng.randint(ceiling // 3, ceiling)
                        )
    return made
