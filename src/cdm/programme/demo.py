"""The demo's programme: the 2024 programme (the report's workshops and events, as sessions with their
attendance, and the seed's featured events with a picture), and a few Cités' workshops and events around
today.

Series of information sessions and participatory workshops (weekly, every other week, monthly, one
with an exception), a forum and a job dating; the past weeks' sessions have their attendance, so that
they are counted as the standard's activities of the current year. Deterministic per seed.
"""

import datetime
import random
import unicodedata
import uuid

from django.utils import timezone

from cdm.accounts.models import User
from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity
from cdm.network.models import Cite, Partner, Site
from cdm.network.vocabularies import ActivityRole

from . import series, services
from .models import FORMAT_KIND, ROLE_ACTIVITY, Attendance, Event, Format, Role, Session

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


# -- the 2024 programme: the report's workshops and events, as planned sessions with attendance ----

# One title per format, in the network's languages; an event carries French, English and its Cité's.
TITLES = {
    Format.INFORMATION_SESSION: {
        "fr": "Information collective : les métiers qui recrutent",
        "en": "Information session: jobs in demand",
        "nl": "Infosessie: knelpuntberoepen",
        "es": "Sesión informativa: los oficios con futuro",
        "ca": "Sessió informativa: els oficis amb futur",
        "pt": "Sessão informativa: profissões em procura",
        "it": "Incontro informativo: i mestieri che assumono",
    },
    Format.PARTICIPATORY_WORKSHOP: {
        "fr": "Atelier : préparer son entretien d'embauche",
        "en": "Workshop: preparing for a job interview",
        "nl": "Workshop: je sollicitatiegesprek voorbereiden",
        "es": "Taller: preparar la entrevista de trabajo",
        "ca": "Taller: preparar l'entrevista de feina",
        "pt": "Oficina: preparar a entrevista de emprego",
        "it": "Laboratorio: prepararsi al colloquio di lavoro",
    },
    Format.PEER_GROUP: {
        "fr": "Groupe d'échange : reconversion",
        "en": "Peer group: changing careers",
        "nl": "Praatgroep: loopbaanwissel",
        "es": "Grupo de intercambio: reconversión profesional",
        "ca": "Grup d'intercanvi: reconversió professional",
        "pt": "Grupo de partilha: reconversão profissional",
        "it": "Gruppo di scambio: riconversione professionale",
    },
    Format.FORUM: {
        "fr": "Forum de l'emploi",
        "en": "Job fair",
        "nl": "Jobbeurs",
        "es": "Foro de empleo",
        "ca": "Fòrum d'ocupació",
        "pt": "Feira de emprego",
        "it": "Forum del lavoro",
    },
    Format.JOB_DATING: {
        "fr": "Job dating : les métiers du soin",
        "en": "Job dating: care jobs",
        "nl": "Jobdating: zorgberoepen",
        "es": "Job dating: profesiones sanitarias",
        "ca": "Job dating: professions sanitàries",
        "pt": "Job dating: profissões da saúde",
        "it": "Job dating: le professioni della cura",
    },
    Format.FAIR: {
        "fr": "Salon de la formation et de l'alternance",
        "en": "Training and apprenticeship fair",
        "nl": "Opleidingsbeurs",
        "es": "Salón de la formación profesional",
        "ca": "Saló de la formació professional",
        "pt": "Salão da formação profissional",
        "it": "Salone della formazione",
    },
    Format.CONFERENCE: {
        "fr": "Conférence : les métiers de demain",
        "en": "Talk: the jobs of tomorrow",
        "nl": "Lezing: de beroepen van morgen",
        "es": "Conferencia: los oficios del mañana",
        "ca": "Conferència: els oficis de demà",
        "pt": "Conferência: as profissões do futuro",
        "it": "Conferenza: i mestieri di domani",
    },
    Format.OPEN_DAY: {
        "fr": "Journée portes ouvertes",
        "en": "Open day",
        "nl": "Opendeurdag",
        "es": "Jornada de puertas abiertas",
        "ca": "Jornada de portes obertes",
        "pt": "Dia aberto",
        "it": "Giornata porte aperte",
    },
    Format.VISIT: {
        "fr": "Visite d'entreprise",
        "en": "Company visit",
        "nl": "Bedrijfsbezoek",
        "es": "Visita a empresa",
        "ca": "Visita a empresa",
        "pt": "Visita a empresa",
        "it": "Visita aziendale",
    },
    Format.OTHER: {
        "fr": "Rencontre métiers",
        "en": "Meet the professionals",
        "nl": "Ontmoet de vakmensen",
        "es": "Encuentro con profesionales",
        "ca": "Trobada amb professionals",
        "pt": "Encontro com profissionais",
        "it": "Incontro con i professionisti",
    },
}
# The report's activity kinds as the formats a Cité plans (a forum may be a job dating or a fair…).
KIND_FORMATS = {
    "information_session": [Format.INFORMATION_SESSION],
    "participatory_workshop": [Format.PARTICIPATORY_WORKSHOP],
    "peer_group": [Format.PEER_GROUP],
    "forum": [Format.FORUM, Format.FORUM, Format.JOB_DATING, Format.FAIR],
    "conference": [Format.CONFERENCE],
    "other_event": [Format.OPEN_DAY, Format.VISIT, Format.OTHER],
}
# Who comes: a session's participants are drawn in this range (and its seats are the top of it).
SIZE = {
    Format.INFORMATION_SESSION: (8, 30),
    Format.PARTICIPATORY_WORKSHOP: (4, 16),
    Format.PEER_GROUP: (5, 12),
    Format.FORUM: (30, 130),
    Format.JOB_DATING: (30, 130),
    Format.FAIR: (30, 130),
    Format.CONFERENCE: (10, 50),
    Format.OPEN_DAY: (15, 65),
    Format.VISIT: (15, 65),
    Format.OTHER: (15, 65),
}
WORKSHOP_FORMATS = {Format.INFORMATION_SESSION, Format.PARTICIPATORY_WORKSHOP, Format.PEER_GROUP}
# The seed report's featured events (its events section), each with a picture drawn here.
FEATURED = [
    (
        "paris-la-villette",
        Format.FORUM,
        datetime.date(2024, 3, 8),
        {
            "fr": "Forum de l'emploi des femmes",
            "en": "Women's employment forum",
            "es": "Foro del empleo de las mujeres",
        },
        "job",
        420,
        ((122, 31, 110), (232, 93, 117)),
    ),
    (
        "paris-la-villette",
        Format.CONFERENCE,
        datetime.date(2024, 4, 23),
        {
            "fr": "Printemps des compétences et métiers à venir",
            "en": "Spring of skills and jobs to come",
            "it": "Primavera delle competenze e dei mestieri futuri",
        },
        "career_change",
        350,
        ((20, 90, 50), (120, 190, 90)),
    ),
    (
        "charleroi",
        Format.OTHER,
        datetime.date(2024, 11, 23),
        {"fr": "Big Bang Day", "en": "Big Bang Day", "nl": "Big Bang Day"},
        "orientation",
        260,
        ((20, 40, 110), (90, 160, 230)),
    ),
    (
        "cotes-d-armor",
        Format.OTHER,
        datetime.date(2024, 10, 5),
        {"fr": "Fête de la Science", "en": "Science festival", "pt": "Festa da Ciência"},
        "orientation",
        180,
        ((170, 80, 10), (245, 180, 60)),
    ),
]


def _titles(fmt: str, cite: Cite) -> dict:
    names = TITLES[fmt]
    return {
        code: names[code] for code in dict.fromkeys(["fr", "en", *(cite.languages or [])]) if code in names
    }


POSTER_FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
]


def picture_png(title: str, colours: tuple, size=(960, 540)) -> bytes:
    """A simple poster drawn here (no download): a gradient, a few circles and the event's title."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    (r1, g1, b1), (r2, g2, b2) = colours
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=(round(r1 + (r2 - r1) * t), round(g1 + (g2 - g1) * t), round(b1 + (b2 - b1) * t)),
        )
    for i in range(6):
        x, y, radius = 140 + i * 150, 120 + (i % 3) * 90, 40 + (i % 4) * 18
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline=(255, 255, 255), width=4)

    def font_of(points):
        # A system font with accents if there is one (DejaVu, Liberation); Pillow's own has none.
        for path in POSTER_FONTS:
            try:
                return ImageFont.truetype(path, points)
            except OSError:
                continue
        return ImageFont.load_default(size=points)

    size_pt = 56
    font = font_of(size_pt)
    if not isinstance(font, ImageFont.FreeTypeFont) or font.path not in POSTER_FONTS:
        # Pillow's own font has no accents: write the title without them rather than with boxes.
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    while draw.textlength(title, font=font) > width - 96 and size_pt > 20:
        size_pt -= 4
        font = font_of(size_pt)
    draw.text((48, height - 130), title, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def load_year_programme(*, rng: random.Random, cites, sites, partners, plan, days_for, year: int) -> dict:
    """The year's workshops and events as planned events, sessions and attendance: bulk-written.

    ``plan`` is ``[(activity kind, activity role, {cite pk: how many})]``; ``days_for(cite)`` the
    Cité's open days of the year. Workshops become weekly (or every-other-week) series on one weekday
    and hour, their bank holidays as exceptions; events are one session each. Every past session has
    its attendance, and so its one ``Activity`` row: the report's workshops and events come from
    these sessions. Returns counts.
    """
    from django.core.files.base import ContentFile

    from .models import picture_storage

    by_pk = {c.pk: c for c in cites}
    events: list[Event] = []
    pending: list[tuple[Event, list[datetime.datetime], Cite]] = []
    for kind, role, counts in plan:
        for cite_pk, count in counts.items():
            if count <= 0:
                continue
            cite = by_pk[cite_pk]
            days = days_for(cite)
            open_days = set(days)
            tz = cite.tz
            formats = KIND_FORMATS[kind]
            if formats[0] in WORKSHOP_FORMATS:
                left = count
                while left > 0:
                    weeks = 2 if formats[0] == Format.PEER_GROUP or rng.random() < 0.3 else 1
                    room = max(1, (days[-1] - days[0]).days // (7 * weeks))
                    n = min(left, room, rng.randint(10, 45))
                    latest = days[-1] - datetime.timedelta(days=7 * weeks * (n - 1))
                    starts = [d for d in days if d <= latest and d.weekday() < 5] or days[:1]
                    day = rng.choice(starts)
                    start = datetime.datetime.combine(day, datetime.time(rng.choice([9, 10, 14, 16])), tz)
                    rule = (
                        f"FREQ=WEEKLY;INTERVAL={weeks};COUNT={n}" if weeks > 1 else f"FREQ=WEEKLY;COUNT={n}"
                    )
                    found = series.occurrences(start, rule, (), tz)
                    # A bank holiday (no open day) is an exception; the series runs one week longer.
                    holidays = [o.date().isoformat() for o in found if o.date() not in open_days]
                    if holidays:
                        rule = rule.replace(f"COUNT={n}", f"COUNT={n + len(holidays)}")
                        found = series.occurrences(start, rule, holidays, tz)
                    found = [o for o in found if o.year == year]
                    left -= max(1, len(found))
                    event = _year_event(rng, cite, sites, partners, formats[0], role, start, rule, holidays)
                    events.append(event)
                    pending.append((event, found, cite))
            else:
                for _ in range(count):
                    fmt = rng.choice(formats)
                    day = rng.choice(days)
                    start = datetime.datetime.combine(day, datetime.time(rng.choice([9, 10, 14])), tz)
                    event = _year_event(rng, cite, sites, partners, fmt, role, start, "", [])
                    events.append(event)
                    pending.append((event, [start], cite))
    slugs = {c.slug: c for c in cites}
    for slug, fmt, day, title, theme, participants, colours in FEATURED:
        cite = slugs.get(slug)
        if cite is None:
            continue
        start = datetime.datetime.combine(day, datetime.time(9, 30), cite.tz)
        event = _year_event(rng, cite, sites, partners, fmt, "organized", start, "", [])
        event.title, event.theme, event.featured, event.duration_minutes = title, theme, True, 480
        event.description = {
            "fr": f"{title['fr']} — {cite.name}, {day:%d/%m/%Y}. Entrée libre.",
            "en": f"{title['en']} — {cite.name}. Free entry.",
        }
        # A fixed name, overwritten by the next demo: pictures do not pile up.
        storage = picture_storage()
        name = f"pictures/demo-{slug}-{day:%m%d}.png"
        if storage.exists(name):
            storage.delete(name)
        event.picture.name = storage.save(name, ContentFile(picture_png(title["fr"], colours)))
        event._participants = participants
        events.append(event)
        pending.append((event, [start], cite))
    Event.objects.bulk_create(events, batch_size=1000)
    partner_links = []
    through = Event.partners.through
    for event in events:
        for partner in getattr(event, "_partners", []):
            partner_links.append(through(event_id=event.pk, partner_id=partner.pk))
    through.objects.bulk_create(partner_links, batch_size=5000)

    sessions, activities = [], []
    for event, starts, cite in pending:
        length = datetime.timedelta(minutes=event.duration_minutes)
        low, high = SIZE[event.format]
        for start in starts:
            participants = getattr(event, "_participants", None) or rng.randint(low, high)
            session = Session(
                uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                event=event,
                cite=cite,
                occurrence=start,
                starts_at=start,
                ends_at=start + length,
                site_id=event.site_id,
                capacity=event.capacity,
                seats_taken=min(participants, event.capacity) if event.capacity else 0,
            )
            session.activity = Activity(
                uid=f"programme-{session.uid}",
                cite_id=cite.pk,
                site_id=event.site_id,
                kind=FORMAT_KIND[event.format],
                role=ROLE_ACTIVITY[event.role],
                title=event.title.get("fr", next(iter(event.title.values())))[:200],
                theme=event.theme,
                date=start.date(),
                duration_minutes=event.duration_minutes,
                participants=participants,
            )
            sessions.append(session)
            activities.append(session.activity)
    Activity.objects.bulk_create(activities, batch_size=2000)
    for session in sessions:
        session.activity_id = session.activity.pk
    Session.objects.bulk_create(sessions, batch_size=2000)
    Attendance.objects.bulk_create(
        [
            Attendance(session_id=s.pk, cite_id=s.cite_id, participants=s.activity.participants)
            for s in sessions
        ],
        batch_size=2000,
    )
    activity_links = []
    activity_through = Activity.partners.through
    for session in sessions:
        for partner in getattr(session.event, "_partners", []):
            activity_links.append(activity_through(activity_id=session.activity_id, partner_id=partner.pk))
    activity_through.objects.bulk_create(activity_links, batch_size=5000)
    return {"events": len(events), "sessions": len(sessions), "featured": sum(e.featured for e in events)}


def _year_event(rng, cite, sites, partners, fmt, role, start, rule, exdates) -> Event:
    """One planned event (not saved): its place, seats, partners and titles in its Cité's languages."""
    own_partners = partners.get(cite.pk, [])
    if role == ActivityRole.PARTICIPATED:
        event_role = Role.PARTICIPATED
    elif own_partners and rng.random() < 0.4:
        event_role = Role.CO_ORGANIZED
    else:
        event_role = Role.ORGANIZED
    site = rng.choice(sites[cite.pk])
    low, high = SIZE[fmt]
    workshop = fmt in WORKSHOP_FORMATS
    event = Event(
        uid=uuid.UUID(int=rng.getrandbits(128), version=4),
        cite=cite,
        format=fmt,
        role=event_role,
        title=_titles(fmt, cite),
        description={},
        theme=rng.choice(THEMES),
        starts_at=start,
        duration_minutes=rng.choice([90, 120]) if workshop else rng.choice([120, 180, 240]),
        rrule=rule,
        exdates=list(exdates),
        site=site if event_role != Role.PARTICIPATED else None,
        venue_name="" if event_role != Role.PARTICIPATED else rng.choice(VENUES),
        venue_address="" if event_role != Role.PARTICIPATED else cite.city,
        # Participatory workshops and peer groups take registrations; the rest is walk-in.
        capacity=high if fmt in (Format.PARTICIPATORY_WORKSHOP, Format.PEER_GROUP) else None,
        language=(cite.languages or ["fr"])[0],
        published=True,
    )
    event._partners = (
        rng.sample(own_partners, min(2, len(own_partners))) if event_role == Role.CO_ORGANIZED else []
    )
    return event


THEMES = [
    "orientation",
    "orientation",
    "training",
    "training",
    "job",
    "job",
    "job",
    "career_change",
    "business",
]
VENUES = [
    "Parc des expositions",
    "Hôtel de ville",
    "Salle des fêtes",
    "Campus universitaire",
    "Palais des congrès",
]
