"""The demo's avis and the commanditaire's answers: what the team records after the second
weekend, and what it publishes when the answer is given (issue 11)."""

from __future__ import annotations

from datetime import date

from atelier.avis.sheets import AnswerIn, ProposalIn
from models.enums import AnswerStatus, GroupPosition, ImplementationState

AVIS_TEXT = (
    "Nous, quinze citoyennes et citoyens tirés au sort, avons travaillé deux week-ends et quatre "
    "soirées sur la question posée par le ministère.\n"
    "Nous avons entendu des élus, des opérateurs de transport et des associations d'usagers. "
    "Nos propositions tiennent compte de la diversité des territoires ruraux ; là où nous n'avons "
    "pas trouvé d'accord, nous le disons."
)
PROPOSALS = [
    ProposalIn(1, "Des navettes à la demande", "Créer dans chaque intercommunalité rurale un service de "
               "transport à la demande, réservable par téléphone la veille.", "Transports",
               GroupPosition.CONSENSUS, None),
    ProposalIn(2, "Un forfait mobilité rurale", "Verser un forfait annuel aux ménages sans alternative à "
               "la voiture pour leurs trajets de travail.", "Pouvoir d'achat", GroupPosition.DISSENSUS, 0.6),
    ProposalIn(3, "Le covoiturage du quotidien", "Financer des aires de covoiturage aux entrées de bourg et "
               "une plateforme départementale.", "Transports", GroupPosition.CONSENSUS, None),
    ProposalIn(4, "Des tiers-lieux de proximité", "Ouvrir des espaces de travail partagés dans les bourgs "
               "pour éviter des trajets.", "Emploi", GroupPosition.CONSENSUS, None),
    ProposalIn(5, "Rouvrir des petites lignes", "Étudier la réouverture des lignes ferroviaires fermées "
               "depuis moins de trente ans.", "Transports", GroupPosition.DISSENSUS, 0.53),
]  # fmt: skip
ANSWERS = [
    AnswerIn(1, AnswerStatus.RETAINED, None, "Direction générale des infrastructures, des transports et "
             "des mobilités", "expérimentation", date(2027, 12, 31)),
    AnswerIn(2, AnswerStatus.NOT_RETAINED, "Le coût, estimé à 900 M€ par an, n'est pas soutenable dans la "
             "trajectoire budgétaire 2028 ; les aides existantes seront mieux connues.", None, None, None),
    AnswerIn(3, AnswerStatus.PARTLY_RETAINED, "Les aires seront financées par le fonds vert ; la "
             "plateforme reste de la compétence des régions.", "Direction du budget", "budget",
             date(2028, 6, 30)),
    AnswerIn(4, AnswerStatus.RETAINED, None, "Agence nationale de la cohésion des territoires",
             "appel à projets", date(2028, 3, 31)),
    AnswerIn(5, AnswerStatus.UNDER_STUDY, "Une mission d'inspection remet ses conclusions sur dix lignes "
             "en mars 2028.", "Conseil général de l'environnement et du développement durable",
             "mission d'inspection", date(2028, 3, 31)),
]  # fmt: skip
# Follow-up steps the team records: with the answer (asked at « reponse_commanditaire »), then at
# the restitution.
UPDATES = {
    "reponse_commanditaire": (1, ImplementationState.IN_PROGRESS, "Douze intercommunalités volontaires "
                              "retenues pour l'expérimentation.", "https://www.example.gouv.fr/navettes"),
    "restitution_citoyens": (4, ImplementationState.PLANNED, "L'appel à projets ouvre en septembre.", None),
}  # fmt: skip
