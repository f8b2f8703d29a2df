"""The fictional people of the demo (no real person's data)."""

from __future__ import annotations

from models.enums import Role
from models.person_in import PersonIn

CITIZENS = [
    "Amina Benali",
    "Bernard Lefèvre",
    "Chloé Martin",
    "David Nguyen",
    "Élodie Moreau",
    "Farid Haddad",
    "Gisèle Petit",
    "Hugo Garnier",
    "Inès Rousseau",
    "Jean-Marc Blanc",
    "Karima Diallo",
    "Louis Fontaine",
    "Marie Lambert",
    "Nathan Roux",
    "Odile Chevalier",
]
EXPERTS = ["Pr Anne Vidal", "Dr Marc Olivier", "Sophie Carpentier"]
TRAINERS = ["Thomas Girard", "Lucie Perrin"]
COPIL = ["Claire Dumont", "Patrick Mercier", "Nadia Belkacem", "Olivier Renaud", "Sylvie Caron"]
COMMANDITAIRE = ["Hélène Marchand"]
TEAM = ["Julien Faure", "Camille Robin"]

EXAMPLE_DOMAIN = "example.org"  # reserved for documentation (RFC 2606)


def _email(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    ascii_name = ascii_name.replace("pr ", "").replace("dr ", "")
    return ascii_name.replace(" ", ".").replace("'", "") + f"@{EXAMPLE_DOMAIN}"


def demo_people() -> list[PersonIn]:
    groups: list[tuple[list[str], Role, str | None]] = [
        (CITIZENS, Role.CITIZEN, None),
        (EXPERTS, Role.EXPERT, "Université"),
        (TRAINERS, Role.TRAINER, "Cabinet de formation"),
        (COPIL, Role.COPIL_MEMBER, "Comité de pilotage"),
        (COMMANDITAIRE, Role.COMMANDITAIRE, "Ministère"),
        (TEAM, Role.PROJECT_TEAM, "Centre interministériel de la participation citoyenne"),
    ]
    return [
        PersonIn(full_name=name, email=_email(name), roles=[role], organisation=organisation)
        for names, role, organisation in groups
        for name in names
    ]
