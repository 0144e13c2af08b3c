"""Rows kept as evidence: append-only and hash-chained (audit/chain.py).

The audit trail (`AccessEvent`) and the controlled-substance register (`stock.LedgerEntry`) are
both kept this way: the ORM refuses to change, delete or bulk-write a row, and each insert
takes the chain's lock and links the row to the one before it. Each table keeps its own error
and its own words for a refusal, so its pages say what they always said.
"""

from django.db import models, router, transaction

from .chain import GENESIS


class EvidenceQuerySet(models.QuerySet):
    """Bulk writes are refused: they would skip the chain or rewrite evidence."""

    def update(self, **kwargs):
        raise self.model.refusal(self.model.cannot_change)

    def delete(self):
        raise self.model.refusal(self.model.cannot_delete)

    def bulk_create(self, objs, *args, **kwargs):
        raise self.model.refusal(self.model.one_at_a_time)

    def bulk_update(self, objs, *args, **kwargs):
        raise self.model.refusal(self.model.cannot_change)


class ChainedEvidence(models.Model):
    """An append-only, hash-chained row. The concrete model holds `previous_hash` and
    `row_hash`, names its `hash_chain` (a `chain.HashChain`), its `refusal` error class and the
    words of each refusal."""

    hash_chain = None
    refusal = Exception
    cannot_change = "This row cannot be changed."
    cannot_delete = "This row cannot be deleted."
    one_at_a_time = "These rows are chained one at a time."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.refusal(self.cannot_change)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # No savepoint: inside a request's transaction this costs two round trips (lock and
        # read the last hash; insert). The lock is held until that transaction ends, so the
        # row read as "last" is the last one committed and two writers never chain to one row.
        with transaction.atomic(using=using, savepoint=False):
            head = self.hash_chain.lock_and_read_head(transaction.get_connection(using))
            self.previous_hash = head or GENESIS
            self.row_hash = self.hash_chain.digest(self.chained_values(), self.previous_hash)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.refusal(self.cannot_delete)

    @classmethod
    def append_all(cls, rows):
        """Chain `rows` (unsaved, in order) after the last row and insert them in one statement:
        one lock and one read of the head, as `save` takes for a single row."""
        using = router.db_for_write(cls)
        with transaction.atomic(using=using, savepoint=False):
            head = cls.hash_chain.lock_and_read_head(transaction.get_connection(using))
            for row in rows:
                row.previous_hash = head or GENESIS
                row.row_hash = head = cls.hash_chain.digest(row.chained_values(), row.previous_hash)
            # The plain queryset's insert: this one is chained, which `bulk_create` refuses.
            return models.QuerySet(cls, using=using).bulk_create(rows)

    def chained_values(self):
        return {name: getattr(self, name) for name in self.hash_chain.fields}
