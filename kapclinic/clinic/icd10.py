"""The ICD-10-CM codes a clinician may pick, read from the data file the project ships.

`data/icd10cm_kap.tsv` is a curated subset of the CDC/NCHS ICD-10-CM tabular list (public
domain); its header names the release. Diagnoses are picked from it, never typed as free text,
so a superbill or FHIR export only ever carries a real, billable code.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "icd10cm_kap.tsv"
SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"


@dataclass(frozen=True)
class Icd10Code:
    code: str
    description: str
    group: str

    @property
    def label(self):
        return f"{self.code} {self.description}"


@cache
def codes():
    """code → Icd10Code, in the file's order."""
    found = {}
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, description, group = line.split("\t")
        found[code] = Icd10Code(code, description, group)
    return found


@cache
def version():
    """The release the file says it holds (its "# Version:" header line)."""
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("# Version:"):
            return line.removeprefix("# Version:").strip()
    return ""


def lookup(code):
    """The entry for `code` (as typed or as "F41.1 Generalized …" from the picker), or None."""
    code = (code or "").strip().split(" ")[0].upper()
    return codes().get(code)


def search(text, limit=20):
    """Codes whose code or description contains every word of `text`."""
    words = (text or "").lower().split()
    hits = [c for c in codes().values() if all(w in c.label.lower() for w in words)]
    return hits[:limit]
