"""One line of a checklist (the pre-dose gate, the discharge criteria), and time in words."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GateItem:
    key: str
    label: str
    passed: bool
    reason: str
    overridable: bool = False
    # What the check judged (e.g. the reading's id and numbers): an override accepts these
    # values, and no others.
    values: dict = field(default_factory=dict)

    def as_record(self):
        return {"key": self.key, "label": self.label, "reason": self.reason, "values": self.values}


def duration(minutes):
    """Minutes in words a clinician reads at a glance: "2 h 5 min", "45 min"."""
    minutes = int(minutes)
    hours, rest = divmod(abs(minutes), 60)
    text = f"{hours} h {rest} min" if hours and rest else f"{hours} h" if hours else f"{rest} min"
    return f"-{text}" if minutes < 0 else text
