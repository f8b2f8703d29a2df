import pytest

from atelier.planning.quorum import gate_outcome, votes_needed
from models.enums import DecisionOutcome, GateStatus, QuorumRule

A, S, R = DecisionOutcome.APPROVE, DecisionOutcome.SEND_BACK, DecisionOutcome.REJECT


def test_votes_needed_per_rule() -> None:
    """3 of 5, majority of 15 is 8, unanimity of 5 is 5; n is capped at the members."""
    assert votes_needed(QuorumRule.N_OF_M, 3, 5) == 3
    assert votes_needed(QuorumRule.MAJORITY, None, 15) == 8
    assert votes_needed(QuorumRule.UNANIMITY, None, 5) == 5
    assert votes_needed(QuorumRule.N_OF_M, 7, 4) == 4


def test_no_outcome_before_quorum() -> None:
    """Two approvals of a 3-of-5 gate leave it open."""
    assert gate_outcome(QuorumRule.N_OF_M, 3, 5, [A, A]) is None
    assert gate_outcome(QuorumRule.N_OF_M, 3, 5, [A, A, A]) is GateStatus.APPROVED


def test_sent_back_when_approval_becomes_impossible() -> None:
    """Three send-backs of five make 3 approvals impossible: the gate is sent back."""
    assert gate_outcome(QuorumRule.N_OF_M, 3, 5, [S, S]) is None
    assert gate_outcome(QuorumRule.N_OF_M, 3, 5, [S, S, S]) is GateStatus.SENT_BACK


def test_rejection_needs_its_own_quorum() -> None:
    """Rejections reaching the quorum reject; one objection under unanimity sends back."""
    assert gate_outcome(QuorumRule.N_OF_M, 3, 5, [R, R, R]) is GateStatus.REJECTED
    assert gate_outcome(QuorumRule.UNANIMITY, None, 5, [A, A, R]) is GateStatus.SENT_BACK


def test_gate_without_members_is_an_error() -> None:
    """A gate with nobody to decide cannot be evaluated."""
    with pytest.raises(ValueError):
        votes_needed(QuorumRule.MAJORITY, None, 0)
