"""A new office: a home for its province, with its signing key and the records it starts from — the profile's
default sources and the shipped example claims of the rebuttal knowledge base. Creating a home is the one step that writes them;
opening a home or building a pipeline never does."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.core.home import Home
from pipeline.core.secrets import split_credentials, write_secrets
from pipeline.office.claims import seed_claims
from pipeline.office.keys import ensure_office_key
from pipeline.office.sources import seed_sources


def create_home(path: str | os.PathLike[str], province: str, store_url: str = "embedded", demo: bool = False) -> Home:
    """Create (or complete) the home of an office; running it again on an existing home adds nothing twice.

    Credentials in ``store_url`` (``http://user:password@host``) go to the home's secrets file, the URL without
    them to config.yaml. ``demo`` marks a new home as a demo home (pipeline/cli/demo.py fills it)."""
    bare, user, password = split_credentials(store_url)
    if user or password:
        write_secrets(Path(path), {"store": {"user": user, "password": password}})
    home = Home.init(Path(path), province, store_url=bare, demo=demo)
    ensure_office_key(home)  # signs the case files the office sends (pipeline/office/keys.py)
    with home.open_store() as store:
        seed_sources(store, home.profile)
        if home.settings.get("classifiers.seed_claims"):
            seed_claims(store)
    return home
