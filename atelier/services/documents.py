"""Documents under decision: the team attaches them to a gate for the round members will decide;
members read them from the workspace or from their decision page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from atelier.errors import Refused
from atelier.services.events import person_actor, record_event
from atelier.services.gates import get_gate
from atelier.storage import FileStore
from models import Atelier, Gate, GateDocument
from models.enums import GateStatus
from models.types import pk

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# What a document may be, by extension, with the bytes it must start with and the type it is
# served as: never the type the browser claimed at upload.
ACCEPTED: dict[str, tuple[tuple[bytes, ...], str]] = {
    "pdf": ((b"%PDF-",), "application/pdf"),
    "docx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": ((b"PK\x03\x04",), "application/vnd.oasis.opendocument.text"),
    "ods": ((b"PK\x03\x04",), "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ((b"PK\x03\x04",), "application/vnd.oasis.opendocument.presentation"),
    "png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    "jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
}
ACCEPTED_HINT = "PDF, Word, Excel, PowerPoint, OpenDocument, PNG ou JPEG, 20 Mo au plus"


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str


def check_document(filename: str, data: bytes) -> CheckedFile:
    """A safe file name and the type to serve it as; anything else is refused in French."""
    name = re.sub(r"[^\w.\- ]+", "_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ACCEPTED:
        raise Refused(f"type de fichier non accepté (attendu : {ACCEPTED_HINT})", "document type refused")
    if not data:
        raise Refused("le fichier est vide", "empty document")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Refused("le fichier dépasse 20 Mo", "document too large")
    signatures, content_type = ACCEPTED[extension]
    if not data.startswith(signatures):
        raise Refused(
            f"le contenu du fichier ne correspond pas à un fichier .{extension}", "document magic mismatch"
        )
    return CheckedFile(name or f"document.{extension}", content_type)


def round_for_documents(gate: Gate) -> int:
    """The round members will decide next: the current one while open, the next otherwise."""
    return gate.round if gate.status is GateStatus.OPEN else gate.round + 1


def attach_document(
    *,
    session: Session,
    atelier: Atelier,
    gate_key: str,
    filename: str,
    data: bytes,
    store: FileStore,
    person_id: int,
    now: datetime,
) -> GateDocument:
    gate = get_gate(session=session, atelier=atelier, key=gate_key)
    if gate.status in (GateStatus.APPROVED, GateStatus.REJECTED):
        raise Refused(f"la décision « {gate.name} » est close : plus de document à y joindre", "gate closed")
    checked = check_document(filename, data)
    document = GateDocument(
        gate_id=pk(gate),
        round=round_for_documents(gate),
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(data),
        digest=store.put(data),
        uploaded_by=person_id,
        uploaded_at=now,
    )
    session.add(document)
    session.flush()
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=person_actor(person_id),
        kind="document_attached",
        at=now,
        gate=gate.key,
        round=document.round,
        document_id=pk(document),
    )
    return document


def documents_of(*, session: Session, gate: Gate, round: int | None = None) -> list[GateDocument]:
    query = select(GateDocument).where(GateDocument.gate_id == pk(gate))
    if round is not None:
        query = query.where(GateDocument.round == round)
    return list(session.exec(query.order_by(col(GateDocument.round), col(GateDocument.id))).all())
