"""The words a synthetic company is made of: names, departments, sites, skills, topics, posts.

Texts are plain sentences on purpose: no Markdown syntax except what
esn_tools.scale.text adds itself (bold, lists, @mentions, #topics), so the HTML
can be written directly in the shape esn.stream.markdown gives.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_NAMES = (
    "Hélène", "Marc", "Julien", "Camille", "Bastien", "Priya", "Émilie", "Lucas", "Zoé",
    "Oliver", "Inès", "Samuel", "Kevin", "Chloé", "Antoine", "Gaëlle", "Léa", "Hugo",
    "Charlotte", "Maxime", "François", "Amina", "Noémie", "Sarah", "Yanis", "Clémence",
    "Thomas", "Claire", "Benoît", "Laura", "Nicolas", "Sophie", "Jérôme", "Aurélien",
    "Manon", "Daniel", "Margaux", "Ana", "João", "Mateo", "Lucía", "Sofía", "Javier",
    "Fatima", "Omar", "Youssef", "Leïla", "Karim", "Nadia", "Mehdi", "Anh", "Minh",
    "Wei", "Mei", "Hiroshi", "Yuki", "Kenji", "Aiko", "Raj", "Ananya", "Arjun", "Deepa",
    "Lars", "Ingrid", "Björn", "Astrid", "Jürgen", "Anja", "Lukas", "Hannah", "Felix",
    "Marie", "Paul", "Louise", "Arthur", "Jade", "Louis", "Alice", "Gabriel", "Emma",
    "Raphaël", "Rose", "Jules", "Anna", "Adam", "Lina", "Noah", "Mia", "Ethan", "Eva",
    "Liam", "Nora", "Élodie", "Cédric", "Sébastien", "Agnès", "Loïc", "Maëlle", "Siobhan",
    "Seán", "Aoife", "Ciarán", "Grace", "Olivia", "James", "Amelia", "Kwame", "Ama",
    "Chidi", "Ngozi", "Tomás", "Inés", "Bruno", "Giulia", "Matteo", "Chiara", "Dmitri",
    "Olga", "Katarzyna", "Piotr", "Zsófia", "Ádám",
)  # fmt: skip

LAST_NAMES = (
    "Marchand", "Lefèvre", "Moreau", "Roux", "Girard", "Raman", "Laurent", "Petit",
    "Lambert", "Bennett", "Haddad", "Cohen", "O'Brien", "Dubois", "Mercier", "Morin",
    "Fontaine", "Bernard", "Davies", "Chevalier", "Dupuis", "Diallo", "Perrin", "Mitchell",
    "Belkacem", "Aubert", "Nguyen", "Vasseur", "Lemaire", "Whitaker", "Faure", "Tremblay",
    "Caron", "Masson", "Leroy", "Walsh", "Béranger", "Martin", "Durand", "Lefebvre",
    "Michel", "Garcia", "David", "Bertrand", "Rousseau", "Vincent", "Muller", "Blanc",
    "Guérin", "Boyer", "Garnier", "Chevallier", "François", "Legrand", "Gauthier",
    "Perrot", "Robin", "Clément", "Morel", "Nicolas", "Henry", "Roussel", "Mathieu",
    "Gautier", "Da Silva", "Ferreira", "Santos", "Pereira", "Fernández", "López",
    "González", "Rodríguez", "Martínez", "Sánchez", "Romero", "El Amrani", "Benali",
    "Mansouri", "Tran", "Pham", "Le", "Wang", "Zhang", "Li", "Chen", "Tanaka", "Suzuki",
    "Sato", "Yamamoto", "Patel", "Sharma", "Iyer", "Gupta", "Johansson", "Lindqvist",
    "Nielsen", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann",
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Murphy", "Kelly", "Byrne",
    "Mensah", "Okafor", "Adeyemi", "Rossi", "Russo", "Bianchi", "Costa", "Ivanov",
    "Kowalski", "Nowak", "Wiśniewski", "Horváth", "Nagy", "Kovács", "Dupont", "Lacroix",
)  # fmt: skip


@dataclass(frozen=True)
class Department:
    """A department: its name, relative size, head's title and the titles and skills inside."""

    name: str
    weight: int
    head_title: str
    manager_titles: tuple[str, ...]
    titles: tuple[str, ...]
    skills: tuple[str, ...]


# In the order departments are added as the company grows: the XS company has
# the first eight, the larger ones up to all twelve.
DEPARTMENTS = (
    Department(
        "Engineering", 26, "Chief Technology Officer",
        ("Engineering Manager", "Tech Lead", "Head of Platform"),
        ("Software Engineer", "Backend Developer", "Front-end Developer", "QA Engineer",
         "Site Reliability Engineer", "Mobile Developer", "Data Engineer", "Firmware Engineer"),
        ("Python", "SQL", "PostgreSQL", "Kubernetes", "JavaScript", "TypeScript", "Rust",
         "Embedded systems", "API design", "Linux", "Security", "Accessibility", "Go"),
    ),
    Department(
        "Sales", 15, "Chief Revenue Officer",
        ("Sales Manager", "Regional Sales Director", "Head of Inside Sales"),
        ("Account Executive", "Sales Representative", "Business Developer",
         "Key Account Manager", "Sales Engineer", "Bid Manager"),
        ("Negotiation", "Key accounts", "CRM", "Public speaking", "Forecasting",
         "Lighting design", "Spanish", "German"),
    ),
    Department(
        "Marketing", 8, "Chief Marketing Officer",
        ("Marketing Manager", "Head of Brand", "Head of Growth"),
        ("Content Strategist", "Product Marketing Manager", "Graphic Designer",
         "Marketing Analyst", "Community Manager", "SEO Specialist", "Event Manager"),
        ("Writing", "SEO", "Graphic design", "Photography", "Product marketing",
         "Community animation", "Video editing", "Data analysis"),
    ),
    Department(
        "Customer Success", 12, "Head of Customer Success",
        ("Support Team Lead", "Customer Success Lead", "Service Delivery Manager"),
        ("Customer Support Specialist", "Customer Success Manager", "Technical Support Engineer",
         "Onboarding Specialist", "Field Technician", "Trainer"),
        ("Customer empathy", "Troubleshooting", "Training", "Writing", "Key accounts",
         "Spanish support", "Home automation", "Process improvement"),
    ),
    Department(
        "Operations", 10, "Chief Operating Officer",
        ("Operations Manager", "Plant Manager", "Logistics Manager"),
        ("Supply Chain Planner", "Logistics Coordinator", "Quality Engineer",
         "Production Technician", "Buyer", "Warehouse Lead"),
        ("Lean manufacturing", "Supplier management", "Quality management", "Excel",
         "Logistics", "Negotiation", "Six Sigma", "Health and safety"),
    ),
    Department(
        "Finance", 5, "Chief Financial Officer",
        ("Finance Manager", "Head of Accounting", "Treasury Manager"),
        ("Financial Controller", "Accountant", "Payroll Specialist", "Financial Analyst",
         "Procurement Officer", "Tax Specialist"),
        ("Financial planning", "Excel", "Accounting", "Payroll", "SQL", "Data analysis",
         "Tax", "Negotiation"),
    ),
    Department(
        "Human Resources", 4, "Human Resources Director",
        ("HR Manager", "Head of Talent", "Learning & Development Lead"),
        ("HR Business Partner", "Talent Acquisition Specialist", "HR Coordinator",
         "Workplace & Wellbeing Officer", "Compensation Analyst"),
        ("Coaching", "Facilitation", "Recruiting", "Employment law", "Interviewing",
         "Employer branding", "Event planning", "First aid"),
    ),
    Department(
        "Product", 7, "Chief Product Officer",
        ("Group Product Manager", "Head of Design", "Product Lead"),
        ("Product Manager", "Product Owner", "UX Designer", "UX Researcher", "UI Designer",
         "Product Analyst"),
        ("Design thinking", "User research", "Figma", "Roadmapping", "Data analysis",
         "Accessibility", "Facilitation", "Lighting design"),
    ),
    Department(
        "IT", 5, "Chief Information Officer",
        ("IT Manager", "Head of Infrastructure", "Security Manager"),
        ("System Administrator", "Network Engineer", "Service Desk Analyst",
         "Security Analyst", "Cloud Engineer"),
        ("Linux", "Networking", "Security", "Windows", "Cloud", "Python", "ITIL"),
    ),
    Department(
        "Research", 4, "Head of Research",
        ("Research Manager", "Lab Manager"),
        ("Research Scientist", "Optical Engineer", "Electronics Engineer", "Lab Technician",
         "Data Scientist"),
        ("Optics", "Electronics", "Machine learning", "Python", "Statistics", "Patents"),
    ),
    Department(
        "Legal", 2, "General Counsel",
        ("Legal Manager",),
        ("Legal Counsel", "Compliance Officer", "Contract Manager", "Paralegal"),
        ("Contract law", "Compliance", "GDPR", "Negotiation", "Intellectual property"),
    ),
    Department(
        "Communications", 3, "Head of Communications",
        ("Internal Communications Manager",),
        ("Communications Officer", "Press Officer", "Internal Communications Specialist",
         "Video Producer"),
        ("Writing", "Public speaking", "Video editing", "Community animation",
         "Photography", "Crisis communication"),
    ),
)  # fmt: skip

CROSS_SKILLS = (
    "Project management", "Public speaking", "Excel", "Data analysis", "Coaching",
    "Facilitation", "Writing", "English", "French", "Spanish", "Agile", "Mentoring",
)  # fmt: skip


@dataclass(frozen=True)
class Site:
    """An office: its city, time zone, usual locale and languages, relative size."""

    city: str
    timezone: str
    locale: str | None
    languages: str
    weight: int


SITES = (
    Site("Paris", "Europe/Paris", "fr", "French, English", 34),
    Site("Lyon", "Europe/Paris", "fr", "French, English", 20),
    Site("Nantes", "Europe/Paris", "fr", "French", 14),
    Site("Montréal", "America/Toronto", "fr", "French, English", 12),
    Site("Berlin", "Europe/Berlin", "en", "German, English", 8),
    Site("London", "Europe/London", "en", "English", 7),
    Site("Singapore", "Asia/Singapore", "en", "English, Mandarin", 5),
)

EXTRA_LANGUAGES = ("Spanish", "Italian", "Portuguese", "Arabic", "German", "Japanese", "Polish")

# Topics as people type them (the stored key is case-folded); the first ones
# are the most used (Zipf-like).
TOPICS = (
    "release", "customers", "onboarding", "data", "security", "sustainability", "hiring",
    "mobile", "feedback", "roadmap", "DevOps", "design", "sales", "energy", "training",
    "python", "afterwork", "wellbeing", "accessibility", "quality", "events", "sql",
    "support", "lighting", "firmware", "kubernetes", "marketing", "innovation", "remote",
    "mentoring", "product", "strategy", "budget", "compliance", "gdpr", "research",
    "AI", "cloud", "incident", "retro", "hackathon", "diversity", "recruiting", "tips",
    "learning", "ux", "api", "q3-plan", "q4-plan", "trade-show", "partners", "logistics",
    "supply-chain", "lean", "safety", "green-it", "open-source", "documentation",
    "écologie", "café", "running", "cycling", "photography", "books", "music", "volunteering",
    "newsletter", "town-hall", "okr", "pricing", "launch", "smart-home", "iot", "optics",
)  # fmt: skip

PROJECT_CODENAMES = (
    "Aurora", "Borealis", "Comet", "Dawn", "Eclipse", "Firefly", "Glow", "Halo", "Ion",
    "Jupiter", "Kelvin", "Lumen", "Meridian", "Nova", "Orion", "Prism", "Quasar", "Radiance",
    "Solstice", "Twilight", "Umbra", "Vega", "Wavelength", "Xenon", "Zenith", "Apollo",
    "Beacon", "Candela", "Daylight", "Ember", "Flare", "Gleam", "Horizon", "Iris", "Lux",
    "Mirage", "Neon", "Opal", "Photon", "Spectrum", "Starlight", "Sunrise", "Tungsten",
    "Lantern", "Polaris", "Sirius", "Altair", "Lyra", "Cassiopeia", "Andromeda",
)  # fmt: skip

COMMUNITY_THEMES = (
    ("Python", ("python", "data")), ("Data", ("data", "sql")), ("Green IT", ("green-it", "energy")),
    ("Accessibility", ("accessibility", "design")), ("Security", ("security", "gdpr")),
    ("Design Systems", ("design", "ux")), ("DevOps", ("devops", "cloud")),
    ("Customer Voice", ("customers", "feedback")), ("Smart Home", ("smart-home", "iot")),
    ("Lighting Design", ("lighting", "design")), ("Mentoring", ("mentoring", "learning")),
    ("New Joiners", ("onboarding",)), ("Remote Work", ("remote", "wellbeing")),
    ("Running", ("running", "wellbeing")), ("Cycling", ("cycling", "sustainability")),
    ("Photography", ("photography",)), ("Book", ("books",)), ("Music", ("music",)),
    ("Volunteering", ("volunteering",)), ("Innovation", ("innovation", "hackathon")),
    ("Agile", ("retro", "learning")), ("Open Source", ("open-source", "python")),
    ("AI", ("ai", "data")), ("Sustainability", ("sustainability", "écologie")),
    ("Parents", ("wellbeing",)), ("Women in Tech", ("diversity", "mentoring")),
    ("Lean", ("lean", "quality")), ("Health & Safety", ("safety", "wellbeing")),
    ("Board Games", ("afterwork",)), ("Coffee", ("café", "afterwork")),
    ("Trade Shows", ("trade-show", "events")), ("Pricing", ("pricing", "sales")),
    ("Firmware", ("firmware", "iot")), ("Optics", ("optics", "research")),
    ("Documentation", ("documentation", "tips")), ("Cloud Costs", ("cloud", "budget")),
)  # fmt: skip

COMMUNITY_KINDS = ("Guild", "Community", "Circle", "Club", "Forum", "Network", "Lab", "Corner")

TEAM_KINDS = ("Team", "Leads", "All Hands", "Newsroom", "Staff")

SECRET_GROUP_NAMES = (
    "Executive Committee", "Board Preparation", "Acquisition Review", "Restructuring Task Force",
    "Salary Review", "Works Council Liaison", "Crisis Cell", "Legal Hold",
)  # fmt: skip

# Sentences posts are made of. "{x}" slots are filled from SLOTS; nothing here
# may contain Markdown syntax (*, _, `, [, ], #, @, a leading "-" or "1.").
POST_OPENERS = (
    "Quick update on {project}: the {thing} is ready for review.",
    "We just shipped the new {thing} for {audience}.",
    "Back from the {event} in {city}: my notes are below.",
    "Who has experience with {skill}? We need a hand on {project}.",
    "Reminder: the {meeting} moves to {day} at {hour}.",
    "Great news from the {team} team: {number} new customers signed this month.",
    "I'm looking for volunteers to test the {thing} before {day}.",
    "Lessons learned from last week's {incident}: we took {number} minutes to recover.",
    "Our {thing} now uses {number} % less energy than last year.",
    "Welcome to our new colleagues in {city}!",
    "Does anyone know who owns the {thing} these days?",
    "The {meeting} slides are on the shared drive.",
    "Here is a summary of what {audience} told us this quarter.",
    "Kudos to the {team} team for the {thing} launch.",
    "Please fill in the survey about the {thing} before {day}.",
    "We are hiring in {city}: {role} positions are open.",
    "Tip of the week: {tip}",
    "Proposal: let's move the {meeting} to a shorter, weekly format.",
    "The R&D lab in {city} opens its doors on {day}.",
    "Bonjour à tous ! Le {meeting} de {day} est confirmé.",
    "Merci à l'équipe {team} pour le travail sur {project}.",
    "Petit rappel : le {event} a lieu à {city} le {day}.",
    "Status of {project}: green, with one risk on the {thing}.",
    "Can someone from {team} explain how the {thing} works?",
    "I wrote a short guide on {skill} for beginners.",
)  # fmt: skip

POST_MIDDLES = (
    "The main change is that {audience} no longer wait for the {thing}.",
    "We measured it over {number} days on three sites.",
    "It took a lot of back and forth, but the result is worth it.",
    "Feedback so far is good, with a few rough edges on the {thing}.",
    "Next step: a pilot with {audience} in {city}.",
    "The budget stays the same; the schedule moves by {number} days.",
    "Latency is now < {number} ms for most requests.",
    "If you see anything odd, tell us in this thread.",
    "Thanks to everyone who joined the Q&A session.",
    "The recording will be available on {day}.",
    "We still need someone who knows {skill}.",
    "Numbers are up {number} % compared to the previous quarter.",
    "The documentation has been updated accordingly.",
    "We will present the results at the next {meeting}.",
    "Coffee and croissants are on us — see you there.",
    "Nous avons besoin de retours avant {day}.",
    "Le pilote à {city} s'est très bien passé.",
    "Everything is tracked in the {project} board.",
    "A big thank you to {team} for the support.",
    "This should make life easier for {audience}.",
)  # fmt: skip

POST_CLOSERS = (
    "Questions welcome!",
    "What do you think?",
    "Let me know if you want to join.",
    "More soon.",
    "Comments and ideas are welcome below.",
    "See you on {day}!",
    "Thanks all 🎉",
    "Merci !",
    "Happy to help if needed.",
    "Who's in?",
)  # fmt: skip

LIST_ITEMS = (
    "check the {thing} settings",
    "review the {project} plan",
    "book a room in {city}",
    "send the numbers to {team}",
    "update the documentation",
    "talk to {audience}",
    "prepare the {meeting} agenda",
    "test on the {number} pilot sites",
)  # fmt: skip

COMMENTS = (
    "Great work, thanks for sharing!",
    "Count me in.",
    "Very useful, thank you.",
    "I have a question about the {thing}: does it work for {audience} too?",
    "We saw the same thing in {city}.",
    "Can we discuss this at the next {meeting}?",
    "+1, this would help a lot.",
    "Interesting! Do you have the numbers for {city}?",
    "I'd be happy to help with {skill}.",
    "Congratulations to the whole team 🎉",
    "Where can I find the slides?",
    "Thanks, that clarifies things.",
    "Not sure I agree: the {thing} is not the bottleneck.",
    "Super, merci !",
    "Bravo à toute l'équipe.",
    "Is there a recording?",
    "Let's sync on {day}.",
    "I added my notes to the {project} board.",
    "Good point. We should involve {team} early.",
    "This is exactly what {audience} asked for.",
)  # fmt: skip

REPLIES = (
    "Thanks!",
    "Yes, on {day} at {hour}.",
    "Good question, I'll check and come back to you.",
    "The slides are on the shared drive.",
    "Agreed.",
    "Not yet, but it's planned for {day}.",
    "I'll send you the details.",
    "Exactement.",
    "Sure, let's do that.",
    "Both, actually.",
)  # fmt: skip

SLOTS: dict[str, tuple[str, ...]] = {
    "project": PROJECT_CODENAMES,
    "thing": (
        "dashboard", "mobile app", "onboarding booklet", "pricing page", "build pipeline",
        "dimming firmware", "support portal", "expense tool", "gateway", "data warehouse",
        "VPN", "intranet", "spring catalogue", "test bench", "release notes", "roadmap",
        "customer survey", "CRM", "invoice export", "lamp configurator",
    ),
    "audience": (
        "customers", "installers", "new joiners", "the support team", "our partners",
        "key accounts", "managers", "field technicians", "distributors",
    ),
    "event": (
        "trade show", "customer summit", "town hall", "hackathon", "team offsite",
        "lighting fair", "partner day", "security training",
    ),
    "meeting": ("town hall", "weekly sync", "demo day", "sprint review", "monthly review",
                "lunch and learn", "all hands"),
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week",
            "the 15th", "the end of the month"),
    "hour": ("9:00", "10:30", "12:30", "14:00", "16:00", "17:30"),
    "number": ("2", "3", "5", "8", "12", "15", "20", "30", "40", "120", "200"),
    "team": tuple(department.name for department in DEPARTMENTS),
    "city": tuple(site.city for site in SITES),
    "skill": ("Python", "SQL", "Figma", "negotiation", "public speaking", "Excel",
              "Kubernetes", "accessibility", "photography", "GDPR", "lean manufacturing"),
    "role": ("engineer", "sales", "support", "designer", "technician", "analyst"),
    "incident": ("outage", "incident", "delivery delay", "billing issue", "network cut"),
    "tip": (
        "a window function can replace a whole pipeline.",
        "block an hour a week for deep work.",
        "write the summary first, then the details.",
        "keyboard shortcuts save more time than you think.",
        "name your files with the date first.",
        "ask for feedback early, not at the end.",
    ),
}  # fmt: skip

BIOS = (
    "{title} in {city}, with the company for {years} years.",
    "I work on {skill} and {skill2}; ask me anything about it.",
    "Previously at a lighting start-up, now {title} in the {department} team.",
    "{title}. Outside work: {hobby}.",
    "Based in {city}. I love {hobby} and good documentation.",
)

HELP_WITH = (
    "{skill}, {skill2}, and finding the right person in {department}.",
    "Anything about {skill}.",
    "Onboarding newcomers in {city}.",
    "Reviewing a plan or a presentation.",
)

LOOKING_FOR = (
    "People who want to learn {skill}.",
    "Feedback from {department} colleagues.",
    "A mentor in another department.",
    "Ideas for the next {department} offsite.",
)

HOBBIES = (
    "running", "photography", "board games", "cycling", "cooking", "jazz", "climbing",
    "gardening", "chess", "sailing", "reading", "pottery",
)  # fmt: skip
