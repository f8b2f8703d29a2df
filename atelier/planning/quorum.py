"""The quorum rule of a gate, as a pure function of its members and decisions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from models.enums import DecisionOutcome, GateStatus, QuorumRule


def votes_needed(rule: QuorumRule, n: int | None, members: int) -> int:
    if members < 1:
        raise ValueError("a gate needs at least one member")
    if rule is QuorumRule.UNANIMITY:
        return members
    if rule is QuorumRule.MAJORITY:
        return members // 2 + 1
    if n is None:
        raise ValueError("n_of_m quorum without n")
    return min(n, members)


def gate_outcome(
    rule: QuorumRule, n: int | None, members: int, decisions: Iterable[DecisionOutcome]
) -> GateStatus | None:
    """The round's outcome once it is settled, else None (keep waiting).

    Approval and rejection each need the quorum. When approval can no longer reach it and
    rejection has not, the committee has not agreed: the gate is sent back for rework.
    """
    needed = votes_needed(rule, n, members)
    counts = Counter(decisions)
    approvals = counts[DecisionOutcome.APPROVE]
    if approvals >= needed:
        return GateStatus.APPROVED
    if counts[DecisionOutcome.REJECT] >= needed:
        return GateStatus.REJECTED
    undecided = members - sum(counts.values())
    if approvals + undecided < needed:
        return GateStatus.SENT_BACK
    return None
