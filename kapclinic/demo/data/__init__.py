"""The demo's fixed stories as data: the TOML files beside this module, read when seeding."""

import tomllib
from pathlib import Path


def read(name):
    """The tables of `name`.toml in this folder (a fresh copy each call: callers may change it)."""
    with (Path(__file__).parent / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)
