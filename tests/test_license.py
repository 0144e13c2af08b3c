"""The licence text ships with the code, as pyproject.toml declares it (issue 18)."""

import hashlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# MD5 of the FSF's AGPL-3.0 text (the 19 November 2007 version), the checksum distributions
# check it against (e.g. Yocto's common-licenses/AGPL-3.0): the file is the text, unaltered.
FSF_AGPL3_MD5 = "73f1eb20517c55bf9493b7dd6e480788"


def test_the_agpl_text_ships_unaltered_and_matches_the_declared_licence():
    licence = (ROOT / "LICENSE").read_bytes()
    assert hashlib.md5(licence).hexdigest() == FSF_AGPL3_MD5  # noqa: S324  a checksum, not security
    assert licence.startswith(b"                    GNU AFFERO GENERAL PUBLIC LICENSE\n")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "AGPL-3.0-or-later"
