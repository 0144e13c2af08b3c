"""Forms generated from instrument definitions: adding an instrument needs no form class."""

from dataclasses import dataclass

from django import forms
from django.forms.boundfield import BoundField

from kapclinic.instruments import IncompleteAnswers, Instrument, InvalidAnswer, Item
from kapclinic.instruments.conditions import ItemAtLeast, ItemEquals

REQUIRED = "Please answer this question."
NOT_AN_ANSWER = "Please choose one of the answers shown."


@dataclass(frozen=True)
class Question:
    """One item as the template shows it: its number, the field, and ids for ARIA."""

    number: int
    item: Item
    field: BoundField
    hint: str
    hint_id: str
    error_id: str


class InstrumentForm(forms.Form):
    """One radio scale per item; validation and branching come from the instrument itself.

    Items shown only after an earlier answer (C-SSRS Q3-Q5, Q6b) are always rendered so the
    form works without JavaScript, each with a hint saying when it applies. When the
    submitted answers hide such an item it is not required; a lowest-scoring answer to it
    ("No") is set aside quietly, any other answer is refused beside the item rather than
    dropped, so a positive answer (e.g. intent) is never silently lost. A `scoring_context`
    the instrument rejects raises `InvalidContext`: a set-up fault the patient cannot fix.
    """

    error_css_class = "form-field--error"

    def __init__(self, instrument: Instrument, *args, scoring_context=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.scoring_context = scoring_context
        self.score = None
        self._answers = None
        self.numbers = {item.key: n for n, item in enumerate(instrument.items, start=1)}
        for item in instrument.items:
            self.fields[item.key] = forms.TypedChoiceField(
                label=f"{self.numbers[item.key]}. {item.text}",
                choices=[(option.value, option.label) for option in item.options],
                coerce=int,
                empty_value=None,
                # A conditional item is required only once shown; the instrument decides
                # that from the answers, so the browser is never told to insist on it.
                required=item.required and item.show_if is None,
                widget=forms.RadioSelect(attrs={"class": "choice-scale"}),
                error_messages={"required": REQUIRED, "invalid_choice": NOT_AN_ANSWER},
            )

    # --- Validation ---------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        offered = {key: cleaned.get(key) for key in self.fields if key not in self._errors}
        answers, refused = self._apply_branching(offered)
        for key in refused:
            self.add_error(key, self._skipped_message(self.instrument.item(key)))
        try:
            score = self.instrument.score(answers, context=self.scoring_context)
        except IncompleteAnswers as error:
            for key in error.missing:
                if key in self.fields and key not in self._errors:
                    self.add_error(key, REQUIRED)
        except InvalidAnswer as error:
            if error.item in self.fields and error.item not in self._errors:
                self.add_error(error.item, NOT_AN_ANSWER)
            elif error.item not in self.fields:
                self.add_error(None, str(error))
        else:
            if not self._errors:
                self.score, self._answers = score, answers
        return cleaned

    def answers(self) -> dict[str, int]:
        """The validated answers of the items shown, blanks left out; needs a valid form."""
        if not self.is_valid():
            raise ValueError("answers() needs a valid form; use partial_answers() for a draft.")
        return dict(self._answers)

    def partial_answers(self) -> dict[str, int]:
        """Every answer in the submitted data that the instrument would accept, valid form or
        not, so a caller can save a draft and nothing the patient chose is lost."""
        if not self.is_bound:
            return {}
        given = {}
        for item in self.instrument.items:
            raw = self.fields[item.key].widget.value_from_datadict(
                self.data, self.files, self.add_prefix(item.key)
            )
            try:
                value = int(raw)
            except (TypeError, ValueError):
                continue
            if value in item.values:
                given[item.key] = value
        answers, _ = self._apply_branching(given)
        return answers

    def _apply_branching(self, offered):
        """Split answers into those the instrument accepts and refused hidden-item answers."""
        answers = {key: value for key, value in offered.items() if value is not None}
        refused = {}
        # Conditions are monotone, so hiding one item can only hide more: repeat until stable.
        while True:
            shown = {item.key for item in self.instrument.visible_items(answers)}
            hidden = [key for key in answers if key not in shown]
            if not hidden:
                return answers, refused
            for key in hidden:
                value = answers.pop(key)
                if not _adds_nothing(self.instrument.item(key), value):
                    refused[key] = value

    # --- Presentation -------------------------------------------------------------------

    @property
    def questions(self) -> list[Question]:
        """The items in order, with ARIA wiring for hints and errors beside each one."""
        questions = []
        for item in self.instrument.items:
            field = self[item.key]
            base = field.auto_id or f"item-{item.key}"
            question = Question(
                number=self.numbers[item.key],
                item=item,
                field=field,
                hint=self._condition_hint(item),
                hint_id=f"{base}-hint",
                error_id=f"{base}-error",
            )
            described_by = [question.hint_id] if question.hint else []
            if field.errors:
                described_by.append(question.error_id)
            if described_by:
                field.field.widget.attrs["aria-describedby"] = " ".join(described_by)
            else:
                field.field.widget.attrs.pop("aria-describedby", None)
            questions.append(question)
        return questions

    def _condition_hint(self, item: Item) -> str:
        if item.show_if is None:
            return ""
        earlier = self._condition_words(item.show_if)
        if earlier is None:
            return "Answer this only if it applies after your earlier answers."
        return f"Answer this only if you answered {earlier}."

    def _skipped_message(self, item: Item) -> str:
        earlier = self._condition_words(item.show_if)
        if earlier is None:
            return "Your earlier answers skip this question. Please check them."
        return (
            f"This question is only for people who answered {earlier}. If your answer here "
            "is right, please check that earlier answer."
        )

    def _condition_words(self, condition):
        """E.g. “Yes” to question 2, for the conditions that read one earlier item."""
        if not isinstance(condition, ItemEquals | ItemAtLeast):
            return None
        earlier = self.instrument.item(condition.item)
        number = self.numbers[earlier.key]
        if isinstance(condition, ItemEquals):
            return f"“{earlier.option(condition.value).label}” to question {number}"
        labels = [o.label for o in earlier.options if o.value >= condition.minimum]
        words = " or ".join(f"“{label}”" for label in labels)
        return f"{words} to question {number}"


def _adds_nothing(item: Item, value: int) -> bool:
    """An answer worth the fewest points endorses nothing, so skipping it loses nothing."""
    return item.points(value) == min(item.points(v) for v in item.values)
