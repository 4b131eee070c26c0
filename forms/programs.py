"""Programs forms: awards with their funding schedules, funding notices, proposals,
reviewers' scores, the panel's decisions, and turning a selection into awards.

Rows (a schedule year, an out-year cost, a reviewer's score) are FieldLists with
some blank rows; a blank row is skipped, a half-filled one is an error on its row.
The services name a row's error "funding[2]" or "scores[0].reviewer", counting only
the rows sent; `place_errors` puts each message beside the row it came from.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.derived import derived_form
from forms.fields import OptionalIdSelect, RowsForm, VersionedForm, options
from models import AwardStatus, ProposalDecision
from services.office import reference
from services.programs.award_queries import AwardFilter
from services.programs.awards import AwardInput, FundingInput, program_accounts
from services.programs.notice_rules import describe, parse_rules
from services.programs.notices import NoticeInput, ProposalInput, ScoreInput, ScoresInput

_NONE = ("", "—")
_ANY = ("", "Any")
MAX_PAGE = 10**6  # a bigger page number would overflow the OFFSET (a 500, not an empty page)
MAX_ID = 2**63 - 1  # a larger id overflows the database's integer


class AwardFilterForm(FlaskForm):
    """GET filters of the awards list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField("Status", default="")
    region = SelectField("Region", default="")
    priority = SelectField("Priority", default="")
    program_type = SelectField("Program type", default="")
    funded_in = OptionalIdSelect("Funded in")
    text = StringField("Number, title or partner", validators=[Optional(), Length(max=100)])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = options([_ANY, *[(s.value, s.label) for s in AwardStatus]])
        self.region.choices = options([_ANY, *reference.region_code_choices()])
        self.priority.choices = options([_ANY, *reference.priority_code_choices()])
        self.program_type.choices = options([_ANY, *reference.program_type_code_choices()])
        self.funded_in.choices = options([_ANY, *reference.fiscal_year_choices()])

    def to_filter(self) -> AwardFilter:
        def value(field):
            return field.data if field.data and not field.errors else None

        status = value(self.status)
        return AwardFilter(
            status=AwardStatus(status) if status else None,
            region=value(self.region),
            priority=value(self.priority),
            program_type=value(self.program_type),
            funded_in=value(self.funded_in),
            text=value(self.text) or "",
        )


class FundingRowForm(derived_form(FundingInput, Form, row=True)):
    account_code = SelectField("Account", default="")


class AwardForm(derived_form(AwardInput, RowsForm, blank_rows={"funding": 6}, row_forms={"funding": FundingRowForm})):
    ROW_ERROR_FIELD = {"funding": "amount"}

    def set_choices(self) -> None:
        self.division.choices = options(reference.division_choices())
        self.program_type.choices = options(reference.program_type_choices())
        self.region.choices = options(reference.region_choices())
        self.country.choices = options([_NONE, *reference.country_choices()])
        self.priority.choices = options(reference.priority_choices())
        years = options([_NONE, *reference.fiscal_year_choices()])
        accounts = options([_NONE, *[(code, code) for code in program_accounts()]])
        for entry in self.funding:
            entry.fiscal_year.choices, entry.account_code.choices = years, accounts


class NoticeForm(derived_form(NoticeInput, RowsForm, exclude=("rules",))):
    """The notice's fields as declared; its rules typed as text, one per line (parse_rules reads them)."""

    account_code = SelectField("Appropriation account", validators=[DataRequired()])
    rules = TextAreaField(
        "Rules, one per line",
        validators=[Optional(), Length(max=10000)],
        description="For example: at least 2 awards in WHA · no more than $6,000,000 in EAP · at least 30% protection",
        render_kw={"rows": 6},
    )

    def set_choices(self) -> None:
        self.fiscal_year.choices = options(reference.fiscal_year_choices())
        self.account_code.choices = options([(code, code) for code in program_accounts()])
        self.program_types.choices = options(reference.program_type_code_choices())
        self.regions.choices = options(reference.region_code_choices())
        self.priorities.choices = options(reference.priority_code_choices())

    def fill_from(self, notice) -> None:
        super().fill_from(notice)
        # describe() writes a rule in the words parse_rules reads; a rule with two bounds is two lines.
        self.rules.data = "\n".join(part for rule in notice.rules for part in describe(rule).split("; "))

    def to_input(self) -> NoticeInput:
        """The notice as typed; a rule line that can't be read raises ValidationError on `rules`."""
        return super().to_input(rules=parse_rules(self.rules.data or ""))


class ProposalForm(derived_form(ProposalInput, RowsForm, blank_rows={"out_years": 4})):
    ROW_ERROR_FIELD = {"out_years": "amount"}

    def __init__(self, *args, notice, **kwargs):
        self.notice = notice  # its fiscal year bounds the out-years offered
        super().__init__(*args, **kwargs)

    def set_choices(self) -> None:
        self.region.choices = options(reference.region_choices())
        self.country.choices = options([_NONE, *reference.country_choices()])
        self.priority.choices = options(reference.priority_choices())
        self.program_type.choices = options(reference.program_type_choices())
        years = options(
            [_NONE, *[(y, f"FY{y}") for y, _ in reference.fiscal_year_choices() if y > self.notice.fiscal_year]]
        )
        for entry in self.out_years:
            entry.fiscal_year.choices = years


class ScoresForm(derived_form(ScoresInput, RowsForm, blank_rows={"scores": 5})):
    ROW_ERROR_FIELD = {"scores": "score"}

    def to_input(self) -> list[ScoreInput]:
        return list(super().to_input().scores)


class DecisionForm(VersionedForm):
    """Force a proposal in or out, or leave it to the optimiser; `back` says which page to return to."""

    decision = SelectField(choices=options([(d.value, d.label) for d in ProposalDecision]))
    back = SelectField(choices=options([("proposal", "proposal"), ("notice", "notice"), ("run", "run")]))
    run = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class MakeAwardsForm(FlaskForm):
    starts_on = DateField("Awards start on", validators=[InputRequired()])
    make_room = BooleanField(
        "Where a draft plan of the notice's year lacks the money, lower its planned program lines "
        "(the awards' regions and priorities first)",
        default=True,
    )
