"""The catalogue: named specs, one TOML file each in ``gsmtheory/symbolic/catalogue/``.

An entry is data, parsed like any user spec (docs/design.md §4); its file name is its name. A
``[known]`` table states the entry's closed forms (spectrum, C_P) so that tests and checks
compare against the entry instead of re-typing it. Adding a diffusion to the catalogue is adding
one file there.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

__all__ = ["CATALOGUE", "catalogue_names"]


def _read_entries() -> dict[str, str]:
    folder = resources.files("gsmtheory.symbolic") / "catalogue"
    return {item.name.removesuffix(".toml"): item.read_text(encoding="utf-8")
            for item in folder.iterdir() if item.name.endswith(".toml")}


#: catalogue name -> TOML text
CATALOGUE: Mapping[str, str] = MappingProxyType(dict(sorted(_read_entries().items())))


def catalogue_names() -> tuple[str, ...]:
    """The catalogue's names, sorted: each is a TOML file of ``gsmtheory/symbolic/catalogue/``.

    Returns
    -------
    tuple of str
        What :func:`load_spec` and every command accept as SPEC (``gsmtheory catalogue``
        prints them with their descriptions).

    Examples
    --------
    >>> from gsmtheory.symbolic import catalogue_names
    >>> catalogue_names()[:4]
    ('bimodal', 'bimodal-weight', 'ctld-bimodal', 'double-well')
    """
    return tuple(CATALOGUE)
