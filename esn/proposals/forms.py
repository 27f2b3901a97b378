"""Input models for the proposals forms: writing, deciding, supporting, checking in, closing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ValidationInfo, field_validator

from esn.core.clock import utcnow
from esn.core.i18n import gettext as _
from esn.core.text import clean_text, parse_day
from esn.proposals import ledger
from esn.proposals.lifecycle import state_label
from esn.proposals.models import NextStep, ProposalState, TimeUnit
from esn.proposals.service import ProposalInput, ProposalQuery, Retrospective

TITLE_MAX_LENGTH = 120
TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000
WORD_MAX_LENGTH = 280
SKILLS_MAX_LENGTH = 400
MAX_SKILLS = 12
SKILL_MAX_LENGTH = 60
MAX_COPROPOSERS = 10
REFERENCE_MAX_LENGTH = 254
MAX_HOURS_PER_WEEK = Decimal(ledger.WORKING_HOURS_PER_WEEK)
MAX_CHECK_IN_HOURS = Decimal(80)
MAX_ALLOWANCE = 100


def unit_choices() -> list[tuple[str, str]]:
    """How the time asked may be expressed, translated."""
    return [
        (TimeUnit.PERCENT.value, _("percent of working time")),
        (TimeUnit.HOURS.value, _("hours a week")),
    ]


def next_step_choices() -> list[tuple[str, str]]:
    """What may happen after the project, translated."""
    return [
        (NextStep.CONTINUE.value, _("Continue")),
        (NextStep.PIVOT.value, _("Pivot")),
        (NextStep.STOP.value, _("Stop")),
    ]


def outcome_choices() -> list[tuple[str, str]]:
    """How a project ends, translated."""
    return [
        ("complete", _("Completed: we did what we set out to do")),
        ("stop", _("Stopped: we end it here, and that is a valid outcome")),
    ]


def state_choices() -> list[tuple[str, str]]:
    """The states to filter the list by, translated ("" for all)."""
    return [("", _("Any state"))] + [(s.value, state_label(s.value)) for s in ProposalState]


def _decimal(value: str) -> Decimal:
    """A number as people type it: "3.5", "3,5", " 10 "."""
    text = value.strip().replace(",", ".").replace("\u00a0", "")
    if not text:
        raise ValueError(_("This field is required."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Enter a number, like 10 or 3.5.")) from None
    if not number.is_finite():
        raise ValueError(_("Enter a number, like 10 or 3.5."))
    return number


def _date(value: Any) -> date:
    day = parse_day(value)
    if day is None:
        raise ValueError(_("This field is required."))
    return day


def _comma_list(value: Any, *, max_items: int, max_length: int) -> list[str]:
    text = clean_text(str(value), max_length=max_items * (max_length + 2))
    items = [item.strip() for item in text.split(",") if item.strip()]
    if len(items) > max_items:
        raise ValueError(_("List at most %(count)d, separated by commas.") % {"count": max_items})
    if any(len(item) > max_length for item in items):
        raise ValueError(_("Keep each one under %(count)d characters.") % {"count": max_length})
    return list(dict.fromkeys(items))


def _optional_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return int(value)


class ProposalForm(BaseModel):
    """A proposal being written: every field, checked on its own and against the others."""

    title: str = ""
    problem: str = ""
    gain: str = ""
    time_unit: TimeUnit = TimeUnit.PERCENT
    time_amount: Decimal = Decimal(0)
    start_date: date
    end_date: date
    skills: list[str] = []
    coproposers: list[str] = []
    group: str = ""
    origin_post_id: int | None = None
    version: int | None = None
    action: Literal["save", "submit"] = "save"

    @field_validator("title")
    @classmethod
    def title_given(cls, value: str) -> str:
        value = clean_text(value, max_length=TITLE_MAX_LENGTH)
        if not value:
            raise ValueError(_("Give the proposal a title."))
        return value

    @field_validator("problem", "gain")
    @classmethod
    def paragraphs(cls, value: str, info: ValidationInfo) -> str:
        value = clean_text(value, max_length=TEXT_MAX_LENGTH, single_line=False)
        if not value:
            if info.field_name == "problem":
                raise ValueError(_("Say what problem or opportunity this is about."))
            raise ValueError(_("Say what the company gains."))
        return value

    @field_validator("time_amount", mode="before")
    @classmethod
    def amount(cls, value: Any, info: ValidationInfo) -> Decimal:
        number = _decimal(str(value))
        if number <= 0:
            raise ValueError(_("Ask for some time: more than zero."))
        unit = info.data.get("time_unit")
        if unit == TimeUnit.PERCENT:
            if number != number.to_integral_value():
                raise ValueError(_("Give a whole percentage, like 10."))
            if number > 100:
                raise ValueError(_("A share of working time is at most 100 percent."))
        elif unit == TimeUnit.HOURS:
            if (number * 2) != (number * 2).to_integral_value():
                raise ValueError(_("Give hours to the half hour, like 3 or 3.5."))
            if number > MAX_HOURS_PER_WEEK:
                raise ValueError(
                    _("A working week has %(count)d hours.") % {"count": MAX_HOURS_PER_WEEK}
                )
        return number

    @field_validator("start_date", mode="before")
    @classmethod
    def start(cls, value: Any) -> date:
        day = _date(value)
        if day < utcnow().date():
            raise ValueError(_("This date has passed: start today or later."))
        return day

    @field_validator("end_date", mode="before")
    @classmethod
    def end(cls, value: Any, info: ValidationInfo) -> date:
        day = _date(value)
        start = info.data.get("start_date")
        if isinstance(start, date) and day < start:
            raise ValueError(_("The end comes before the start: choose a later end date."))
        return day

    @field_validator("skills", mode="before")
    @classmethod
    def skill_list(cls, value: Any) -> list[str]:
        return _comma_list(value, max_items=MAX_SKILLS, max_length=SKILL_MAX_LENGTH)

    @field_validator("coproposers", mode="before")
    @classmethod
    def people_list(cls, value: Any) -> list[str]:
        return _comma_list(value, max_items=MAX_COPROPOSERS, max_length=REFERENCE_MAX_LENGTH)

    @field_validator("group")
    @classmethod
    def group_slug(cls, value: str) -> str:
        return clean_text(value, max_length=80)

    @field_validator("origin_post_id", "version", mode="before")
    @classmethod
    def optional_number(cls, value: Any) -> int | None:
        return _optional_int(value)

    def proposal_input(self) -> ProposalInput:
        """What the service writes."""
        return ProposalInput(
            title=self.title,
            problem=self.problem,
            gain=self.gain,
            time_unit=self.time_unit.value,
            time_amount=self.time_amount,
            start_date=self.start_date,
            end_date=self.end_date,
            skills=tuple(self.skills),
            coproposers=tuple(self.coproposers),
            group=self.group,
            origin_post_id=self.origin_post_id,
        )


class VersionForm(BaseModel):
    """A form that acts on the proposal as it was rendered (submit, withdraw)."""

    version: int | None = None

    @field_validator("version", mode="before")
    @classmethod
    def optional_number(cls, value: Any) -> int | None:
        return _optional_int(value)


class DecisionForm(VersionForm):
    """The approver's decision and its reason."""

    decision: Literal["approve", "request_changes", "decline"]
    reason: str = ""

    @field_validator("reason")
    @classmethod
    def reason_given(cls, value: str) -> str:
        value = clean_text(value, max_length=REASON_MAX_LENGTH, single_line=False)
        if not value:
            raise ValueError(_("Say why: the proposer will read it."))
        return value


class BackForm(BaseModel):
    """Backing, with an optional word."""

    word: str = ""

    @field_validator("word")
    @classmethod
    def short(cls, value: str) -> str:
        return clean_text(value, max_length=WORD_MAX_LENGTH)


class VolunteerForm(BaseModel):
    """Volunteering, with the skills offered."""

    skills: str = ""

    @field_validator("skills")
    @classmethod
    def offered(cls, value: str) -> str:
        return clean_text(value, max_length=SKILLS_MAX_LENGTH)


class CheckInForm(BaseModel):
    """A weekly check-in: what was done, the hours spent."""

    done: str = ""
    hours: Decimal = Decimal(0)

    @field_validator("done")
    @classmethod
    def said(cls, value: str) -> str:
        value = clean_text(value, max_length=REASON_MAX_LENGTH, single_line=False)
        if not value:
            raise ValueError(_("Say what was done this week."))
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def spent(cls, value: Any) -> Decimal:
        number = _decimal(str(value))
        if number <= 0:
            raise ValueError(_("Enter the time spent: more than zero."))
        if number > MAX_CHECK_IN_HOURS:
            raise ValueError(
                _("Keep it under %(count)d hours for one check-in.") % {"count": MAX_CHECK_IN_HOURS}
            )
        return number

    @property
    def minutes(self) -> int:
        return ledger.minutes_for(ledger.HOURS, self.hours)


class CloseForm(VersionForm):
    """Closing the project with its retrospective."""

    outcome: Literal["complete", "stop"]
    learned: str = ""
    next_step: NextStep
    follow_up: bool = False

    @field_validator("learned")
    @classmethod
    def lessons(cls, value: str) -> str:
        value = clean_text(value, max_length=TEXT_MAX_LENGTH, single_line=False)
        if not value:
            raise ValueError(_("Say what you learned: it is what others will read."))
        return value

    @field_validator("follow_up", mode="before")
    @classmethod
    def checkbox(cls, value: Any) -> bool:
        return value in {"on", "1", "true", True}

    def retrospective(self) -> Retrospective:
        """What the service records."""
        return Retrospective(
            outcome=self.outcome,
            learned=self.learned,
            next_step=self.next_step.value,
            follow_up=self.follow_up,
        )


class ListForm(BaseModel):
    """The list's search box, filters and page cursor (a GET form)."""

    q: str = ""
    state: ProposalState | Literal[""] = ""
    department: str = ""
    skill: str = ""
    after: int | None = None

    @field_validator("q", "department", "skill")
    @classmethod
    def short_text(cls, value: str) -> str:
        return clean_text(value, max_length=120)

    @field_validator("after", mode="before")
    @classmethod
    def cursor(cls, value: Any) -> int | None:
        number = _optional_int(value)
        if number is not None and not 0 < number < 2**31:
            raise ValueError(_("This value is not valid."))
        return number

    def query(self) -> ProposalQuery:
        """What the service filters by."""
        return ProposalQuery(
            q=self.q,
            state=self.state.value if isinstance(self.state, ProposalState) else "",
            department=self.department,
            skill=self.skill,
            after=self.after,
        )


class PercentForm(BaseModel):
    """An allowance in whole % of working time; empty removes it."""

    percent: int | None = None

    @field_validator("percent", mode="before")
    @classmethod
    def share(cls, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip().rstrip("%").strip()
        if not text.isdigit():
            raise ValueError(_("Give a whole percentage between 0 and 100."))
        number = int(text)
        if number > MAX_ALLOWANCE:
            raise ValueError(_("Give a whole percentage between 0 and 100."))
        return number


class DepartmentAllowanceForm(PercentForm):
    """A department's allowance."""

    department: str = ""

    @field_validator("department")
    @classmethod
    def named(cls, value: str) -> str:
        value = clean_text(value, max_length=120)
        if not value:
            raise ValueError(_("Choose one of the listed departments."))
        return value


class PersonAllowanceForm(PercentForm):
    """One person's own allowance, by email or handle."""

    person: str = ""

    @field_validator("person")
    @classmethod
    def named(cls, value: str) -> str:
        value = clean_text(value, max_length=REFERENCE_MAX_LENGTH)
        if not value:
            raise ValueError(_("Enter a colleague's email or handle."))
        return value
