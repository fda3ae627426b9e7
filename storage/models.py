"""The tables: the team's memory of every buyer (SQLModel over SQLAlchemy).

The migrations in `storage/migrations/versions/` create exactly these tables (a test compares the
two). Times are stored timezone-aware in UTC; SQLite hands them back naive, so read them with
`aware()`. Reserved words (`user`, `case`) are quoted by SQLAlchemy; raw SQL must quote them too.

`audit_event` is append-only: the code has no update or delete path for it, and the migration adds
database triggers that refuse UPDATE and DELETE on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from checks.lifecycle import (
    CaseStatus as CaseStatus,  # the states and roles are the lifecycle's
)
from checks.lifecycle import Role as Role

from .values import aware as aware  # plain helpers, importable without the ORM
from .values import utcnow as utcnow

Day = date  # the type, for classes that have a field named `date`
JSONType = JSON().with_variant(JSONB(), "postgresql")




class _Row(Protocol):
    id: int | None


def id_of(row: _Row) -> int:
    """The primary key of a row that was flushed (a row not yet flushed has none: a programming error)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSONType, nullable=nullable))


class Workspace(SQLModel, table=True):
    """A team: one Slack workspace, one Telegram group, or `local` for the terminal."""

    __tablename__ = "workspace"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(200), unique=True, nullable=False)
    name: str = Field(default="", sa_type=String(300))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class User(SQLModel, table=True):
    """A person on one platform. The role decides who may approve (four eyes)."""

    __tablename__ = "user"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id", name="uq_user_platform_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(40))
    platform_user_id: str = Field(sa_type=String(200))
    display_name: str = Field(default="", sa_type=String(300))
    role: str = Field(default=Role.SALES.value, sa_type=String(20))
    lang: str | None = Field(default=None, sa_type=String(10))
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Case(SQLModel, table=True):
    """One buyer the team deals with; every check of that buyer is a `check_run` of its case."""

    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_workspace_status", "workspace_id", "status"),
        Index("ix_case_workspace_base_name", "workspace_id", "base_name"),
        Index("ix_case_recheck", "watching", "next_recheck_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    name: str = Field(default="", sa_type=String(300), description="as first typed")
    normalized_name: str = Field(default="", sa_type=String(300), description="legal form kept, spelling folded")
    base_name: str = Field(default="", sa_type=String(300), description="without the legal form: for 'looks like'")
    country: str | None = Field(default=None, sa_type=String(2))
    domains: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    identifiers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    status: str = Field(default=CaseStatus.OPEN.value, sa_type=String(20))
    last_request: dict[str, Any] | None = _json()
    last_risk_level: str | None = Field(default=None, sa_type=String(10))
    last_decision: str | None = Field(default=None, sa_type=String(20), description="stop | verify_first | safe_terms | proceed")
    last_score: int | None = None
    last_checked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    watching: bool = Field(default=False)
    next_recheck_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_by: str = Field(default="", sa_type=String(300))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class CaseKey(SQLModel, table=True):
    """What makes two checks the same buyer: `lei:…`, `vat:…`, `reg:…`, `domain:…`, `name:…|CC`.

    Unique per workspace: this constraint is what makes 20 concurrent checks of a new buyer open
    one case, not 20 (the losers of the race roll back and find the winner's case).
    """

    __tablename__ = "case_key"
    __table_args__ = (UniqueConstraint("workspace_id", "key", name="uq_case_key_workspace_key"),)
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str = Field(sa_type=String(10))
    key: str = Field(sa_type=String(400))


class CheckRun(SQLModel, table=True):
    __tablename__ = "check_run"
    __table_args__ = (Index("ix_check_run_case_created", "case_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    workspace_id: int = Field(foreign_key="workspace.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(default="", sa_type=String(250), description="platform:user_id")
    actor_name: str = Field(default="", sa_type=String(300))
    platform: str = Field(default="", sa_type=String(40))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    risk_level: str | None = Field(default=None, sa_type=String(10))
    score: int | None = None
    approval_required: bool = False
    lists_as_of: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    request: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class ConversationLink(SQLModel, table=True):
    """Where a card of the case was posted, so later updates and re-check results reach it."""

    __tablename__ = "conversation_link"
    __table_args__ = (Index("ix_conversation_link_channel", "platform", "channel"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    platform: str = Field(sa_type=String(40))
    workspace: str = Field(default="", sa_type=String(200))
    channel: str = Field(sa_type=String(200))
    thread: str | None = Field(default=None, sa_type=String(200))
    message: str | None = Field(default=None, sa_type=String(200))
    dead: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Approval(SQLModel, table=True):
    """One request for approval and its decision (four eyes: decided_by_id != requested_by_id)."""

    __tablename__ = "approval"
    __table_args__ = (Index("ix_approval_case_requested", "case_id", "requested_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    check_run_id: int | None = Field(default=None, foreign_key="check_run.id")
    requested_by_id: int | None = Field(default=None, foreign_key="user.id")
    requested_by: str = Field(default="", sa_type=String(300))
    requested_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    risk_level: str | None = Field(default=None, sa_type=String(10), description="risk when requested")
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_by: str | None = Field(default=None, sa_type=String(300))
    decision: str | None = Field(default=None, sa_type=String(10), description="approve | reject")
    reason_code: str | None = Field(default=None, sa_type=String(40))
    reason_text: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    request_reason: str | None = Field(default=None, sa_type=Text, description="why the requester asks")
    deal: str | None = Field(default=None, sa_type=Text, description="goods, value, payment terms (optional)")
    stop: bool = Field(default=False, description="a STOP case: only compliance may approve it")


class Note(SQLModel, table=True):
    __tablename__ = "note"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    author: str = Field(default="", sa_type=String(300))
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ClearedMatch(SQLModel, table=True):
    """A sanctions match a manager marked "not this buyer", valid for one version of the entry."""

    __tablename__ = "cleared_match"
    __table_args__ = (Index("ix_cleared_match_case_entry", "case_id", "source", "source_id"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    source: str = Field(sa_type=String(100))
    source_id: str = Field(sa_type=String(200))
    fingerprint: str = Field(sa_type=String(128), description="the list entry's version or a hash of its content")
    entry_name: str = Field(default="", sa_type=String(500))
    reason: str = Field(sa_type=Text)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    cleared_by: str = Field(default="", sa_type=String(300))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class TradeRecord(SQLModel, table=True):
    """The team's own dealings with a buyer (imported from CSV): orders, payments, overdue, disputes."""

    __tablename__ = "trade_record"
    __table_args__ = (
        UniqueConstraint("workspace_id", "fingerprint", name="uq_trade_record_fingerprint"),
        Index("ix_trade_record_case_date", "case_id", "date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    case_id: int = Field(foreign_key="case.id")
    kind: str = Field(sa_type=String(20))
    date: date
    amount: Decimal | None = Field(default=None, sa_type=Numeric(18, 2))
    currency: str | None = Field(default=None, sa_type=String(3))
    due_date: Day | None = None  # `Day`: inside the class, `date` names the field above
    days_overdue: int | None = None
    status: str | None = Field(default=None, sa_type=String(20))
    reference: str | None = Field(default=None, sa_type=String(200))
    note: str | None = Field(default=None, sa_type=Text)
    fingerprint: str = Field(sa_type=String(64))
    source_file: str = Field(default="", sa_type=String(500))
    line: int = 0
    imported_by: str = Field(default="", sa_type=String(300))
    imported_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what to which case, when. Never updated, never deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_case_at", "case_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id")
    case_id: int | None = Field(default=None, foreign_key="case.id")
    actor: str = Field(default="", sa_type=String(250))
    actor_name: str = Field(default="", sa_type=String(300))
    action: str = Field(sa_type=String(40), index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)


class PendingPrompt(SQLModel, table=True):
    """A "type your reason" prompt waiting for its answer (Telegram ForceReply), shared by processes."""

    __tablename__ = "pending_prompt"
    __table_args__ = (
        UniqueConstraint("platform", "chat", "prompt_message_id", name="uq_pending_prompt_message"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(40))
    chat: str = Field(sa_type=String(200))
    prompt_message_id: str = Field(sa_type=String(200))
    kind: str = Field(sa_type=String(30))
    case_id: int = Field(foreign_key="case.id")
    arg: str = Field("", sa_type=String(300), sa_column_kwargs={"server_default": ""})  # e.g. the match to clear
    card_message_id: str | None = Field(None, sa_type=String(200))  # the card to update when the answer comes
    actor: str = Field(sa_type=String(250))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class ProcessedDelivery(SQLModel, table=True):
    """Idempotency keys of incoming deliveries (Slack retries, Telegram update ids)."""

    __tablename__ = "processed_delivery"
    __table_args__ = (UniqueConstraint("platform", "key", name="uq_processed_delivery_key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(40))
    key: str = Field(sa_type=String(300))
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    # a claim, not yet final: the owner has until then to record the work durably (NULL: final)
    lease_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    owner: str | None = Field(default=None, sa_type=String(40))


class Job(SQLModel, table=True):
    """Work due later (re-checks, reminders), claimed with a lease by whichever process ticks first."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(40))
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    due_at: datetime = Field(sa_type=DateTime(timezone=True))
    status: str = Field(default="pending", sa_type=String(20), description="pending | running | done | failed")
    lease_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    attempts: int = 0
    dedup_key: str = Field(sa_type=String(300), unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Outbox(SQLModel, table=True):
    """Messages the bot sends on its own, retried with backoff and de-duplicated by `dedup_key`."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(sa_type=String(300), unique=True)
    platform: str = Field(sa_type=String(40))
    channel: str = Field(sa_type=String(200))
    thread: str | None = Field(default=None, sa_type=String(200))
    message_id: str | None = Field(default=None, sa_type=String(200))
    text: str = Field(default="", sa_type=Text)
    card: dict[str, Any] | None = _json()
    status: str = Field(default="pending", sa_type=String(20), description="pending | sent | failed | dead")
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class WatchlistCopy(SQLModel, table=True):
    """The live download of one sanctions list, shared through the database so that every process on
    every host screens against the same version (`tradecheck lists update` runs on one of them)."""

    __tablename__ = "watchlist_copy"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(sa_type=String(40), unique=True)
    version: str = Field(sa_type=String(64))
    record: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False),
                           description="the list's files: xz-compressed JSON of name -> base64")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
