"""The sample records of tests/samples.toml, as the dicts the services and forms take."""

import tomllib
from pathlib import Path

_SAMPLES = tomllib.loads(Path(__file__).with_name("samples.toml").read_text(encoding="utf-8"))

COMPLETE_NOTE = _SAMPLES["integration_note"]
SAFETY_PLAN = _SAMPLES["safety_plan"]
