"""Every message kind's subject and text, kept here so that a change of wording shows in review.

Read them as their recipients would. After an intended change, refresh them with
``pytest tests/unit/test_message_texts.py --inline-snapshot=fix`` and read the diff.
"""

from __future__ import annotations

from typing import Any

from inline_snapshot import snapshot

from notifications.rendering import MESSAGE_KINDS, render_message
from tests.unit.message_samples import sample_context

CITIZEN_KINDS = (
    "citizen_invitation",
    "confirmation_reminder",
    "event_invitation",
    "event_cancelled",
    "weekend_practical",
    "weekend_reminder",
    "online_session_reminder",
    "avis_handover",
    "droit_de_suite_notice",
)
SPEAKER_AND_COPIL_KINDS = (
    "speaker_invitation",
    "materials_request",
    "copil_convocation",
    "decision_request",
    "decision_reminder",
)
TEAM_KINDS = (
    "gate_escalation",
    "team_revision_request",
    "team_risk_alert",
    "team_weekly_digest",
    "team_advance_failed",
    "team_undeliverable_alert",
    "team_delivery_outage",
    "team_delivery_recovered",
)
WORKSPACE_KINDS = ("signin_link", "workspace_invitation")
VOLUNTEER_KINDS = ("panel_not_selected", "panel_pool_thanks")
FOLLOW_UP_KINDS = ("follow_up_digest", "marks_request", "team_follow_up_reminder", "copil_answer_late")
EVALUATION_KINDS = ("evaluation_request", "evaluation_reminder")
COMMITTEE_KINDS = ("committee_call", "meeting_reminder")


COPIL_MEETING = {
    "key": "copil_1",
    "name": "COPIL n°1",
    "is_weekend": False,
    "start_long": "lundi 15 février 2027 à 14h00",
    "end_long": "lundi 15 février 2027 à 16h00",
    "start_hour": "14h00",
    "end_hour": "16h00",
    "minutes": 120,
    "location": "Ministère, salle 204, ou en visioconférence",
    "public_url": None,
}
ONLINE_SESSION = {
    **COPIL_MEETING,
    "key": "session_en_ligne_1",
    "name": "Session en ligne n°1",
    "start_long": "mardi 13 avril 2027 à 18h30",
    "end_long": "mardi 13 avril 2027 à 20h00",
    "start_hour": "18h30",
    "end_hour": "20h00",
    "minutes": 90,
    "location": "en ligne",
}
# Each kind is read with the event it is really about.
EVENT_OF_KIND = {"copil_convocation": COPIL_MEETING, "online_session_reminder": ONLINE_SESSION}


def _read(kind: str, **changes: Any) -> str:
    context = sample_context()
    if kind in EVENT_OF_KIND:
        context["event"] = EVENT_OF_KIND[kind]
    for key, value in changes.items():
        if value is None:  # a message written without it (an account's invitation, no atelier)
            context.pop(key, None)
        elif isinstance(value, dict):
            context[key] = {**context.get(key, {}), **value}
        else:
            context[key] = value
    message = render_message(kind, context)
    return f"Objet : {message.subject}\n\n{message.text}"


def test_every_kind_is_kept_here() -> None:
    """No message kind escapes review: each one is in one of the lists below."""
    assert sorted(
        CITIZEN_KINDS
        + SPEAKER_AND_COPIL_KINDS
        + TEAM_KINDS
        + WORKSPACE_KINDS
        + VOLUNTEER_KINDS
        + FOLLOW_UP_KINDS
        + EVALUATION_KINDS
        + COMMITTEE_KINDS
    ) == sorted(MESSAGE_KINDS)


def test_what_citizens_read() -> None:
    """Citizens' messages, first invitations and changes, as a citizen reads them."""
    texts = {kind: _read(kind) for kind in CITIZEN_KINDS}
    texts["event_invitation (modification)"] = _read("event_invitation", is_update=True, revision=2)
    texts["event_cancelled (désinscription)"] = _read("event_cancelled", attendee_only=True)
    assert texts == snapshot(
        {
            "citizen_invitation": """\
Objet : Invitation à l'atelier citoyen « Mobilités rurales »

Bonjour Amina Benali,

Vous avez été retenu(e) pour participer à l'atelier citoyen « Mobilités rurales », organisé à la demande du ministère.

Pourquoi cet atelier ?
Le ministère souhaite recueillir l'avis de citoyens sur la question suivante :
« Quelles mobilités ? »
L'avis attendu prendra la forme suivante : propositions de solutions.

Pourquoi vous ?
Vous faites partie d'un panel de 15 citoyens choisis pour refléter la diversité de la population (âge, genre, lieu de résidence, catégorie socio-professionnelle, niveau d'études) et des opinions sur le sujet. Aucune connaissance préalable n'est nécessaire.

Comment votre contribution sera utilisée
Vous recevrez une formation présentant des points de vue pluriels, parfois contradictoires. Le groupe rédigera ensemble un avis, qui sera remis au commanditaire et rendu public. Le commanditaire s'engage à y répondre publiquement et de manière motivée ; vous serez informé(e) des suites données (droit de suite).
Le mandat de participation précise l'objet de l'atelier, les engagements des organisateurs, le calendrier et les étapes de décision qui suivront l'avis : https://a.example/public/a/mandat.html

Le calendrier
- Premier week-end : du samedi 3 avril 2027 à 10h00 au dimanche 4 avril 2027 à 17h00

Indemnisation : 80 € par journée de présence.
Lieu des week-ends : Salle.
Hébergement : Hôtel.

À prévoir : une pièce d'identité, de quoi prendre des notes ; pour les sessions en ligne, un ordinateur et une connexion stable.

Merci de nous confirmer votre participation :
- je confirme : https://a.example/reponse/c
- je ne pourrai pas participer : https://a.example/reponse/d

Vous recevrez une invitation de calendrier pour chaque rendez-vous, puis les informations pratiques avant chaque week-end.

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""",
            "confirmation_reminder": """\
Objet : Rappel : merci de confirmer votre participation à l'atelier citoyen

Bonjour Amina Benali,

Nous n'avons pas encore reçu votre réponse à l'invitation à l'atelier citoyen « Mobilités rurales ».
Le premier rendez-vous est le samedi 3 avril 2027 à 10h00.

- je confirme : https://a.example/reponse/c
- je ne pourrai pas participer : https://a.example/reponse/d

Une question ? Écrivez-nous : equipe@example.gouv.fr

Bien cordialement,
Équipe
""",
            "event_invitation": """\
Objet : Premier week-end — samedi 3 avril 2027 à 10h00

Bonjour Amina Benali,

Voici l'invitation pour votre agenda.

Premier week-end
Du samedi 3 avril 2027 à 10h00 au dimanche 4 avril 2027 à 17h00
Lieu : Paris

Bien cordialement,
Équipe
""",
            "event_cancelled": """\
Objet : Annulé : Premier week-end — samedi 3 avril 2027 à 10h00

Bonjour Amina Benali,

Le rendez-vous « Premier week-end » prévu le samedi 3 avril 2027 à 10h00 est annulé. L'annulation ci-jointe le retire de votre agenda.

Bien cordialement,
Équipe
""",
            "weekend_practical": """\
Objet : Informations pratiques : Premier week-end (samedi 3 avril 2027 à 10h00)

Bonjour Amina Benali,

Voici les informations pratiques pour le premier week-end de l'atelier citoyen « Mobilités rurales ».

Quand : du samedi 3 avril 2027 à 10h00 au dimanche 4 avril 2027 à 17h00.
Où : Salle.
Pour venir : Métro Ségur.
Un souci le jour même (retard, empêchement) ? Appelez l'équipe au 01 23 45 67 89.
Hébergement : Hôtel.
Indemnisation : 80 € par journée de présence.

Programme du week-end
- Accueil

À prévoir : une pièce d'identité, de quoi prendre des notes.

Bien cordialement,
Équipe
""",
            "weekend_reminder": """\
Objet : Rappel : Premier week-end dans 7 jours (samedi 3 avril 2027 à 10h00)

Bonjour Amina Benali,

Nous vous rappelons le premier week-end de l'atelier citoyen, du samedi 3 avril 2027 à 10h00 au dimanche 4 avril 2027 à 17h00.
Lieu : Salle.
Hébergement : Hôtel.

En cas d'empêchement, prévenez-nous au plus vite : equipe@example.gouv.fr

À très bientôt,
Équipe
""",
            "online_session_reminder": """\
Objet : Rappel : Session en ligne n°1 dans 7 jours à 18h30

Bonjour Amina Benali,

La session en ligne n°1 de l'atelier citoyen aura lieu le mardi 13 avril 2027 à 18h30 et durera 90 minutes.

Lien de connexion : https://visio.example/a

Pour rejoindre la session :
1. ouvrez le lien ci-dessus depuis un ordinateur disposant d'une connexion stable ;
2. autorisez l'accès au micro et à la caméra lorsque votre navigateur le demande ;
3. indiquez vos prénom et nom, puis patientez dans la salle d'attente.

Merci de vous connecter au moins 5 minutes avant le début.

À bientôt,
Équipe
""",
            "avis_handover": """\
Objet : L'avis citoyen « Mobilités rurales » a été remis

Bonjour Amina Benali,

L'avis des citoyens sur la question « Quelles mobilités ? » a été validé par le groupe et remis au ministère le dimanche 25 avril 2027 à 17h00.

Il sera rendu public, et le ministère s'engage à y apporter une réponse politique, motivée et publique, et à préciser les prochaines étapes de la décision. Vous serez informé(e) des suites données à l'avis.

Merci pour votre engagement tout au long de l'atelier.

Bien cordialement,
Équipe
""",
            "droit_de_suite_notice": """\
Objet : Droit de suite : la réponse du ministère à votre avis

Bonjour Amina Benali,

Le ministère a rendu sa réponse motivée et publique à l'avis que vous avez rédigé sur la question « Quelles mobilités ? ».
Vous pouvez la lire en ligne : https://www.example.gouv.fr/ateliers-citoyens/reponse

Une restitution vous présentera les suites données à chacune de vos propositions : samedi 3 avril 2027 à 10h00 (en ligne). Vous recevrez une invitation pour votre agenda.

Bien cordialement,
Équipe
""",
            "event_invitation (modification)": """\
Objet : Modification : Premier week-end — samedi 3 avril 2027 à 10h00

Bonjour Amina Benali,

La date de ce rendez-vous a changé ; l'invitation ci-jointe remplace la précédente.

Premier week-end
Du samedi 3 avril 2027 à 10h00 au dimanche 4 avril 2027 à 17h00
Lieu : Paris

Bien cordialement,
Équipe
""",
            "event_cancelled (désinscription)": """\
Objet : Retiré de votre agenda : Premier week-end — samedi 3 avril 2027 à 10h00

Bonjour Amina Benali,

Vous nous avez indiqué que vous ne pourrez pas participer : vous n'êtes plus attendu(e) au rendez-vous « Premier week-end » du samedi 3 avril 2027 à 10h00, qui est maintenu pour les autres participants. Le message ci-joint le retire de votre agenda.

Merci de nous avoir prévenus.

Bien cordialement,
Équipe
""",
        }
    )


def test_what_speakers_and_copil_members_read() -> None:
    """Speakers' and COPIL members' messages, including a revised version's request."""
    copil = {"full_name": "Olivier Renaud", "is_citizen": False}
    texts = {kind: _read(kind, person=copil) for kind in SPEAKER_AND_COPIL_KINDS}
    revised = {"round": 2, "documents": ["cahier-des-charges-v2.pdf"]}
    texts["decision_request (version révisée)"] = _read("decision_request", person=copil, gate=revised)
    assert texts == snapshot(
        {
            "speaker_invitation": """\
Objet : Invitation à intervenir dans l'atelier citoyen « Mobilités rurales »

Bonjour Olivier Renaud,

Le comité de pilotage de l'atelier citoyen « Mobilités rurales », commandé par le ministère, vous propose d'intervenir comme expert auprès d'un panel de 15 citoyens.

La question posée aux citoyens : « Quelles mobilités ? »

Les citoyens doivent recevoir une information plurielle, parfois contradictoire : nous vous demandons de présenter votre point de vue et les éléments qui le fondent, de manière accessible à des non-spécialistes.

Les rendez-vous :
- Premier week-end : du samedi 3 avril 2027 à 10h00 au dimanche 4 avril 2027 à 17h00

L'équipe projet prendra contact avec vous pour préparer votre intervention. Vous recevrez une invitation de calendrier pour chaque rendez-vous.

Bien cordialement,
Équipe
""",
            "materials_request": """\
Objet : Vos supports pour l'atelier citoyen « Mobilités rurales »

Bonjour Olivier Renaud,

Merci d'avoir accepté d'intervenir. Pour que le comité de pilotage puisse valider les supports de formation, merci de nous transmettre les vôtres (présentation, vidéo, lectures conseillées) avant le vendredi 19 mars 2027, en répondant à ce message.

Bien cordialement,
Équipe
""",
            "copil_convocation": """\
Objet : Convocation — COPIL n°1 du lundi 15 février 2027 à 14h00

Bonjour Olivier Renaud,

Vous êtes convoqué(e) au COPIL n°1 de l'atelier citoyen « Mobilités rurales ».

Date : le lundi 15 février 2027 à 14h00 (fin à 16h00)
Lieu : Ministère, salle 204, ou en visioconférence

Ordre du jour — décision à prendre : COPIL n°1
La question.

Bien cordialement,
Équipe
""",
            "decision_request": """\
Objet : Décision attendue : COPIL n°1

Bonjour Olivier Renaud,

Le comité de pilotage doit se prononcer sur : COPIL n°1.
La question.

Votre décision est attendue avant le lundi 15 février 2027 à 14h00.
Pour approuver, renvoyer pour reprise (avec un commentaire) ou rejeter, ouvrez ce lien personnel :
https://a.example/decision/x

Ce lien est personnel, utilisable une seule fois, et expire le lundi 1er mars 2027 à 09h00.

Bien cordialement,
Équipe
""",
            "decision_reminder": """\
Objet : Rappel : décision attendue avant le lundi 15 février 2027 à 14h00 — COPIL n°1

Bonjour Olivier Renaud,

Nous n'avons pas encore reçu votre décision sur « COPIL n°1 », attendue avant le lundi 15 février 2027 à 14h00.
La question.

Votre lien personnel (utilisable une seule fois, expire le lundi 1er mars 2027 à 09h00) :
https://a.example/decision/x

Bien cordialement,
Équipe
""",
            "decision_request (version révisée)": """\
Objet : Décision attendue : COPIL n°1 (version révisée)

Bonjour Olivier Renaud,

À la suite du renvoi pour reprise, une version révisée vous est soumise.
Ce qui a changé, selon l'équipe projet : Quotas revus.

Le comité de pilotage doit se prononcer sur : COPIL n°1.
La question.

Documents soumis à votre décision, à consulter sur votre page de décision : cahier-des-charges-v2.pdf.

Votre décision est attendue avant le lundi 15 février 2027 à 14h00.
Pour approuver, renvoyer pour reprise (avec un commentaire) ou rejeter, ouvrez ce lien personnel :
https://a.example/decision/x

Ce lien est personnel, utilisable une seule fois, et expire le lundi 1er mars 2027 à 09h00.

Bien cordialement,
Équipe
""",
        }
    )


def test_what_the_team_reads() -> None:
    """The project team's alerts."""
    assert {kind: _read(kind) for kind in TEAM_KINDS} == snapshot(
        {
            "gate_escalation": """\
Objet : [Équipe projet] Décision en retard : COPIL n°1

La décision « COPIL n°1 » était attendue le lundi 15 février 2027 à 14h00 et n'est pas prise (tour 1).
Réponses reçues : 2 sur 5 ; approbations requises : 3.
Sans réponse : Claire Dumont.

Le calendrier prévisionnel est recalculé chaque jour ; consultez « atelier show a ».
""",
            "team_revision_request": """\
Objet : [Équipe projet] Renvoi pour reprise : COPIL n°1

Le comité de pilotage a renvoyé pour reprise « COPIL n°1 » (tour 1).

Motifs donnés par les membres :
- Claire Dumont : Revoir les quotas.

Une fois le document révisé, enregistrez la nouvelle version en disant en une phrase ce qui a changé :
  atelier gate revise a copil_1 --note "…"

Les membres recevront alors une nouvelle demande de décision, avec votre note. D'ici là, ils ne sont pas sollicités.
""",
            "team_risk_alert": """\
Objet : [Équipe projet] Date de l'avis menacée : Mobilités rurales

Le calendrier prévisionnel de l'atelier « Mobilités rurales » ne tient plus l'échéance de l'avis.

Échéance : mardi 11 mai 2027
Remise prévue : dimanche 23 mai 2027 (marge : -12 jours)
- COPIL n°1 en retard

Détail : « atelier show a ».
""",
            "team_weekly_digest": """\
Objet : [Équipe projet] Point de la semaine : Mobilités rurales

Bonjour Amina Benali,

Cette semaine, l'atelier « Mobilités rurales » demande votre attention :
- décision « COPIL n°1 » attendue depuis le 15/02/2027 (3 jours de retard)
- 2 messages en échec

Le détail est sur la page de l'atelier : https://a.example/espace/a

Ce point vous est adressé chaque lundi tant que quelque chose est en retard ou menacé.
""",
            "team_advance_failed": """\
Objet : [Équipe projet] L'atelier ne progresse plus : Mobilités rurales

L'atelier « Mobilités rurales » ne progresse plus depuis le lundi 1er mars 2027 à 07h00 : un incident technique (OperationalError) arrête son avancement.

Tant qu'il dure, aucune étape ne s'ouvre et aucun nouveau message n'est programmé pour cet atelier ; les autres ateliers ne sont pas touchés. Le moteur réessaie à chaque changement et chaque matin ; la page de l'atelier l'indique tant que l'incident n'est pas résolu : https://a.example/espace/a

Transmettez ce message à l'exploitant de l'instance, avec le nom de l'incident ci-dessus.
""",
            "team_undeliverable_alert": """\
Objet : [Équipe projet] Message non distribué : Invitation

Le message « Invitation » destiné à x@example.org n'a pas pu être distribué après 8 tentatives.
Dernière erreur : 550

Vérifiez l'adresse ou prenez contact par un autre moyen.
""",
            "team_delivery_outage": """\
Objet : [Équipe projet] Envoi des courriels en échec depuis lundi 1er mars 2027 à 09h00

Depuis lundi 1er mars 2027 à 09h00, aucun courriel n'a pu être remis au serveur d'envoi (120 tentatives en échec).
40 messages en attente seront envoyés automatiquement dès que le serveur d'envoi répondra à nouveau, sans doublon.
Dernière erreur : ConnectionRefusedError

Prévenez l'exploitant du serveur d'envoi. Vous recevrez un second message quand l'envoi aura repris.
""",
            "team_delivery_recovered": """\
Objet : [Équipe projet] L'envoi des courriels a repris

L'envoi des courriels a repris le lundi 1er mars 2027 à 15h00, après une interruption commencée le lundi 1er mars 2027 à 09h00.
Les messages en attente partent dans l'ordre prévu.
2 messages n'ont pas pu être remis pendant l'interruption et ont été abandonnés : consultez la liste des messages en échec pour les renvoyer ou prévenir leurs destinataires autrement.
""",
        }
    )


def test_what_a_workspace_user_reads() -> None:
    """The sign-in link, sent to whoever asked for it; the invitation to the workspace, as a team
    member, a COPIL member and the holder of an account opened by an administrator read it."""
    links = {"signin": "https://a.example/connexion/t", "expires_long": "lundi 1er mars 2027 à 09h15"}
    page = {"signin_page": "https://a.example/connexion", "email": "amina@example.org"}
    texts = {
        "signin_link": _read("signin_link", links=links),
        "workspace_invitation (équipe)": _read(
            "workspace_invitation", workspace={**page, "roles": "équipe projet", "edits": True}
        ),
        "workspace_invitation (COPIL)": _read(
            "workspace_invitation", workspace={**page, "roles": "membre du COPIL", "edits": False}
        ),
        "workspace_invitation (compte)": _read(
            "workspace_invitation", atelier=None, workspace={**page, "roles": "", "edits": False}
        ),
    }
    assert texts == snapshot(
        {
            "signin_link": """\
Objet : Votre lien de connexion à l'espace des ateliers citoyens

Bonjour Amina Benali,

Pour vous connecter à l'espace des ateliers citoyens, ouvrez ce lien :
https://a.example/connexion/t

Ce lien est personnel, utilisable une seule fois, et expire le lundi 1er mars 2027 à 09h15.
Si vous n'avez pas demandé à vous connecter, ignorez ce message : personne ne peut se connecter sans ce lien.

Bien cordialement,
Équipe
""",
            "workspace_invitation (équipe)": """\
Objet : Votre accès à l'espace de travail de l'atelier « Mobilités rurales »

Bonjour Amina Benali,

Vous faites partie de l'atelier « Mobilités rurales » (équipe projet). Son espace de travail vous est ouvert : vous y enregistrez l'avancement des étapes, les personnes, le recrutement et l'avis.

Pour vous connecter, ouvrez la page https://a.example/connexion et indiquez votre adresse, amina@example.org : vous recevrez un lien de connexion personnel, valable quelques minutes. Il n'y a pas de mot de passe.

Bien cordialement,
Équipe
""",
            "workspace_invitation (COPIL)": """\
Objet : Votre accès à l'espace de travail de l'atelier « Mobilités rurales »

Bonjour Amina Benali,

Vous faites partie de l'atelier « Mobilités rurales » (membre du COPIL). Son espace de travail vous est ouvert : vous y suivez l'avancement, les décisions et les documents de l'atelier.

Pour vous connecter, ouvrez la page https://a.example/connexion et indiquez votre adresse, amina@example.org : vous recevrez un lien de connexion personnel, valable quelques minutes. Il n'y a pas de mot de passe.

Bien cordialement,
Équipe
""",
            "workspace_invitation (compte)": """\
Objet : Votre accès à l'espace des ateliers citoyens

Bonjour Amina Benali,

Un compte vous a été ouvert dans l'espace des ateliers citoyens. Vous y trouverez les ateliers dont vous faites partie.

Pour vous connecter, ouvrez la page https://a.example/connexion et indiquez votre adresse, amina@example.org : vous recevrez un lien de connexion personnel, valable quelques minutes. Il n'y a pas de mot de passe.

Bien cordialement,
Équipe
""",
        }
    )


def test_what_volunteers_of_the_pool_read() -> None:
    """Volunteers not drawn (on the reserve, not on it, or of a household already in the pool), and
    the thanks when the recruitment closes; a citizen drawn by lot is asked to confirm by a date."""
    texts = {
        "panel_not_selected (réserve)": _read("panel_not_selected", reserve=True),
        "panel_not_selected": _read("panel_not_selected"),
        "panel_not_selected (même foyer)": _read("panel_not_selected", set_aside=True),
        "panel_pool_thanks": _read("panel_pool_thanks"),
        "citizen_invitation (tirée au sort)": _read(
            "citizen_invitation", person={"confirm_by_long": "mardi 9 février 2027"}
        ),
    }
    assert texts == snapshot(
        {
            "panel_not_selected (réserve)": """\
Objet : Atelier citoyen « Mobilités rurales » : le résultat du tirage au sort

Bonjour Amina Benali,

Vous vous êtes porté(e) volontaire pour l'atelier citoyen « Mobilités rurales », organisé à la demande du ministère. Nous vous en remercions sincèrement.

Le tirage au sort a eu lieu parmi les 240 volontaires, pour former un panel de 15 citoyens reflétant la diversité de la population. Vous n'avez pas été tiré(e) au sort.

Vos chances d'être tiré(e) étaient de 4,21\xa0%. Dans les fichiers publiés du tirage, qui ne contiennent aucun nom, vous figurez sous la référence V00042 : chacun peut y vérifier ces chances et refaire le tirage.

Vous êtes sur la liste de réserve : si une personne tirée au sort ne peut pas participer, sa place pourra vous être proposée. Nous vous écrirons dans ce cas ; vous n'avez rien à faire d'ici là.

La méthode de tirage et la composition du panel seront publiées. Vous serez informé(e) de la clôture du recrutement.

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""",
            "panel_not_selected": """\
Objet : Atelier citoyen « Mobilités rurales » : le résultat du tirage au sort

Bonjour Amina Benali,

Vous vous êtes porté(e) volontaire pour l'atelier citoyen « Mobilités rurales », organisé à la demande du ministère. Nous vous en remercions sincèrement.

Le tirage au sort a eu lieu parmi les 240 volontaires, pour former un panel de 15 citoyens reflétant la diversité de la population. Vous n'avez pas été tiré(e) au sort.

Vos chances d'être tiré(e) étaient de 4,21\xa0%. Dans les fichiers publiés du tirage, qui ne contiennent aucun nom, vous figurez sous la référence V00042 : chacun peut y vérifier ces chances et refaire le tirage.

La méthode de tirage et la composition du panel seront publiées. Vous serez informé(e) de la clôture du recrutement.

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""",
            "panel_not_selected (même foyer)": """\
Objet : Atelier citoyen « Mobilités rurales » : le résultat du tirage au sort

Bonjour Amina Benali,

Vous vous êtes porté(e) volontaire pour l'atelier citoyen « Mobilités rurales », organisé à la demande du ministère. Nous vous en remercions sincèrement.

Une autre personne de votre foyer s'était inscrite avant vous ; une seule personne par foyer pouvant participer, votre inscription n'a pas pris part au tirage au sort.

La méthode de tirage et la composition du panel seront publiées. Vous serez informé(e) de la clôture du recrutement.

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""",
            "panel_pool_thanks": """\
Objet : Atelier citoyen « Mobilités rurales » : le recrutement est clos, merci

Bonjour Amina Benali,

Le recrutement des citoyens de l'atelier « Mobilités rurales » est clos : le panel de 15 citoyens est constitué. Merci d'avoir proposé votre participation ; 240 personnes l'ont fait, et c'est grâce à elles que le panel reflète la diversité de la population.

L'avis des citoyens sera rendu public, ainsi que la réponse du ministère.

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""",
            "citizen_invitation (tirée au sort)": """\
Objet : Invitation à l'atelier citoyen « Mobilités rurales »

Bonjour Amina Benali,

Vous avez été tiré(e) au sort parmi les volontaires pour participer à l'atelier citoyen « Mobilités rurales », organisé à la demande du ministère.

Pourquoi cet atelier ?
Le ministère souhaite recueillir l'avis de citoyens sur la question suivante :
« Quelles mobilités ? »
L'avis attendu prendra la forme suivante : propositions de solutions.

Pourquoi vous ?
Vous faites partie d'un panel de 15 citoyens choisis pour refléter la diversité de la population (âge, genre, lieu de résidence, catégorie socio-professionnelle, niveau d'études) et des opinions sur le sujet. Aucune connaissance préalable n'est nécessaire.

Comment votre contribution sera utilisée
Vous recevrez une formation présentant des points de vue pluriels, parfois contradictoires. Le groupe rédigera ensemble un avis, qui sera remis au commanditaire et rendu public. Le commanditaire s'engage à y répondre publiquement et de manière motivée ; vous serez informé(e) des suites données (droit de suite).
Le mandat de participation précise l'objet de l'atelier, les engagements des organisateurs, le calendrier et les étapes de décision qui suivront l'avis : https://a.example/public/a/mandat.html

Le calendrier
- Premier week-end : du samedi 3 avril 2027 à 10h00 au dimanche 4 avril 2027 à 17h00

Indemnisation : 80 € par journée de présence.
Lieu des week-ends : Salle.
Hébergement : Hôtel.

À prévoir : une pièce d'identité, de quoi prendre des notes ; pour les sessions en ligne, un ordinateur et une connexion stable.

Merci de nous confirmer votre participation avant le mardi 9 février 2027 (sans réponse de votre part, votre place sera proposée à une autre personne) :
- je confirme : https://a.example/reponse/c
- je ne pourrai pas participer : https://a.example/reponse/d

Vous recevrez une invitation de calendrier pour chaque rendez-vous, puis les informations pratiques avant chaque week-end.

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""",
        }
    )


def test_what_citizens_read_of_the_follow_up() -> None:
    """The weekly digest: each change under its proposal, the public page, and how to stop."""
    assert _read("follow_up_digest") == snapshot("""\
Objet : Atelier citoyen « Mobilités rurales » : les suites données à votre avis

Bonjour Amina Benali,

Voici ce qui a changé, depuis le lundi 14 juin 2027, dans les suites données à l'avis que vous avez rédigé :

Proposition n°5 « Rouvrir des petites lignes »
- réponse : « à l'étude » devient « retenue en partie »
- motif : Deux lignes sur dix.
- pour en savoir plus : https://a.example/lignes

Une réponse a changé ; pour la noter de nouveau : https://a.example/appreciation/m

Toutes les réponses et leur suivi sont publiés ici : https://a.example/public/a

Vous recevez au plus un message par semaine, et seulement quand il y a du nouveau. Pour ne plus recevoir ces nouvelles, ouvrez ce lien puis confirmez : https://a.example/suivi/arret/t

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""")


def test_what_citizens_read_when_asked_to_mark_the_answers() -> None:
    """Where the answers are, how to mark them, what is published and what is not, how to stop."""
    assert _read("marks_request") == snapshot("""\
Objet : Atelier citoyen « Mobilités rurales » : que pensez-vous de la réponse à votre avis ?

Bonjour Amina Benali,

Le ministère a publié sa réponse, proposition par proposition, à l'avis que vous avez rédigé : https://a.example/public/a

Votre regard compte : vous pouvez noter de 0 à 10 la réponse faite à chaque proposition, et la commenter si vous le souhaitez. Les notes moyennes seront publiées avec les réponses ; vos commentaires sont lus par l'équipe projet et ne sont pas publiés.
Pour noter les réponses : https://a.example/appreciation/m

Vous recevrez ensuite, au plus une fois par semaine, les nouvelles des suites données à vos propositions. Pour ne pas les recevoir : https://a.example/suivi/arret/t

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""")


def test_what_the_team_reads_when_a_proposal_under_study_has_no_news() -> None:
    """Which proposal, since when, where to add a follow-up step, and when it comes back."""
    assert _read("team_follow_up_reminder") == snapshot("""\
Objet : [Équipe projet] Suivi de l'avis : la proposition n°5 attend des nouvelles

Atelier citoyen « Mobilités rurales »

La réponse à la proposition n°5 « Rouvrir des petites lignes » est « à l'étude », et rien n'a été publié à son sujet depuis le jeudi 24 juin 2027 (60 jours).

Les citoyens attendent de savoir où en est cette étude : ajoutez un point d'étape, ou la réponse définitive si elle est prise, sur la page de l'avis : https://a.example/espace/a/avis

Ce rappel reviendra après 60 nouveaux jours sans nouvelles.
""")


def test_what_the_copil_reads_when_the_answer_is_late() -> None:
    """The commitment and its date, how far the answer is, and that the team knows."""
    assert _read("copil_answer_late", gate={"name": "Réponse motivée du commanditaire à l'avis",
                                            "due_long": "jeudi 24 juin 2027"}) == snapshot("""\
Objet : Atelier citoyen « Mobilités rurales » : la réponse à l'avis est en retard

Bonjour Amina Benali,

La réponse du ministère à l'avis des citoyens, proposition par proposition, était attendue au plus tard le jeudi 24 juin 2027, selon l'engagement pris. Elle n'est pas encore approuvée (décision « Réponse motivée du commanditaire à l'avis ») : 4 propositions sur 5 ont une réponse enregistrée.

En tant que membre du comité de pilotage, vous êtes informé(e) de ce retard : les citoyens attendent cette réponse, qui sera publiée dès son approbation. L'équipe projet a été alertée de son côté.

Bien cordialement,
Équipe
""")  # fmt: skip


def test_what_the_team_reads_when_the_answer_is_late() -> None:
    """The same alert for the team: the COPIL knows, chase the commanditaire."""
    text = _read("copil_answer_late", person={"is_copil": False})
    assert "Le comité de pilotage en est informé. Relancez le commanditaire" in text
    assert "En tant que membre du comité de pilotage" not in text


def test_what_citizens_read_when_asked_to_evaluate_the_demarche() -> None:
    """Why, how long, until when, the link, and what is published of the answers."""
    assert _read("evaluation_request") == snapshot("""\
Objet : Atelier citoyen « Mobilités rurales » : votre évaluation de la démarche

Bonjour Amina Benali,

Vous avez participé à l'atelier citoyen « Mobilités rurales » et suivi les suites données à votre avis. Nous vous remercions de prendre cinq minutes pour évaluer la démarche : sa pertinence, la qualité de son organisation et ce qu'elle a changé.

Pour répondre, avant le vendredi 19 mars 2027 : https://a.example/evaluation/e

Chaque question est facultative. Seuls les nombres de réponses sont publiés ; votre commentaire éventuel est lu par l'équipe projet, sans votre nom.

Vos données personnelles
Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr.

Bien cordialement,
Équipe
""")


def test_what_a_copil_member_reads_when_asked_to_evaluate_the_demarche() -> None:
    """A COPIL member is not told they took part as a citizen."""
    text = _read("evaluation_request", person={"is_citizen": False})
    assert "touche à sa fin : l'avis a été rendu" in text and "Vous avez participé" not in text


def test_what_is_read_in_the_reminder_to_evaluate() -> None:
    """Not yet answered, partial answers welcome, open until when, the link."""
    assert _read("evaluation_reminder") == snapshot("""\
Objet : Rappel : votre évaluation de l'atelier citoyen « Mobilités rurales »

Bonjour Amina Benali,

Vous n'avez pas encore répondu à l'évaluation de l'atelier citoyen « Mobilités rurales ». Vos réponses, même partielles, aideront à améliorer les prochaines démarches. L'évaluation est ouverte jusqu'au vendredi 19 mars 2027 : https://a.example/evaluation/e

Si vous avez déjà répondu entre-temps, merci, et ne tenez pas compte de ce message.

Bien cordialement,
Équipe
""")


COMMITTEE_MEETING = {**COPIL_MEETING, "key": "comite_suivi_1", "name": "Comité de suivi citoyen n°1"}


def test_what_citizens_read_when_called_to_the_comite_de_suivi() -> None:
    """What the comité does, how many seats, its meetings with their dates, the link, and leaving."""
    assert _read("committee_call", committee={"seats": 5, "meetings": [COMMITTEE_MEETING]}) == snapshot("""\
Objet : Atelier citoyen « Mobilités rurales » : rejoindre le comité de suivi ?

Bonjour Amina Benali,

Votre avis a été remis au ministère. Pour suivre ce qu'il en adviendra jusqu'aux décisions, un comité de suivi citoyen de 5 membres, volontaires parmi les citoyens de l'atelier, rencontrera l'équipe projet et le commanditaire :
- Comité de suivi citoyen n°1 : le lundi 15 février 2027 à 14h00 (fin à 16h00), Ministère, salle 204, ou en visioconférence

Ses membres prennent connaissance de l'avancement de chaque proposition, posent leurs questions et en rendent compte aux autres citoyens. Les dates peuvent encore évoluer ; chaque membre reçoit une invitation de calendrier pour chaque réunion, puis un rappel.

Pour vous porter volontaire (les places sont attribuées dans l'ordre des réponses) : https://a.example/comite-de-suivi/c

Vous pourrez vous retirer du comité à tout moment avec ce même lien.

Bien cordialement,
Équipe
""")


def test_what_a_member_of_the_comite_reads_before_a_meeting() -> None:
    """Which meeting, when and where, what to read first, how to excuse oneself."""
    assert _read("meeting_reminder", event=COMMITTEE_MEETING, days_before=7) == snapshot("""\
Objet : Rappel : Comité de suivi citoyen n°1 dans 7 jours à 14h00

Bonjour Amina Benali,

Pour rappel, la réunion « Comité de suivi citoyen n°1 » de l'atelier citoyen « Mobilités rurales » aura lieu le lundi 15 février 2027 à 14h00 (fin à 16h00).
Lieu : Ministère, salle 204, ou en visioconférence

Le point sur chaque proposition est à jour sur la page publique de l'atelier, à relire avant la réunion si vous le pouvez : https://a.example/public/a
En cas d'empêchement, merci de prévenir l'équipe projet en répondant à ce message.

Bien cordialement,
Équipe
""")
