"""A case's report as it stands now: the last stored check with the cleared matches applied, scored
by the runtime's engine under the runtime's policy (typed fields, no guessing)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from checks import lifecycle
from checks.engine import CheckContext
from checks.models import DecisionCode, Report

from .clears import applied, apply_clears

if TYPE_CHECKING:
    from checks.engine import Engine

    from .runtime import Runtime

log = logging.getLogger(__name__)

DEFAULT_APPROVAL_EXPIRY_DAYS = lifecycle.DEFAULT_EXPIRY_DAYS  # without a policy


class Scoring:
    """Approval rules and re-scoring, shared by the checking and case services."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime

    def approval_expiry_days(self) -> int:
        policy = self._rt.policy
        return policy.approval_expiry_days if policy is not None else DEFAULT_APPROVAL_EXPIRY_DAYS

    def needs_approval(self, report: Report) -> bool:
        """At or above the policy's approval level; without a policy, what the scorer decided."""
        policy = self._rt.policy
        if policy is not None and not report.pending:
            return report.risk.level.rank >= policy.approval_level.rank or report.risk.approval_required
        return report.risk.approval_required

    def mark_approval(self, report: Report) -> None:
        if not report.pending and self.needs_approval(report):
            report.risk.approval_required = True

    @staticmethod
    def score(engine: Engine, report: Report) -> None:
        """The risk and the decision, again (no source is asked)."""
        engine.score(report, CheckContext.for_lang(report.lang))

    def rescore_stored(self, report: Report) -> None:
        """Score and decide a stored report again (after a cleared match); a broken policy must not
        hide the card, so a scoring failure is logged and the report keeps its old score."""
        if report.pending:
            return
        try:
            self.score(self._rt.engine(), report)
        except Exception:
            log.exception("could not re-score case report")
        self.mark_approval(report)
        from .findings import fill_now  # storage's: not imported by a dry-run check

        fill_now(report, report.lang)

    @staticmethod
    def last_report(session: Any, case_id: int) -> Report | None:
        from storage import cases as case_store

        last = case_store.runs(session, case_id, 1)
        return Report.model_validate(last[0].report) if last else None

    def current_report(self, session: Any, case_id: int, *, score: bool = True) -> Report | None:
        """The case's last check as it stands now: re-scored when a match was cleared since that check
        (what the card shows and what the rules for its buttons go by). `score=False` applies the clears
        but leaves scoring to the caller (`apply_new_clears` scores once after the action)."""
        report = self.last_report(session, case_id)
        if report is None:
            return None
        self.apply_new_clears(session, case_id, report, score=score)
        return report

    def apply_new_clears(self, session: Any, case_id: int, report: Report, *, score: bool = True) -> bool:
        """Apply the clears the report does not show yet; re-score once if any changed it."""
        from storage import cases as case_store

        fresh = [c for c in case_store.clears(session, case_id) if not applied(report, c)]
        changed = bool(fresh) and apply_clears(report, fresh, report.lang)[0]
        if changed and score:
            self.rescore_stored(report)
        return changed


def is_stop(report: Report | None) -> bool:
    return report is not None and not report.pending and report.decision.code is DecisionCode.STOP
