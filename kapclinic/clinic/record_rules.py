"""Rules several records state alike, written once: Meta constraints, links a row keeps."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def closed_with_who_and_what(name, *, at, by, what):
    """Once the row is closed (`at` set), it names who closed it (`by`) and what was done
    (`what`, not empty): a resolved flag, an acknowledged alert, a closed task."""
    return models.CheckConstraint(
        condition=Q(**{f"{at}__isnull": True}) | (Q(**{f"{by}__isnull": False}) & ~Q(**{what: ""})),
        name=name,
    )


def both_or_neither(name, first, second):
    """Two fields that only mean something together: both set or both empty."""
    return models.CheckConstraint(
        condition=Q(**{f"{first}__isnull": True, f"{second}__isnull": True})
        | Q(**{f"{first}__isnull": False, f"{second}__isnull": False}),
        name=name,
    )


class KeepsItsLinks(models.Model):
    """A saved row keeps the links it was written with (`kept_links`: {field: words}): a
    course its patient and clinic, an appointment its course. Moving one is refused beside
    its field, in a form's clean() and in save() alike; the values loaded are compared, so
    the check asks no query. A bulk update is refused by `KeptLinksQuerySet`, and anything
    else by PostgreSQL's triggers (clinic migration 0028)."""

    kept_links = {}
    remembered = ()  # further fields whose loaded value a subclass checks (loaded_differs)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refuse_moving()
        super().save(*args, **kwargs)
        self._remember_links()

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        record._remember_links()
        return record

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._remember_links()

    def _remember_links(self):
        names = [f"{name}_id" for name in self.kept_links] + list(self.remembered)
        self._loaded = {name: self.__dict__[name] for name in names if name in self.__dict__}

    def loaded_differs(self, attname):
        """Does `attname` differ from the value loaded or last saved (False if unknown)?"""
        loaded = getattr(self, "_loaded", {})
        return attname in loaded and loaded[attname] != getattr(self, attname)

    def refuse_moving(self):
        """ValidationError beside each kept link that no longer holds what was saved."""
        moved = {
            name: words
            for name, words in self.kept_links.items()
            if self.loaded_differs(f"{name}_id")
        }
        if moved:
            raise ValidationError(moved)


class KeptLinksQuerySet(models.QuerySet):
    """A bulk update names no kept link either: refused in the model's words, with no query
    asked (PostgreSQL refuses the same by trigger, clinic migration 0028; the SQLite demo has
    only this)."""

    def update(self, **kwargs):
        links = self.model.kept_links
        moved = {name: links[name] for name in links if name in kwargs or f"{name}_id" in kwargs}
        if moved:
            raise ValidationError(moved)
        return super().update(**kwargs)
