"""The demo's network year on the network's life, after the 2024 annual report (``../shared/seed``).

Every record is marked ``demo=True``. Dates, places, organisations and counts are the report's; the
officers' and the team's names are invented (personal data: ``docs/personal-data.md``).
"""

import datetime
import io
import zipfile

from django.core.files.base import ContentFile

from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite

from . import models as m

D = datetime.date

# Invented people: no officer of the real network is named here.
OFFICERS = [
    ("Camille Verhoeven", m.Office.PRESIDENT, "", "bruxelles"),
    ("Julien Marchetti", m.Office.SECRETARY_GENERAL, "", "paris-la-villette"),
    ("Hélène Dubreuil", m.Office.TREASURER, "", "val-de-marne"),
    ("Sofia Almeida", m.Office.VICE_PRESIDENT, "déléguée à la professionnalisation", "geneve"),
    ("Nadia Ferrand", m.Office.VICE_PRESIDENT, "déléguée aux partenariats", "cotes-d-armor"),
]

EXCOM_DATES = [D(2024, 1, 23), D(2024, 2, 27), D(2024, 3, 26), D(2024, 5, 14), D(2024, 6, 11)]
EXCOM_DATES += [D(2024, 9, 10), D(2024, 10, 8), D(2024, 11, 12), D(2024, 12, 17)]
APM_DATES = [
    (D(2024, 3, 19), "Paris", False),
    (D(2024, 6, 24), "Paris", False),
    (D(2024, 12, 5), "Bruxelles", False),
]

PRINTEMPS_CITES = [
    "paris-la-villette",
    "val-de-marne",
    "cotes-d-armor",
    "pays-d-artois",
    "sambre-avesnois",
    "saint-omer",
    "bruxelles",
    "charleroi",
    "liege",
    "geneve",
    "barcelona",
]

# The Autumn School 2024: 19 Cités of 5 countries (the report's "Retour en chiffre").
AUTUMN_SCHOOL_CITES = [
    "paris-la-villette",
    "cotes-d-armor",
    "pays-d-artois",
    "sambre-avesnois",
    "saint-omer",
    "val-de-marne",
    "marseille-paca",
    "haute-normandie",
    "belfort",
    "beauvais",
    "bruxelles",
    "charleroi",
    "liege",
    "namur",
    "bellinzona",
    "geneve",
    "barcelona",
    "irun",
    "porto",
]

# Invented people: the report's real trainers are not named here.
ACCREDITATIONS = [
    ("Aline Vandermeulen", m.AccreditationTitle.MASTER_TRAINER, "bruxelles"),
    ("Thomas Ribeiro", m.AccreditationTitle.TRAINER_COUNSELLOR, "paris-la-villette"),
]


def minimal_pdf(title: str) -> bytes:
    """A tiny valid PDF standing for a paper of the demo."""
    text = f"(Demonstration - {title}) Tj".encode("latin-1", "replace")
    stream = b"BT /F1 14 Tf 72 720 Td " + text + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def minimal_odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def load_governance_demo() -> dict:
    """Create the demo's bodies, meetings, milestones, representation, the Autumn School and its titles
    awarded, Desk Reset and contacts. Returns counts."""
    with network_scope():
        cites = {c.slug: c for c in Cite.objects.all()}
        excom = m.Body.objects.create(
            kind=m.BodyKind.EXECUTIVE_COMMITTEE,
            role="Le Comité Exécutif administre l'association. Il est garant de ses statuts, de l'organisation "
            "de ses activités, de leur cohérence avec le cadre stratégique voté par l'Assemblée Générale "
            "et du respect du budget.",
            position=1,
            demo=True,
        )
        apm = m.Body.objects.create(
            kind=m.BodyKind.MANAGERS_ASSEMBLY,
            role="Instance consultative qui réunit l'ensemble des managers des Cités des métiers membres : "
            "partage d'informations et d'expériences, initiatives conjointes, débat des propositions du "
            "Comité Exécutif.",
            open_to_managers=True,
            position=2,
            demo=True,
        )
        ag = m.Body.objects.create(
            kind=m.BodyKind.GENERAL_ASSEMBLY,
            role="Elle se réunit au moins une fois par an pour voter le rapport moral et d'activités, le bilan "
            "financier, le budget de l'année et, le cas échéant, élire les membres du Comité Exécutif.",
            open_to_managers=True,
            position=3,
            demo=True,
        )
        mandates = [
            m.Mandate.objects.create(
                body=excom,
                person=person,
                office=office,
                delegation=delegation,
                from_cite=cites.get(slug),
                started_on=D(2022, 6, 20),
                ended_on=D(2024, 12, 31) if office == m.Office.PRESIDENT else None,
                demo=True,
            )
            for person, office, delegation, slug in OFFICERS
        ]
        for i, day in enumerate(EXCOM_DATES, 1):
            meeting = m.Meeting.objects.create(
                body=excom,
                date=day,
                online=i % 3 != 0,
                place="" if i % 3 else "Paris",
                agenda="Suivi du budget\nPréparation des instances\nProjets européens",
                demo=True,
            )
            meeting.attendees.set(mandates)
        for day, place, online in APM_DATES:
            m.Meeting.objects.create(
                body=apm,
                date=day,
                place=place,
                online=online,
                participants=22,
                agenda="Tour des Cités\nVision 2024 : bilan\nAutumn School",
                demo=True,
            )
        assembly = m.Meeting.objects.create(
            body=ag,
            date=D(2024, 6, 24),
            place="Paris",
            agenda="Rapport moral et d'activité 2023\nBilan financier 2023\nBudget 2024\nÉlections",
            participants=24,
            minutes=ContentFile(minimal_pdf("Compte rendu AG 2024"), name="compte-rendu.pdf"),
            demo=True,
        )
        for kind, status in [
            (m.DocumentKind.MORAL_REPORT, m.DocumentStatus.ADOPTED),
            (m.DocumentKind.ACCOUNTS, m.DocumentStatus.ADOPTED),
            (m.DocumentKind.BUDGET, m.DocumentStatus.ADOPTED),
            (m.DocumentKind.STRATEGIC_FRAMEWORK, m.DocumentStatus.DRAFT),
        ]:
            m.AssemblyDocument.objects.create(
                meeting=assembly,
                kind=kind,
                status=status,
                file=ContentFile(minimal_pdf(str(kind.label)), name="document.pdf"),
                demo=True,
            )
        for text in [
            "Approbation du rapport moral et d'activité 2023",
            "Approbation des comptes 2023",
            "Vote du budget 2024",
        ]:
            m.Decision.objects.create(
                meeting=assembly, text=text, votes_for=20, votes_against=0, abstentions=1
            )

        milestones = [
            (
                "liege",
                m.MilestoneKind.MOVED,
                D(2024, 5, 31),
                m.Precision.DAY,
                "La Cité des métiers de Liège a ouvert les portes de son nouveau local au public le 31 mai 2024.",
            ),
            (
                "pays-d-artois",
                m.MilestoneKind.INAUGURATED,
                D(2024, 6, 4),
                m.Precision.DAY,
                "La Cité des métiers du Pays d'Artois, ouverte au public en 2023, a officiellement inauguré le 4 juin 2024.",
            ),
            (
                "pays-d-artois",
                m.MilestoneKind.LABEL_OPERATING,
                D(2024, 11, 15),
                m.Precision.MONTH,
                "La Cité des métiers du Pays d'Artois a obtenu le label fonctionnement en novembre.",
            ),
            (
                "sambre-avesnois",
                m.MilestoneKind.OPENED,
                D(2024, 4, 1),
                m.Precision.MONTH,
                "La Cité des métiers Sambre-Avesnois, basée à Maubeuge, a démarré son activité auprès du public en "
                "avril avec l'ouverture de son site principal.",
            ),
            (
                "sambre-avesnois",
                m.MilestoneKind.MOBILE_UNIT_STARTED,
                D(2024, 4, 1),
                m.Precision.MONTH,
                "La Cité des métiers Sambre-Avesnois a démarré ses actions décentralisées par le biais de son bus "
                "de l'orientation.",
            ),
            (
                "saint-omer",
                m.MilestoneKind.JOINED,
                D(2024, 4, 25),
                m.Precision.DAY,
                "La Cité des métiers de Saint-Omer a rejoint le Réseau depuis le 25 avril 2024.",
            ),
        ]
        for slug, kind, day, precision, text in milestones:
            if slug in cites:
                m.Milestone.objects.create(
                    cite=cites[slug],
                    kind=kind,
                    date=day,
                    precision=precision,
                    text=text,
                    demo=True,
                    renewal_due_on=D(2029, 11, 15) if kind == m.MilestoneKind.LABEL_OPERATING else None,
                )

        printemps = m.RepresentationEvent.objects.create(
            title="Printemps des compétences et métiers à venir",
            role=m.EventRole.CO_ORGANISED,
            organiser="Centre Inffo et la Cité des métiers de Paris",
            place="Cité des sciences et de l'industrie, Paris",
            country="FR",
            starts_on=D(2024, 4, 23),
            ends_on=D(2024, 4, 24),
            stand=True,
            workshops=3,
            round_tables=1,
            description="La clôture en France de l'Année européenne des compétences. Le Réseau a animé une table "
            "ronde sur les dynamiques de professionnalisation des conseillers en orientation.",
            demo=True,
        )
        printemps.cites_present.set([cites[s] for s in PRINTEMPS_CITES if s in cites])
        m.RepresentationEvent.objects.create(
            title="LLLP Days",
            role=m.EventRole.CONTRIBUTED,
            organiser="Lifelong Learning Platform",
            starts_on=D(2024, 6, 17),
            ends_on=D(2024, 6, 18),
            description="Réunion annuelle du réseau des acteurs de l'éducation tout au long de la vie.",
            demo=True,
        )
        m.RepresentationEvent.objects.create(
            title="LLLWeek",
            role=m.EventRole.CONTRIBUTED,
            organiser="Lifelong Learning Platform",
            starts_on=D(2024, 11, 18),
            description="Conférence annuelle, dédiée cette année aux enjeux rencontrés par les professions éducatives.",
            demo=True,
        )
        m.NetworkMembership.objects.create(
            name="Lifelong Learning Platform",
            acronym="LLLP",
            since=D(2015, 1, 1),
            description="Plus de 40 réseaux européens de l'éducation et de la formation tout au long de la vie.",
            url="https://lllplatform.eu/",
            demo=True,
        )
        for day, end, organisation, country, online, description in [
            (
                D(2024, 1, 30),
                D(2024, 2, 1),
                "Projet Erasmus+ STRONGER — délégation internationale",
                "",
                False,
                "France, Espagne, Irlande, Italie : première session de formation du projet.",
            ),
            (D(2024, 6, 5), None, "Services andalous de l'emploi", "ES", False, ""),
            (D(2024, 9, 11), None, "Municipalité de Naples et Cité des sciences de Naples", "IT", True, ""),
            (
                D(2024, 9, 12),
                None,
                "Direction générale de l'enseignement postobligatoire du Canton de Vaud",
                "CH",
                False,
                "",
            ),
            (D(2024, 10, 17), None, "Agence régionale pour l'emploi de Poméranie", "PL", False, ""),
        ]:
            m.Delegation.objects.create(
                date=day,
                end_date=end,
                organisation=organisation,
                country=country,
                online=online,
                description=description,
                demo=True,
            )
        m.Intervention.objects.create(
            date=D(2024, 9, 10),
            online=True,
            theme="Career guidance and gender equality: challenges and innovations",
            organiser="Association européenne pour la formation professionnelle (projet PARI)",
            demo=True,
        )
        m.Intervention.objects.create(
            date=D(2024, 9, 26),
            place="Sarajevo",
            country="BA",
            theme="Atelier « Future of work »",
            organiser="Union pour la Méditerranée et Fondation européenne pour la formation",
            demo=True,
        )

        autumn = m.NetworkSeminar.objects.create(
            title="Autumn School 2024",
            kind=m.SeminarKind.AUTUMN_SCHOOL,
            starts_on=D(2024, 12, 4),
            ends_on=D(2024, 12, 6),
            host=cites.get("bruxelles"),
            place="Bruxelles",
            country="BE",
            participants=170,
            workshops=24,
            description="Le séminaire annuel du Réseau, accueilli par la Cité des métiers de Bruxelles et "
            "co-organisé avec elle : trois journées d'ateliers et de tables rondes sur les pratiques des Cités, "
            "le bilan de la Vision 2024 et l'actualisation du cadre stratégique.",
            demo=True,
        )
        autumn.cites_present.set([cites[s] for s in AUTUMN_SCHOOL_CITES if s in cites])
        for person, title, slug in ACCREDITATIONS:
            if slug in cites:
                m.Accreditation.objects.create(
                    person=person,
                    title=title,
                    cite=cites[slug],
                    awarded_on=D(2024, 12, 5),
                    seminar=autumn,
                    demo=True,
                )

        desk = m.Project.objects.create(
            title="Desk Reset",
            programme="Erasmus+",
            role=m.ProjectRole.COORDINATOR,
            started_on=D(2021, 11, 1),
            ended_on=D(2024, 10, 31),
            summary="Desk Reset accompagne l'évolution de la fonction de chargé d'accueil en centre d'orientation "
            "tout au long de la vie, face à la digitalisation des services et des outils de l'accueil.",
            objectives="Renforcer la qualité de l'accueil dans les centres d'orientation tout au long de la vie\n"
            "Renforcer les compétences des agents d'accueil\n"
            "Former des professionnels aux nouvelles pratiques d'accueil liées à la transition digitale",
            funder="Commission européenne",
            demo=True,
        )
        for organisation, country, role in [
            ("Réseau international des Cités des métiers", "FR", m.ProjectRole.COORDINATOR),
            ("Cité des métiers de Bruxelles", "BE", m.ProjectRole.PARTNER),
            ("Cité des métiers de Charleroi", "BE", m.ProjectRole.PARTNER),
            ("Centre d'orientation d'Athènes (démonstration)", "GR", m.ProjectRole.PARTNER),
            ("Centre d'orientation de Florence (démonstration)", "IT", m.ProjectRole.PARTNER),
            ("Centre d'orientation de Bari (démonstration)", "IT", m.ProjectRole.PARTNER),
        ]:
            m.ProjectPartner.objects.create(
                project=desk, organisation=organisation, country=country, role=role
            )
        for kind, title, place, day in [
            (m.ProjectMilestoneKind.KICK_OFF, "Lancement du projet", "Roissy", D(2021, 11, 1)),
            (m.ProjectMilestoneKind.PARTNER_MEETING, "2nde réunion partenariale", "Florence", D(2022, 6, 1)),
            (
                m.ProjectMilestoneKind.PARTNER_MEETING,
                "3ème réunion partenariale, 1er événement de dissémination",
                "Athènes",
                D(2022, 12, 1),
            ),
            (m.ProjectMilestoneKind.PARTNER_MEETING, "4ème réunion partenariale", "Bruxelles", D(2023, 5, 1)),
            (m.ProjectMilestoneKind.TRAINING, "1ère session de formation", "Bari", D(2023, 10, 1)),
            (
                m.ProjectMilestoneKind.TRAINING,
                "2ème formation : activités pratiques",
                "Bruxelles",
                D(2024, 3, 1),
            ),
            (m.ProjectMilestoneKind.FINAL_CONFERENCE, "Conférence finale", "Roissy", D(2024, 9, 1)),
        ]:
            m.ProjectMilestone.objects.create(
                project=desk, kind=kind, title=title, place=place, date=day, precision=m.Precision.MONTH
            )
        for kind, title in [
            (m.DeliverableKind.PORTFOLIO, "Portfolio des pratiques d'accueil en centre d'orientation"),
            (m.DeliverableKind.GUIDE, "Guide méthodologique pour les consultations locales"),
            (m.DeliverableKind.FRAMEWORK, "Référentiel de compétences et cadre de validation"),
            (m.DeliverableKind.TRAINING_PROGRAMME, "Programme de formation hybride des agents d'accueil"),
        ]:
            m.Deliverable.objects.create(project=desk, kind=kind, title=title, date=D(2024, 10, 31))

        m.NetworkContact.objects.create(
            address="30 avenue Corentin Cariou\n75019 Paris",
            website="https://www.reseaucitesdesmetiers.com",
            phone="+33 (0)1 00 00 00 00",
            email="info@reseaucitesdesmetiers.com",
            team="Claire Demonet, responsable associative (nom inventé)",
            report_author="Claire Demonet (nom inventé)",
        )
        for slug in ["paris-la-villette", "bruxelles", "saint-omer"]:
            if slug in cites:
                m.CiteContact.objects.create(
                    cite=cites[slug],
                    address=cites[slug].city,
                    email=f"contact@{slug}.example.org",
                    website=f"https://{slug}.example.org",
                )
        return {
            "meetings": m.Meeting.objects.count(),
            "milestones": m.Milestone.objects.count(),
            "delegations": m.Delegation.objects.count(),
            "seminars": m.NetworkSeminar.objects.count(),
            "accreditations": m.Accreditation.objects.count(),
        }
