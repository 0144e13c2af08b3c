"""How a plain intake step asks its questions: follow-ups and groups, kept on the server.

A follow-up ("If yes: ...") is asked, and required, only when its parent answer calls for
it; otherwise it is stored as not asked. A group of yes/no questions may be answered at once
with "none of these apply to me", which stores an explicit "No" for each of its questions.
The page shows and hides with static JavaScript (kap.js) from the data-* attributes drawn
here; without JavaScript every question stays on the page and the same rules apply.
Reading the answers back (the patient's check page, the prescriber's review and its PDF)
follows the same layout and leaves out the follow-ups not asked (`asked_in_order`).
"""

from dataclasses import dataclass

from django import forms


@dataclass(frozen=True)
class FollowUp:
    parent: str  # the field whose answer calls for this one
    when: tuple[str, ...]  # the parent's posted values that call for it
    required: bool = True
    not_asked: object = None  # stored when the parent answer does not call for it


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    fields: tuple[str, ...]

    @property
    def none_field(self):
        return f"none_{self.key}"


def _posted(value):
    return str(value) if value is not None else ""


class QuestionLayoutMixin:
    """Follow-ups and "none of these apply" groups for a step form (see module docstring)."""

    follow_ups: dict[str, FollowUp] = {}
    groups: tuple[Group, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.follow_ups:
            self.fields[name].required = False  # decided in clean(), from the parent answer
        for group in self.groups:
            self.fields[group.none_field] = forms.BooleanField(
                label="None of these apply to me", required=False
            )
            self.fields[group.none_field].widget.attrs["data-none-of"] = group.key
            for name in group.fields:
                self.fields[name].required = False  # answered one by one, or all by the box

    @classmethod
    def asked(cls, name, data):
        follow_up = cls.follow_ups.get(name)
        return follow_up is None or _posted(data.get(follow_up.parent)) in follow_up.when

    @classmethod
    def layout(cls):
        """The page's order: (group or None, its question names), ungrouped questions in turn,
        each group where its first question is, a grouped question's follow-ups after it."""
        grouped = {name: group for group in cls.groups for name in group.fields}
        after = {}  # a grouped question -> its follow-ups, drawn inside the group
        for follower, follow_up in cls.follow_ups.items():
            if follow_up.parent in grouped:
                after.setdefault(follow_up.parent, []).append(follower)
        in_groups = {name for followers in after.values() for name in followers}
        parts, seen = [], set()
        for name in cls.base_fields:
            group = grouped.get(name)
            if group is None and name not in in_groups:
                parts.append((None, [name]))
            elif group is not None and group.key not in seen:
                seen.add(group.key)
                parts.append((group, [n for q in group.fields for n in (q, *after.get(q, ()))]))
        return parts

    def clean(self):
        data = super().clean()
        for group in self.groups:
            none_apply = data.pop(group.none_field, False)
            for name in group.fields:
                if name in self.follow_ups:
                    continue
                value = data.get(name)
                if none_apply and value is True:
                    self.add_error(
                        group.none_field,
                        f"You answered yes in “{group.title}”: untick “None of these apply "
                        "to me”, or change that answer.",
                    )
                    break
                if none_apply:
                    data[name] = False
                elif value in (None, ""):
                    self.add_error(name, "Please answer yes or no.")
        for name, follow_up in self.follow_ups.items():
            if not self.asked(name, data):
                data[name] = follow_up.not_asked
                self.errors.pop(name, None)
            elif follow_up.required and data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, "Please answer this question too.")
        return data

    def sections(self):
        """The page's layout (`layout()`) with each question's bound field."""
        return [
            {
                "group": group,
                "none": self[group.none_field] if group else None,
                "rows": [self._row(name) for name in names],
            }
            for group, names in self.layout()
        ]

    def _row(self, name):
        follow_up = self.follow_ups.get(name)
        return {
            "name": name,
            "field": self[name],
            "of": self.add_prefix(follow_up.parent) if follow_up else "",
            "when": " ".join(follow_up.when) if follow_up else "",
        }


def asked_in_order(form_class, answers):
    """A step's questions in the order its page asks them, without the follow-ups its stored
    answers did not call for (the patient never saw those): what reading the answers back shows."""
    if not issubclass(form_class, QuestionLayoutMixin):
        return list(form_class.base_fields)
    names = [name for _, names in form_class.layout() for name in names]
    return [name for name in names if form_class.asked(name, answers)]
