"""A believable demo company, so a fresh install has people to explore.

Lumière & Co designs connected lighting: forty people in six departments on
four sites, an org chart under one CEO, skills that cross departments, and
some follows. Everything is deterministic (fixed data, fixed random seed), so
two demo databases look the same. One function per part: later parts
(groups, posts, proposals) add their own function and a line in seed_demo.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts import service as accounts
from esn.accounts.models import Role, User
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.people import service as people
from esn.people.models import Follow, Profile
from esn_tools.demo.animation import seed_animation
from esn_tools.demo.proposals import seed_proposals
from esn_tools.demo.social import seed_conversation

COMPANY = "Lumière & Co"
DEMO_DOMAIN = "lumiere.example"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for everyone on purpose
RANDOM_SEED = 2026

EMPLOYEE = Role.EMPLOYEE.value
ANIMATOR = Role.ANIMATOR.value
ADMIN = Role.ADMIN.value

ENGINEERING = "Engineering"
SALES = "Sales"
MARKETING = "Marketing"
HR = "Human Resources"
FINANCE = "Finance"
SERVICE = "Customer Service"
DEPARTMENTS = (ENGINEERING, SALES, MARKETING, HR, FINANCE, SERVICE)


@dataclass(frozen=True)
class DemoPerson:
    """One member of the demo company; ``manager`` is another member's key."""

    key: str
    name: str
    title: str
    department: str
    site: str
    manager: str | None
    locale: str
    languages: str
    skills: tuple[str, ...]
    bio: str
    how_i_can_help: str
    looking_for: str
    role: str = EMPLOYEE


# Managers come before their reports, so each manager exists when a report is added.
# The CEO, an engineer who co-founded the company, sits in Engineering: six departments.
# The table keeps several fields on a line: it reads better so.
# fmt: off
PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(
        "ceo", "Hélène Marchand", "Chief Executive Officer & co-founder", ENGINEERING, "Paris",
        None, "fr", "French, English",
        ("Public speaking", "Strategy", "Lighting design"),
        "J'ai cofondé Lumière & Co en 2011 avec l'idée qu'une bonne lumière change une journée "
        "de travail. Je passe mes lundis à Lyon ou à Nantes.",
        "Présenter un projet au comité de direction, trouver un sponsor.",
        "Des idées qui traversent les services : postez-les, je lis tout.",
    ),
    DemoPerson(
        "cto", "Marc Lefèvre", "Chief Technology Officer", ENGINEERING, "Paris",
        "ceo", "fr", "French, English",
        ("Software architecture", "Python", "Embedded systems", "Project management"),
        "Twenty years of firmware and web platforms. I still review code on Fridays.",
        "Architecture reviews, hiring engineers, untangling old decisions.",
        "People outside Engineering who want to learn how our lamps talk to the cloud.",
    ),
    DemoPerson(
        "julien", "Julien Moreau", "Engineering Manager, Platform", ENGINEERING, "Nantes",
        "cto", "fr", "French, English",
        ("Project management", "Kubernetes", "PostgreSQL", "Coaching"),
        "Je mène l'équipe plateforme à Nantes : API, données, fiabilité.",
        "Planifier un projet technique, estimer, dire non poliment.",
        "Un binôme côté Customer Service pour mieux comprendre les incidents.",
    ),
    DemoPerson(
        "camille", "Camille Roux", "Site Reliability Engineer, esn administrator",
        ENGINEERING, "Nantes",
        "julien", "fr", "French, English, Spanish",
        ("Linux", "Python", "PostgreSQL", "Security"),
        "I keep our services up, and I run this network: ask me about accounts and imports.",
        "Access problems, on-call, anything that smells like a security issue.",
        "Volunteers to test new features before everyone else.",
        ADMIN,
    ),
    DemoPerson(
        "bastien", "Bastien Girard", "Backend Developer", ENGINEERING, "Nantes",
        "julien", "fr", "French",
        ("Python", "SQL", "API design"),
        "Développeur backend, amateur de cartes IGN et de trails le week-end.",
        "Écrire une requête SQL, automatiser un export.",
        "Des retours de Sales sur ce que les clients demandent vraiment.",
    ),
    DemoPerson(
        "priya", "Priya Raman", "Backend Developer", ENGINEERING, "Paris",
        "julien", "en", "English, Tamil, French",
        ("Python", "SQL", "Data analysis", "Public speaking"),
        "Moved from Bangalore to Paris in 2022; I work on the device telemetry pipeline.",
        "Python questions, getting numbers out of our telemetry.",
        "A French conversation partner over lunch.",
    ),
    DemoPerson(
        "emilie", "Émilie Laurent", "Engineering Manager, Apps", ENGINEERING, "Lyon",
        "cto", "fr", "French, English, German",
        ("Project management", "Facilitation", "Mobile development", "Coaching"),
        "J'anime l'équipe applications (web et mobile) à Lyon.",
        "Faciliter un atelier, organiser une rétrospective.",
        "Des testeurs pour la nouvelle application de pilotage d'éclairage.",
    ),
    DemoPerson(
        "lucas", "Lucas Petit", "Front-end Developer", ENGINEERING, "Lyon",
        "emilie", "fr", "French, English",
        ("JavaScript", "Accessibility", "Design thinking", "CSS"),
        "Front-end et accessibilité : une interface que tout le monde peut utiliser.",
        "Vérifier l'accessibilité d'une page ou d'un document.",
        "Des collègues malvoyants prêts à tester nos écrans.",
    ),
    DemoPerson(
        "zoe", "Zoé Lambert", "Mobile Developer", ENGINEERING, "Lyon",
        "emilie", "fr", "French, Italian",
        ("Mobile development", "Kotlin", "Photography", "Design thinking"),
        "Je construis l'appli mobile ; photographe le reste du temps.",
        "Prendre de belles photos produit, débugger Android.",
        "Un projet photo avec Marketing.",
    ),
    DemoPerson(
        "oliver", "Oliver Bennett", "QA Engineer", ENGINEERING, "Montréal",
        "emilie", "en", "English, French",
        ("Test automation", "Python", "Customer empathy"),
        "I break things on purpose so our customers don't break them by accident.",
        "Writing a test plan, reproducing a strange bug report.",
        "Support tickets that look like bugs: send them my way.",
    ),
    DemoPerson(
        "ines", "Inès Haddad", "Data Scientist", ENGINEERING, "Paris",
        "cto", "fr", "French, Arabic, English",
        ("Data analysis", "Python", "SQL", "Machine learning", "Public speaking"),
        "Data scientist : je fais parler les données de consommation de nos luminaires.",
        "Un tableau de bord, une analyse, une question statistique.",
        "Des sujets concrets venus de Finance ou du Service client.",
    ),
    DemoPerson(
        "antoine", "Antoine Mercier", "Sales Director", SALES, "Paris",
        "ceo", "fr", "French, English",
        ("Negotiation", "Public speaking", "Key accounts", "Strategy"),
        "Quinze ans de vente B2B ; je dirige l'équipe commerciale France et Canada.",
        "Préparer un rendez-vous client difficile.",
        "Des ingénieurs pour nous accompagner en avant-vente.",
    ),
    DemoPerson(
        "elodie", "Élodie Fournier", "Account Executive", SALES, "Paris",
        "antoine", "fr", "French, English",
        ("Negotiation", "Customer empathy", "CRM"),
        "Je m'occupe des hôtels et de la restauration en Île-de-France.",
        "Comprendre un client hôtelier, préparer une démo.",
        "Des retours d'expérience d'installations réussies.",
    ),
    DemoPerson(
        "kevin", "Kevin O'Brien", "Account Executive", SALES, "Montréal",
        "antoine", "en", "English, French",
        ("Negotiation", "Customer empathy", "Public speaking"),
        "Covering Quebec and Ontario. Hockey on Tuesdays, sales the rest of the week.",
        "Pitching in English, North American customers.",
        "Case studies translated for Canadian customers.",
    ),
    DemoPerson(
        "mathilde", "Mathilde Rousseau", "Key Account Manager", SALES, "Lyon",
        "antoine", "fr", "French, Spanish",
        ("Key accounts", "Negotiation", "Project management"),
        "Grands comptes publics : écoles, hôpitaux, collectivités.",
        "Répondre à un appel d'offres public.",
        "Un coup de main de Finance sur les modèles de prix.",
    ),
    DemoPerson(
        "samuel", "Samuel Cohen", "Sales Operations Analyst", SALES, "Paris",
        "antoine", "fr", "French, English, Hebrew",
        ("Data analysis", "SQL", "Excel", "CRM"),
        "Je transforme le CRM en chiffres utiles.",
        "Excel avancé, SQL, prévisions de ventes.",
        "Partager nos tableaux avec Marketing.",
    ),
    DemoPerson(
        "gaelle", "Gaëlle Morin", "Business Developer", SALES, "Nantes",
        "antoine", "fr", "French, English",
        ("Prospecting", "Public speaking", "Event planning"),
        "Je développe l'Ouest : salons, architectes, bureaux d'études.",
        "Organiser un stand sur un salon.",
        "Des volontaires pour le salon Lumière de Nantes en mars.",
    ),
    DemoPerson(
        "chloe_g", "Chloé Garnier", "Marketing Director", MARKETING, "Paris",
        "ceo", "fr", "French, English",
        ("Brand strategy", "Public speaking", "Writing"),
        "Je dirige le marketing et je crois aux histoires vraies de nos clients.",
        "Raconter un projet, préparer une présentation publique.",
        "Des anecdotes de terrain pour nos études de cas.",
    ),
    DemoPerson(
        "lea", "Léa Fontaine", "Community Manager", MARKETING, "Paris",
        "chloe_g", "fr", "French, English",
        ("Facilitation", "Writing", "Community animation", "Public speaking"),
        "Animatrice de ce réseau : je mets en lumière vos projets et je veille à ce que personne "
        "ne reste sans réponse.",
        "Lancer un groupe, écrire une charte, trouver les bonnes personnes.",
        "Vos projets transverses, même petits : parlons-en.",
        ANIMATOR,
    ),
    DemoPerson(
        "hugo", "Hugo Bernard", "Content Strategist", MARKETING, "Nantes",
        "chloe_g", "fr", "French",
        ("Writing", "Photography", "SEO"),
        "J'écris nos contenus web et nos études de cas.",
        "Relire un texte, le rendre plus clair.",
        "Des clients prêts à témoigner.",
    ),
    DemoPerson(
        "charlotte", "Charlotte Davies", "Product Marketing Manager", MARKETING, "Montréal",
        "chloe_g", "en", "English, French",
        ("Product marketing", "Design thinking", "Writing"),
        "I bridge the product team and the market: launches, positioning, messaging.",
        "Launch plans, competitive analysis.",
        "Engineers who can explain the new dimming firmware to me in plain words.",
    ),
    DemoPerson(
        "maxime", "Maxime Chevalier", "Graphic Designer", MARKETING, "Lyon",
        "chloe_g", "fr", "French, English",
        ("Graphic design", "Design thinking", "Accessibility", "Photography"),
        "Graphiste : identité visuelle, brochures, illustrations.",
        "Une affiche, une slide lisible, une icône.",
        "Un projet d'illustration pour la documentation technique.",
    ),
    DemoPerson(
        "francois", "François Dupuis", "Marketing Analyst", MARKETING, "Paris",
        "chloe_g", "fr", "French, English",
        ("Data analysis", "Excel", "Python", "SEO"),
        "J'analyse nos campagnes et notre audience.",
        "Mesurer l'effet d'une action, lire un graphique.",
        "Partager des méthodes avec Inès et l'équipe data.",
    ),
    DemoPerson(
        "amina", "Amina Diallo", "Human Resources Director", HR, "Lyon",
        "ceo", "fr", "French, English, Wolof",
        ("Coaching", "Facilitation", "Employment law", "Project management"),
        "Je dirige les RH ; ma porte est ouverte, à Lyon comme en visio.",
        "Parcours de carrière, mobilité interne, conflits.",
        "Des idées pour mieux accueillir les nouveaux arrivants.",
    ),
    DemoPerson(
        "noemie", "Noémie Perrin", "Talent Acquisition Specialist", HR, "Lyon",
        "amina", "fr", "French, English",
        ("Recruiting", "Interviewing", "Employer branding"),
        "Je recrute nos futurs collègues : ingénieurs, commerciaux, techniciens.",
        "Préparer un entretien, rédiger une offre d'emploi.",
        "Des ambassadeurs pour les forums écoles.",
    ),
    DemoPerson(
        "sarah", "Sarah Mitchell", "Learning & Development Lead", HR, "Montréal",
        "amina", "en", "English, French",
        ("Coaching", "Facilitation", "Public speaking", "Community animation"),
        "I design our training paths and run the mentoring programme.",
        "Finding a mentor, running a workshop, learning to present.",
        "Experts willing to give a one-hour lunch talk.",
        ANIMATOR,
    ),
    DemoPerson(
        "yanis", "Yanis Belkacem", "HR Business Partner", HR, "Paris",
        "amina", "fr", "French, Arabic, English",
        ("Negotiation", "Employment law", "Coaching"),
        "HRBP pour Sales et Marketing.",
        "Questions de contrat, temps partiel, télétravail.",
        "Des managers qui veulent tester le temps libre pour projets.",
    ),
    DemoPerson(
        "clemence", "Clémence Aubert", "Workplace & Wellbeing Officer", HR, "Paris",
        "amina", "fr", "French, English",
        ("Event planning", "Facilitation", "First aid"),
        "Je m'occupe de nos locaux et du bien-être au travail. Et de l'éclairage des bureaux !",
        "Organiser un événement, réserver un espace.",
        "Des volontaires pour le comité des fêtes.",
    ),
    DemoPerson(
        "thomas", "Thomas Nguyen", "Chief Financial Officer", FINANCE, "Paris",
        "ceo", "fr", "French, English, Vietnamese",
        ("Financial planning", "Excel", "Project management", "Strategy"),
        "Directeur financier ; je crois qu'un bon budget se construit avec les équipes.",
        "Construire un business case.",
        "Des projets qui font économiser de l'énergie à nos clients.",
    ),
    DemoPerson(
        "claire", "Claire Vasseur", "Financial Controller", FINANCE, "Paris",
        "thomas", "fr", "French, English",
        ("Data analysis", "SQL", "Excel", "Financial planning"),
        "Contrôle de gestion : budgets, reporting, prévisions.",
        "Lire un compte de résultat, suivre un budget projet.",
        "Automatiser nos rapports mensuels avec l'équipe data.",
    ),
    DemoPerson(
        "benoit", "Benoît Lemaire", "Accountant", FINANCE, "Nantes",
        "thomas", "fr", "French",
        ("Accounting", "Excel"),
        "Comptable à Nantes depuis l'ouverture du site.",
        "Notes de frais, factures fournisseurs.",
        "Moins de papier !",
    ),
    DemoPerson(
        "laura", "Laura Whitaker", "Procurement Officer", FINANCE, "Lyon",
        "thomas", "en", "English, French",
        ("Negotiation", "Supplier management", "Excel"),
        "I buy the components that go into our lamps, and I negotiate hard.",
        "Finding a supplier, comparing quotes.",
        "Engineers to help me judge LED driver specifications.",
    ),
    DemoPerson(
        "nicolas", "Nicolas Faure", "Payroll Specialist", FINANCE, "Lyon",
        "thomas", "fr", "French",
        ("Payroll", "Excel", "Employment law"),
        "La paie, chaque mois, à l'heure.",
        "Comprendre son bulletin de paie.",
        "Un outil plus simple pour les variables de paie.",
    ),
    DemoPerson(
        "sophie", "Sophie Tremblay", "Head of Customer Service", SERVICE, "Montréal",
        "ceo", "fr", "French, English",
        ("Customer empathy", "Coaching", "Process improvement"),
        "Québécoise, je dirige le service client des deux côtés de l'Atlantique.",
        "Gérer un client mécontent, améliorer un processus.",
        "Que les ingénieurs écoutent un appel client par mois.",
    ),
    DemoPerson(
        "jerome", "Jérôme Caron", "Support Team Lead", SERVICE, "Nantes",
        "sophie", "fr", "French, English",
        ("Customer empathy", "Project management", "Coaching"),
        "Je mène l'équipe support de Nantes.",
        "Organiser les astreintes, prioriser les tickets.",
        "Une meilleure base de connaissances, écrite avec vous.",
    ),
    DemoPerson(
        "chloe_d", "Chloé Dubois", "Customer Support Specialist", SERVICE, "Nantes",
        "jerome", "fr", "French, English",
        ("Customer empathy", "Troubleshooting", "Writing"),
        "Au support depuis trois ans : je connais tous les modèles de lampes par cœur.",
        "Diagnostiquer un problème de connexion d'une lampe.",
        "Apprendre un peu de Python pour automatiser mes réponses.",
    ),
    DemoPerson(
        "aurelien", "Aurélien Masson", "Customer Support Specialist", SERVICE, "Nantes",
        "jerome", "fr", "French",
        ("Customer empathy", "Troubleshooting"),
        "Support niveau 2, passionné de domotique.",
        "Installer et configurer une passerelle.",
        "Un groupe domotique pour partager nos montages.",
    ),
    DemoPerson(
        "manon", "Manon Leroy", "Customer Support Specialist", SERVICE, "Nantes",
        "jerome", "fr", "French, Spanish",
        ("Customer empathy", "Spanish support", "Writing"),
        "Support client, en français et en espagnol.",
        "Répondre à un client hispanophone.",
        "Des projets internationaux.",
    ),
    DemoPerson(
        "daniel", "Daniel Walsh", "Customer Success Manager", SERVICE, "Montréal",
        "sophie", "en", "English, French",
        ("Customer empathy", "Key accounts", "Data analysis"),
        "I help our largest customers get the most out of their installations.",
        "Onboarding a new customer, usage reviews.",
        "Dashboards from the data team for my quarterly reviews.",
    ),
    DemoPerson(
        "margaux", "Margaux Béranger", "Customer Success Manager", SERVICE, "Montréal",
        "sophie", "fr", "French, English",
        ("Customer empathy", "Facilitation", "Training"),
        "Je forme nos clients à leurs nouveaux systèmes d'éclairage.",
        "Animer une formation client.",
        "Des vidéos courtes faites avec Marketing.",
    ),
)
# fmt: on


@dataclass(frozen=True)
class DemoAccount:
    """A demo account worth trying, and why."""

    kind: str
    name: str
    email: str
    title: str


@dataclass(frozen=True)
class SeedResult:
    """What ``seed_demo`` did: how many people, groups, posts … it added."""

    people: int
    skipped: bool
    groups: int = 0
    posts: int = 0
    proposals: int = 0
    spotlights: int = 0
    reports: int = 0


def demo_email(name: str) -> str:
    """first.last@lumiere.example, accents and apostrophes dropped."""
    return re.sub(r"[^a-z.]", "", people.fold(name).replace(" ", ".")) + "@" + DEMO_DOMAIN


def _by_key(key: str) -> DemoPerson:
    return next(person for person in PEOPLE if person.key == key)


def notable_accounts() -> list[DemoAccount]:
    """One account per point of view: an employee, an animator, a manager, an administrator."""
    chosen = [
        (_("employee"), "chloe_d"),
        (_("animator"), "lea"),
        (_("manager"), "jerome"),
        (_("administrator"), "camille"),
        (_("CEO"), "ceo"),
    ]
    return [
        DemoAccount(kind, _by_key(key).name, demo_email(_by_key(key).name), _by_key(key).title)
        for kind, key in chosen
    ]


async def has_accounts(db: AsyncSession) -> bool:
    """True once anyone has an account (the demo then stays out of the way)."""
    count = (await db.execute(select(func.count()).select_from(User))).scalar_one()
    return bool(count)


async def _refuse_existing_demo(db: AsyncSession) -> None:
    emails = [demo_email(person.name) for person in PEOPLE]
    taken = (await db.execute(select(col(User.email)).where(col(User.email).in_(emails)))).first()
    if taken is not None:
        raise InvalidInput(
            {"email": _("The demo company is already there (%(email)s).") % {"email": taken[0]}}
        )


async def _create_people(db: AsyncSession) -> dict[str, tuple[User, Profile]]:
    """Accounts and profiles, managers first; all share one password hash."""
    # argon2 is slow on purpose: hash the shared demo password once, not forty times.
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    created: dict[str, tuple[User, Profile]] = {}
    for person in PEOPLE:
        manager_id = created[person.manager][0].id if person.manager else None
        user, profile = await people.add_person(
            db,
            people.NewPerson(
                email=demo_email(person.name),
                name=person.name,
                password=None,
                role=person.role,
                title=person.title,
                department=person.department,
                site=person.site,
                manager_id=manager_id,
                skills=person.skills,
                languages=person.languages,
                locale=person.locale,
            ),
        )
        user.password_hash = password_hash
        created[person.key] = (user, profile)
    return created


def _describe_people(created: dict[str, tuple[User, Profile]]) -> None:
    """Bios, how each person can help and what they are looking for."""
    for person in PEOPLE:
        _user, profile = created[person.key]
        profile.bio = person.bio
        profile.how_i_can_help = person.how_i_can_help
        profile.looking_for = person.looking_for


def _add_follows(db: AsyncSession, created: dict[str, tuple[User, Profile]]) -> int:
    """Everyone follows their manager and the CEO, plus a few colleagues picked at random."""
    rng = random.Random(RANDOM_SEED)  # noqa: S311 - demo data, not security
    ids = {key: user.id for key, (user, _profile) in created.items() if user.id is not None}
    keys = sorted(ids)
    pairs: set[tuple[int, int]] = set()
    for person in PEOPLE:
        follower = ids[person.key]
        wanted = {person.manager, "ceo", *rng.sample(keys, rng.randint(1, 4))}
        for key in sorted(k for k in wanted if k is not None):
            if ids[key] != follower:
                pairs.add((follower, ids[key]))
    for follower, followee in sorted(pairs):
        db.add(Follow(follower_id=follower, followee_id=followee))
    return len(pairs)


async def seed_demo(
    db: AsyncSession, *, if_empty: bool = False, media_dir: Path | None = None
) -> SeedResult:
    """Build the demo company in one transaction.

    With ``if_empty``, does nothing when any account exists (``make run`` calls
    it on every start). Otherwise refuses with InvalidInput if the demo people
    are already there.
    """
    if if_empty and await has_accounts(db):
        return SeedResult(people=0, skipped=True)
    await _refuse_existing_demo(db)
    created = await _create_people(db)
    _describe_people(created)
    _add_follows(db, created)
    await db.commit()
    # The conversations go through the services, which commit as they go.
    media = media_dir or Path("var/media")
    group_count, post_count = await seed_conversation(db, media)
    proposal_count = await seed_proposals(db, media)
    animation = await seed_animation(db)
    return SeedResult(
        people=len(created) + animation.newcomers,
        skipped=False,
        groups=group_count + animation.groups,
        posts=post_count + animation.posts,
        proposals=proposal_count,
        spotlights=animation.spotlights,
        reports=animation.reports,
    )
