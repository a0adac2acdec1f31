"""The demo network: the 24 members of 2024 with fictitious sites, partners and a year of activity.

Deterministic for a given seed. At ``scale=1`` its size is the 2024 report's: about
430,000 visits and 125,000 workshop and event participants (555,000 beneficiaries),
6,700 workshops and 1,050 events. Every figure it makes is fictitious, and the
network is flagged so (``Network.demo``): every page that shows them says so.
"""

import csv
import datetime
import random
import uuid
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction

from cdm.accounts.models import Role, User
from cdm.accounts.scoping import network_scope
from cdm.activity.models import Equipment, Interview, Visit
from cdm.governance.demo import load_governance_demo
from cdm.lib import planner
from cdm.network.models import Cite, Contribution, Network, Partner, Partnership, Pole, Site, SiteStop
from cdm.network.vocabularies import (
    ActivityKind,
    ActivityRole,
    AgeBand,
    Channel,
    ContributionType,
    Gender,
    LabelStatus,
    Outcome,
    PartnerKind,
    SiteKind,
    Status,
    Theme,
)
from cdm.programme.demo import load_demo_programme, load_year_programme
from cdm.stats import cache, months

MEMBERS_CSV = Path(__file__).parent / "data" / "members-2024.csv"
YEAR = 2024
DEMO_PASSWORD = "demo"
VISITS_AT_SCALE_1 = 430_000
WORKSHOPS_AT_SCALE_1 = {"information_session": 460, "participatory_workshop": 6000, "peer_group": 230}
EVENTS_AT_SCALE_1 = {"organized": 600, "participated": 450}

# Relative size of each Cité's activity (Paris-La Villette is by far the largest).
WEIGHT = {
    "paris-la-villette": 10,
    "bruxelles": 5,
    "barcelona": 5,
    "geneve": 3,
    "marseille-paca": 3,
    "val-de-marne": 3,
    "porto": 2,
    "milano": 2,
    "la-reunion": 2,
    "haute-normandie": 2,
}
OVERSEAS_REGION = {"la-reunion": "La Réunion", "mayotte": "Mayotte", "guadeloupe": "Guadeloupe"}
# Each Cité's sessions are shown in its own time zone (IANA names).
TIMEZONES = {"la-reunion": "Indian/Reunion", "mayotte": "Indian/Mayotte", "guadeloupe": "America/Guadeloupe"}
COUNTRY_TIMEZONE = {
    "FR": "Europe/Paris",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "IT": "Europe/Rome",
}
PUBLIC_EMPLOYMENT = {
    "FR": "France Travail",
    "BE": "Le Forem",
    "CH": "Office cantonal de l'emploi",
    "ES": "Servicio Público de Empleo",
    "PT": "IEFP",
    "IT": "Centro per l'impiego",
}
POLE_LABELS = {
    Theme.ORIENTATION: {
        "fr": "Choisir son orientation",
        "en": "Choosing a path",
        "nl": "Studiekeuze",
        "es": "Orientación",
        "ca": "Orientació",
        "pt": "Orientação",
        "it": "Orientamento",
    },
    Theme.TRAINING: {
        "fr": "Se former",
        "en": "Training",
        "nl": "Opleiding",
        "es": "Formación",
        "ca": "Formació",
        "pt": "Formação",
        "it": "Formazione",
    },
    Theme.JOB: {
        "fr": "Trouver un emploi",
        "en": "Finding a job",
        "nl": "Werk zoeken",
        "es": "Buscar empleo",
        "ca": "Trobar feina",
        "pt": "Procurar emprego",
        "it": "Cercare lavoro",
    },
    Theme.CAREER_CHANGE: {
        "fr": "Changer de métier",
        "en": "Changing careers",
        "nl": "Loopbaanwissel",
        "es": "Cambiar de profesión",
        "ca": "Canviar de professió",
        "pt": "Mudar de profissão",
        "it": "Cambiare lavoro",
    },
    Theme.BUSINESS: {
        "fr": "Créer son activité",
        "en": "Starting a business",
        "nl": "Ondernemen",
        "es": "Emprender",
        "ca": "Emprendre",
        "pt": "Empreender",
        "it": "Fare impresa",
    },
    Theme.INTERNATIONAL: {
        "fr": "Travailler à l'étranger",
        "en": "Working abroad",
        "nl": "Werken in het buitenland",
        "es": "Trabajar en el extranjero",
        "ca": "Treballar a l'estranger",
        "pt": "Trabalhar no estrangeiro",
        "it": "Lavorare all'estero",
    },
}
THEME_WEIGHTS = [
    (Theme.ORIENTATION, 28),
    (Theme.TRAINING, 22),
    (Theme.JOB, 25),
    (Theme.CAREER_CHANGE, 12),
    (Theme.BUSINESS, 7),
    (Theme.INTERNATIONAL, 3),
    (Theme.OTHER, 3),
]
CHANNEL_WEIGHTS = [
    (Channel.IN_PERSON, 80),
    (Channel.PHONE, 11),
    (Channel.EMAIL, 5),
    (Channel.CHAT, 2),
    (Channel.VIDEO, 2),
]
OUTCOME_WEIGHTS = [(Outcome.INFORMATION, 43), (Outcome.SELF_SERVICE, 34), (Outcome.INTERVIEW, 23)]
AGE_WEIGHTS = [
    (AgeBand.UNDER_18, 9),
    (AgeBand.FROM_18_TO_25, 27),
    (AgeBand.FROM_26_TO_44, 36),
    (AgeBand.FROM_45_TO_54, 15),
    (AgeBand.FROM_55, 8),
    (AgeBand.NOT_STATED, 5),
]
GENDER_WEIGHTS = [(Gender.FEMALE, 55), (Gender.MALE, 41), (Gender.OTHER, 1), (Gender.NOT_STATED, 3)]
STATUS_WEIGHTS = [
    (Status.JOB_SEEKER, 38),
    (Status.EMPLOYED, 24),
    (Status.STUDENT, 22),
    (Status.INACTIVE, 5),
    (Status.RETIRED, 2),
    (Status.OTHER, 3),
    (Status.NOT_STATED, 6),
]
# Fewer visitors in August and late December.
MONTH_WEIGHT = [1.0, 1.1, 1.15, 1.0, 0.95, 1.0, 0.7, 0.35, 1.2, 1.15, 1.1, 0.8]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _weighted_sampler(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    cum = []
    total = 0
    for w in weights:
        total += w
        cum.append(total)
    return lambda: rng.choices(values, cum_weights=cum)[0]


def _partial_date(text: str) -> datetime.date | None:
    parts = [int(p) for p in text.split("-") if p]
    if not parts:
        return None
    return datetime.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _open_days(year: int) -> list[datetime.date]:
    day = datetime.date(year, 1, 1)
    days = []
    while day.year == year:
        if day.weekday() < 5 or (day.weekday() == 5 and day.day % 2):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def load_demo(
    *, scale: float = 1.0, seed: int = 1, progress: Callable[[str, int], None] | None = None
) -> dict:
    """Replace the database's network with the demo network. Returns the accounts created."""
    progress = progress or (lambda step, n: None)
    rng = random.Random(seed)
    _clear()
    with network_scope(), transaction.atomic():
        Network.objects.create(demo=True)
        cites = _cites(rng)
        progress("cites", len(cites))
        sites = _sites(rng, cites)
        poles = _poles(cites)
        partners = _partners(rng, cites)
        progress("partners", sum(len(p) for p in partners.values()))
        _equipment(rng, cites)
        accounts = _accounts(cites, partners)
        _activities(rng, cites, sites, partners, scale, progress)
        _visits(rng, cites, sites, poles, partners, scale, progress)
        # Bulk writes send no signals: the report's months start over.
        months.bump_all()
    planner.refresh()
    cache.compute_reports([YEAR])  # the demo's report opens at once
    load_governance_demo()  # the network's own life in 2024: bodies, milestones, representation, Desk Reset
    load_demo_programme()  # a few Cités' workshops and events around today
    return accounts


def _clear():
    """Empty every table: the demo replaces whatever the database held."""
    call_command("flush", interactive=False, verbosity=0)


def _cites(rng) -> list[Cite]:
    cites = []
    with open(MEMBERS_CSV, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            slug = row["id"]
            opened = _partial_date(row["opened"])
            member_since = (
                datetime.date(2024, 4, 25)
                if slug == "saint-omer"
                else datetime.date(
                    max(2005, (opened or datetime.date(2010, 1, 1)).year), rng.randint(1, 12), 1
                )
            )
            if slug == "sambre-avesnois":
                member_since = datetime.date(2023, 6, 1)
            status = (
                LabelStatus.PREPARATION if slug in {"saint-omer", "sambre-avesnois"} else LabelStatus.LABELLED
            )
            labelled_on = None
            if status == LabelStatus.LABELLED:
                labelled_on = (
                    datetime.date(2024, 11, 15)
                    if slug == "pays-d-artois"
                    else datetime.date(
                        max(member_since.year, 2006) + rng.randint(0, 2), rng.randint(1, 12), 1
                    )
                )
                labelled_on = (
                    min(labelled_on, datetime.date(2023, 12, 1)) if slug != "pays-d-artois" else labelled_on
                )
            cites.append(
                Cite(
                    slug=slug,
                    name=row["name"],
                    country=row["country"],
                    region=OVERSEAS_REGION.get(slug, ""),
                    city=row["city"],
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                    languages=row["languages"].split(";"),
                    status=status,
                    member_since=member_since,
                    labelled_on=labelled_on,
                    opened_on=opened,
                    inaugurated_on=datetime.date(2024, 6, 4) if slug == "pays-d-artois" else None,
                    timezone=TIMEZONES.get(slug) or COUNTRY_TIMEZONE.get(row["country"], "Europe/Paris"),
                )
            )
    return Cite.objects.bulk_create(cites)


def _sites(rng, cites) -> dict[int, list[Site]]:
    sites = []
    stops = []
    for cite in cites:
        sites.append(
            Site(
                cite=cite,
                slug=f"{cite.slug}-main",
                name=cite.name,
                kind=SiteKind.MAIN,
                city=cite.city,
                latitude=cite.latitude,
                longitude=cite.longitude,
                opened_on=cite.opened_on,
            )
        )
        if rng.random() < 0.3:
            sites.append(
                Site(
                    cite=cite,
                    slug=f"{cite.slug}-centre",
                    name=f"Centre associé — {cite.city}",
                    kind=SiteKind.ASSOCIATED_CENTRE,
                    city=cite.city,
                )
            )
        for i in range(rng.choice([0, 0, 1, 2])):
            sites.append(
                Site(
                    cite=cite,
                    slug=f"{cite.slug}-relais-{i + 1}",
                    name=f"Point relais {i + 1}",
                    kind=SiteKind.RELAY_POINT,
                    city=cite.city,
                )
            )
        if cite.slug in {"sambre-avesnois", "pays-d-artois", "la-reunion"}:
            bus = Site(
                cite=cite,
                slug=f"{cite.slug}-bus",
                name="Bus de l'orientation",
                kind=SiteKind.MOBILE_UNIT,
                city=cite.city,
                opened_on=datetime.date(2024, 4, 2) if cite.slug == "sambre-avesnois" else None,
            )
            sites.append(bus)
            for day, place in enumerate(
                ["Place du marché", "Parvis de la mairie", "Lycée professionnel", "Centre social"], start=1
            ):
                stops.append(
                    SiteStop(
                        site=bus,
                        weekday=day,
                        place=place,
                        starts_at=datetime.time(9, 30),
                        ends_at=datetime.time(16, 30),
                    )
                )
        if rng.random() < 0.25:
            sites.append(
                Site(
                    cite=cite,
                    slug=f"{cite.slug}-ephemere",
                    name="Action éphémère",
                    kind=SiteKind.EPHEMERAL_ACTION,
                    city=cite.city,
                    target_public=rng.choice(
                        ["Centre pénitentiaire", "Collèges et lycées", "Quartiers prioritaires"]
                    ),
                    opened_on=datetime.date(YEAR, 3, 1),
                    closed_on=datetime.date(YEAR, 6, 30),
                )
            )
    Site.objects.bulk_create(sites)
    SiteStop.objects.bulk_create(stops)
    by_cite: dict[int, list[Site]] = {}
    for site in sites:
        by_cite.setdefault(site.cite_id, []).append(site)
    return by_cite


def _poles(cites) -> dict[int, dict[str, Pole]]:
    poles = []
    for cite in cites:
        for position, (theme, labels) in enumerate(POLE_LABELS.items()):
            wanted = [lang for lang in cite.languages if lang in labels] or ["fr"]
            poles.append(
                Pole(
                    cite=cite,
                    code=theme.value.replace("_", "-"),
                    theme=theme,
                    position=position,
                    labels={lang: labels[lang] for lang in dict.fromkeys([*wanted, "fr", "en"])},
                )
            )
    Pole.objects.bulk_create(poles)
    by_cite: dict[int, dict[str, Pole]] = {}
    for pole in poles:
        by_cite.setdefault(pole.cite_id, {})[pole.theme] = pole
    return by_cite


def _partners(rng, cites) -> dict[int, list[Partner]]:
    national = {
        country: Partner(
            slug=f"pes-{country.lower()}",
            name=name,
            kind=PartnerKind.PUBLIC_EMPLOYMENT_SERVICE,
            country=country,
        )
        for country, name in PUBLIC_EMPLOYMENT.items()
    }
    local_kinds = [
        (PartnerKind.LOCAL_AUTHORITY, "Ville de {city}"),
        (PartnerKind.EDUCATION, "Centre d'information et d'orientation de {city}"),
        (PartnerKind.TRAINING, "Organisme de formation continue de {city}"),
        (PartnerKind.BUSINESS, "Chambre de commerce et d'industrie de {city}"),
        (PartnerKind.ASSOCIATION, "Mission locale de {city}"),
        (PartnerKind.ASSOCIATION, "Association pour l'insertion de {city}"),
        (PartnerKind.OTHER, "Maison de l'emploi de {city}"),
    ]
    partners = list(national.values())
    by_cite: dict[int, list[Partner]] = {}
    for cite in cites:
        mine = [national[str(cite.country)]]
        for i, (kind, name) in enumerate(rng.sample(local_kinds, rng.randint(3, len(local_kinds)))):
            mine.append(
                Partner(
                    slug=f"{cite.slug}-p{i + 1}",
                    name=name.format(city=cite.city),
                    kind=kind,
                    country=str(cite.country),
                )
            )
        partners.extend(mine[1:])
        by_cite[cite.pk] = mine
    Partner.objects.bulk_create(partners)
    partnerships, contributions = [], []
    for cite in cites:
        for partner in by_cite[cite.pk]:
            since = datetime.date(rng.randint(2008, 2023), rng.randint(1, 12), 1)
            partnerships.append(Partnership(cite=cite, partner=partner, since=since))
            if rng.random() < 0.7:
                contributions.append(
                    Contribution(
                        cite=cite,
                        partner=partner,
                        year=YEAR,
                        type=ContributionType.HUMAN_RESOURCES,
                        amount=round(rng.uniform(0.2, 3), 1),
                        unit="fte",
                    )
                )
            if rng.random() < 0.5:
                currency = "CHF" if str(cite.country) == "CH" else "EUR"
                contributions.append(
                    Contribution(
                        cite=cite,
                        partner=partner,
                        year=YEAR,
                        type=ContributionType.FINANCIAL,
                        amount=rng.randint(2, 120) * 1000,
                        unit=currency,
                    )
                )
            if rng.random() < 0.5:
                contributions.append(
                    Contribution(
                        cite=cite,
                        partner=partner,
                        year=YEAR,
                        type=ContributionType.EXPERTISE,
                        amount=rng.randint(10, 200),
                        unit="hours",
                    )
                )
            if rng.random() < 0.3:
                contributions.append(
                    Contribution(
                        cite=cite,
                        partner=partner,
                        year=YEAR,
                        type=ContributionType.MATERIAL,
                        description=rng.choice(["Locaux", "Postes informatiques", "Salle d'ateliers"]),
                    )
                )
    Partnership.objects.bulk_create(partnerships)
    Contribution.objects.bulk_create(contributions)
    return by_cite


def _equipment(rng, cites):
    Equipment.objects.bulk_create(
        Equipment(
            cite=cite,
            year=YEAR,
            paper_references=rng.randint(120, 400),
            paper_copies=rng.randint(200, 600),
            computer_stations=rng.randint(8, 35),
            tablets=rng.randint(0, 6),
            vr_headsets=rng.randint(2, 12) if rng.random() < 0.6 else 0,
        )
        for cite in cites
    )


def _accounts(cites, partners) -> dict:
    password = make_password(DEMO_PASSWORD)
    users = [
        User(
            username="coordinator",
            first_name="Coordination",
            last_name="du réseau",
            role=Role.COORDINATOR,
            is_staff=True,
            password=password,
        )
    ]
    for cite in cites:
        users.append(
            User(username=f"manager-{cite.slug}", role=Role.MANAGER, is_staff=True, password=password)
        )
        users.append(User(username=f"agent-{cite.slug}", role=Role.AGENT, is_staff=True, password=password))
        users.append(
            User(
                username=f"counsellor-{cite.slug}",
                role=Role.COUNSELLOR,
                is_staff=True,
                password=password,
                partner=partners[cite.pk][0],
            )
        )
    User.objects.bulk_create(users)
    through = User.cites.through
    by_name = {c.slug: c for c in cites}
    links = []
    for user in User.objects.exclude(role=Role.COORDINATOR):
        links.append(through(user_id=user.pk, cite_id=by_name[user.username.split("-", 1)[1]].pk))
    through.objects.bulk_create(links)
    return {
        "coordinator": "coordinator",
        "per_cite": ["manager-<cite>", "agent-<cite>", "counsellor-<cite>"],
        "password": DEMO_PASSWORD,
    }


def _share(cites, total: int) -> dict[int, int]:
    weights = {c.pk: WEIGHT.get(c.slug, 1) for c in cites}
    whole = sum(weights.values())
    return {pk: round(total * w / whole) for pk, w in weights.items()}


def _days_for(cite: Cite, days: list[datetime.date]) -> list[datetime.date]:
    start = max(cite.opened_on or days[0], cite.member_since or days[0], days[0])
    return [d for d in days if d >= start] or days[-1:]


def _activities(rng, cites, sites, partners, scale, progress):
    """The 2024 programme: the report's workshops and events as planned sessions with attendance."""
    plan = [(kind, ActivityRole.ORGANIZED, n) for kind, n in WORKSHOPS_AT_SCALE_1.items()]
    plan += [(ActivityKind.FORUM, role, n // 3) for role, n in EVENTS_AT_SCALE_1.items()]
    plan += [(ActivityKind.CONFERENCE, role, n // 2) for role, n in EVENTS_AT_SCALE_1.items()]
    plan += [(ActivityKind.OTHER_EVENT, role, n - n // 3 - n // 2) for role, n in EVENTS_AT_SCALE_1.items()]
    days = _open_days(YEAR)
    made = load_year_programme(
        rng=rng,
        cites=cites,
        sites=sites,
        partners=partners,
        plan=[(kind, role, _share(cites, max(1, round(n * scale)))) for kind, role, n in plan],
        days_for=lambda cite: _days_for(cite, days),
        year=YEAR,
    )
    progress("activities", made["sessions"])


def _visits(rng, cites, sites, poles, partners, scale, progress):
    days = _open_days(YEAR)
    theme = _weighted_sampler(rng, THEME_WEIGHTS)
    channel = _weighted_sampler(rng, CHANNEL_WEIGHTS)
    outcome = _weighted_sampler(rng, OUTCOME_WEIGHTS)
    age = _weighted_sampler(rng, AGE_WEIGHTS)
    gender = _weighted_sampler(rng, GENDER_WEIGHTS)
    status = _weighted_sampler(rng, STATUS_WEIGHTS)
    done = 0
    for cite in cites:
        count = _share(cites, round(VISITS_AT_SCALE_1 * scale))[cite.pk]
        cite_days = _days_for(cite, days)
        day_weights = [MONTH_WEIGHT[d.month - 1] for d in cite_days]
        chosen_days = sorted(rng.choices(cite_days, day_weights, k=count))
        cite_sites = sites[cite.pk]
        site_weights = [8 if s.kind == SiteKind.MAIN else 1 for s in cite_sites]
        cite_partners = partners[cite.pk]
        batch: list[Visit] = []
        interviews: list[tuple[Visit, Interview]] = []
        for day in chosen_days:
            t = theme()
            o = outcome()
            site = rng.choices(cite_sites, site_weights)[0]
            if site.opened_on and day < site.opened_on or site.closed_on and day > site.closed_on:
                site = cite_sites[0]
            visit = Visit(
                uid=_uid(rng),
                cite_id=cite.pk,
                site=site,
                date=day,
                time=datetime.time(rng.randint(9, 17), rng.randrange(0, 60, 5)),
                channel=channel(),
                theme=t,
                pole=poles[cite.pk].get(t),
                outcome=o,
                age_band=age(),
                gender=gender(),
                status=status(),
                first_visit=rng.random() < 0.62,
            )
            batch.append(visit)
            if o == Outcome.INTERVIEW:
                interviews.append(
                    (
                        visit,
                        Interview(
                            partner=rng.choice(cite_partners),
                            duration_minutes=rng.choice([15, 20, 30, 30, 45, 60]),
                        ),
                    )
                )
            if len(batch) >= 5000:
                done += _flush(batch, interviews)
                progress("visits", done)
                batch, interviews = [], []
        done += _flush(batch, interviews)
        progress("visits", done)


def _flush(batch, interviews) -> int:
    Visit.objects.bulk_create(batch)
    for visit, interview in interviews:
        interview.visit_id = visit.pk
    Interview.objects.bulk_create([i for _, i in interviews])
    return len(batch)
