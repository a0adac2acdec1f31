"""The API's shapes. Every input is constrained (length, pattern, range, vocabulary), so a bad
value is a 422 that names the field — never a database error."""

import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from cdm.network.vocabularies import AgeBand, Channel, Gender, Outcome, Status, Theme


def _year_range(day: datetime.date) -> datetime.date:
    if not 1990 <= day.year <= 2100:
        raise ValueError("date must be between 1990 and 2100")
    return day


# A visit's id is a UUID (8-4-4-4-12 hexadecimal digits): nothing about a person fits in it.
Uid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ),
    AfterValidator(str.lower),
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Day = Annotated[datetime.date, AfterValidator(_year_range)]
Clock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
ChannelCode = Literal[tuple(Channel.values)]
ThemeCode = Literal[tuple(Theme.values)]
OutcomeCode = Literal[tuple(Outcome.values)]
AgeCode = Literal[tuple(AgeBand.values)]
GenderCode = Literal[tuple(Gender.values)]
StatusCode = Literal[tuple(Status.values)]


class Schema(BaseModel):
    """The API's shapes are plain pydantic models, validated by pydantic's core alone.

    Answers are built as dicts or as these models, never read off ORM objects, so ninja's own
    ``Schema`` (which reads every field through a Python attribute wrapper) is not needed — it was
    the largest cost of answering a visit.
    """


class Problem(Schema):
    field: str = Field(description="the field at fault, empty when the request as a whole is refused")
    reason: str


class Errors(Schema):
    errors: list[Problem]


class VisitIn(Schema):
    uid: Uid | None = Field(
        None, description="client-generated id (a UUID); the same uid sent twice is stored once"
    )
    cite: Slug | None = Field(None, description="the Cité; optional when the user works in only one")
    site: Slug | None = None
    date: Day | None = Field(None, description="default: today")
    time: Clock | None = Field(None, description="HH:MM; default: now when the date is today")
    channel: ChannelCode = "in_person"
    theme: ThemeCode | None = Field(None, description="a standard theme; or give a pôle")
    pole: Slug | None = Field(None, description="the code of one of the Cité's pôles")
    outcome: OutcomeCode
    age_band: AgeCode = "not_stated"
    gender: GenderCode = "not_stated"
    status: StatusCode = "not_stated"
    first_visit: bool | None = None


class VisitPatch(Schema):
    channel: ChannelCode | None = None
    theme: ThemeCode | None = None
    outcome: OutcomeCode | None = None
    age_band: AgeCode | None = None
    gender: GenderCode | None = None
    status: StatusCode | None = None
    first_visit: bool | None = None


class VisitOut(Schema):
    uid: str
    cite: str
    site: str | None
    date: datetime.date
    time: str | None = Field(None, description="HH:MM")
    channel: str
    theme: str
    pole: str | None
    outcome: str
    age_band: str
    gender: str
    status: str
    first_visit: bool | None
    ticket: str | None = Field(None, description="the queue ticket, for an interview")


class InterviewIn(Schema):
    partner: Slug | None = None
    duration_minutes: int | None = Field(None, ge=1, le=1440)


class InterviewOut(Schema):
    visit: str
    partner: str | None
    duration_minutes: int | None
    waited_minutes: int | None


class TicketOut(Schema):
    id: int
    code: str
    cite: str
    theme: str
    status: str
    arrived_at: datetime.datetime
    called_at: datetime.datetime | None
    counsellor: str | None
    place: str
    reserved_for: str | None


class QueueOut(Schema):
    waiting: list[TicketOut]
    called: list[TicketOut]


class CallNextIn(Schema):
    cite: Slug | None = None
    theme: ThemeCode | None = None


class TransferIn(Schema):
    theme: ThemeCode | None = None
    counsellor: Annotated[str, StringConstraints(pattern=r"^[\w.@+-]{1,150}$")] | None = None


class NowCallingOut(Schema):
    code: str
    place: str
    called_at: datetime.datetime


class TodayOut(Schema):
    date: datetime.date
    visits: int
    by_hour: dict[str, int]
    by_theme: dict[str, int]
    by_outcome: dict[str, int]
    by_channel: dict[str, int]
    waiting: int
    wait_mean_minutes: float | None
    wait_p90_minutes: int | None


# Every refusal of an operation has the same shape: each problem with its field and reason.
REFUSED = {400: Errors, 401: Errors, 403: Errors, 404: Errors, 409: Errors, 413: Errors, 422: Errors}
