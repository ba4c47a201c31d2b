"""A new office: a home for its province, with the records it starts from — the profile's default sources and
the shipped example claims of the rebuttal knowledge base. Creating a home is the one step that writes them;
opening a home or building a pipeline never does."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.core.home import Home
from pipeline.office.claims import seed_claims
from pipeline.office.sources import seed_sources


def create_home(path: str | os.PathLike[str], province: str, store_url: str = "embedded") -> Home:
    """Create (or complete) the home of an office; running it again on an existing home adds nothing twice."""
    home = Home.init(Path(path), province, store_url=store_url)
    with home.open_store() as store:
        seed_sources(store, home.profile)
        if home.settings.get("classifiers.seed_claims"):
            seed_claims(store)
    return home
