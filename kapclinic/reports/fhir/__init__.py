"""One patient's record as a FHIR R4 Bundle (type "collection"), for a clinician to download.

`patient_bundle(patient)` reads the record in a fixed number of queries, whatever its size,
and returns a plain dict ready for `json.dumps`. Codes follow the domain reference: §6
(resources), §4.3 (vital-sign LOINC codes and UCUM units) and the instrument definitions'
LOINC codes. Every resource's id is derived from its table and primary key (uuid5), so two
exports of the same record name the same resources the same way; references between them are
the `urn:uuid:` full URLs.

Questionnaires of instruments whose wording is licensed (`text_licensed`) carry structure and
codes only: no item text and no answer wording, so copyrighted text never leaves the system.
"""

from .bundle import patient_bundle

__all__ = ["patient_bundle"]
