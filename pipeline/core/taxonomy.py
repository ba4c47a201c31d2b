"""The topic taxonomy as data: `taxonomy.yaml` next to this file, or a home's own `taxonomy.yaml`.

Topics are vocabulary every area shares (the classifiers tag them, the dashboard filters by them, the digest
groups by them), so the taxonomy is read here; what a topic's terms match is the classifiers' business.

An office edits its copy (add a term, a topic); the code only reads it. Loading checks the file so a typo
gives a clear error instead of a topic that silently never fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.core import vocabulary

# The C loader when PyYAML has it: the pure-Python one spends a third of a second on the data files at start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yaml")
HOME_TAXONOMY = "taxonomy.yaml"


class TaxonomyError(ValueError):
    pass


@dataclass(frozen=True)
class TopicTerm:
    """A term that speaks for a topic: a string, or ``{text, weight, case_sensitive}`` in the file."""

    text: str
    weight: float = 1.0
    case_sensitive: bool = False


@dataclass(frozen=True)
class Topic:
    """A topic: ``sections`` are the newsroom sections (vocabulary "sections") it belongs to, the main one
    first. A section topic is the one topic that stands for a whole section (its id is the section's)."""

    id: str
    label: str
    description: str
    terms: tuple[TopicTerm, ...]
    sections: tuple[str, ...] = ()

    @property
    def is_section(self) -> bool:
        return self.sections == (self.id,)


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    path: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {t.id: t for t in self.topics})

    def get(self, topic_id: str) -> Topic | None:
        return self._by_id.get(topic_id)  # type: ignore[attr-defined]

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.topics]

    def labels(self) -> dict[str, str]:
        return {t.id: t.label for t in self.topics}

    def section_topic(self, section: str) -> Topic | None:
        """The topic that stands for a whole section, when the taxonomy has one."""
        topic = self.get(section)
        return topic if topic is not None and topic.is_section else None

    def sections_of(self, topic_id: str) -> tuple[str, ...]:
        topic = self.get(topic_id)
        return topic.sections if topic is not None else ()


def _term(entry: Any) -> TopicTerm:
    if isinstance(entry, str):
        return TopicTerm(entry)
    return TopicTerm(str(entry["text"]), float(entry.get("weight", 1.0)), bool(entry.get("case_sensitive", False)))


def parse_taxonomy(data: Any, path: str = "<data>") -> Taxonomy:
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise TaxonomyError(f"{path}: expected a mapping with a 'topics' list")
    topics: list[Topic] = []
    seen: set[str] = set()
    known_sections = vocabulary.codes("sections")
    for index, raw in enumerate(data["topics"]):
        where = f"{path}: topic #{index + 1}"
        if not isinstance(raw, dict):
            raise TaxonomyError(f"{where}: expected a mapping")
        missing = [key for key in ("id", "label", "description", "terms", "sections") if not raw.get(key)]
        if missing:
            raise TaxonomyError(f"{where} ({raw.get('id', '?')}): missing {', '.join(missing)}")
        topic_id = str(raw["id"])
        if topic_id in seen:
            raise TaxonomyError(f"{where}: duplicate topic id {topic_id!r}")
        seen.add(topic_id)
        try:
            terms = [t for t in map(_term, raw["terms"]) if t.text]
        except (KeyError, TypeError, ValueError) as exc:
            raise TaxonomyError(f"{where} ({topic_id}): bad term entry ({exc})") from exc
        sections = raw["sections"] if isinstance(raw["sections"], list) else [raw["sections"]]
        unknown = [str(s) for s in sections if str(s) not in known_sections]
        if unknown:
            raise TaxonomyError(f"{where} ({topic_id}): unknown section(s) {', '.join(unknown)}; "
                                f"sections are: {', '.join(known_sections)}")
        topics.append(Topic(topic_id, str(raw["label"]), " ".join(str(raw["description"]).split()), tuple(terms),
                            tuple(dict.fromkeys(str(s) for s in sections))))
    return Taxonomy(tuple(topics), path)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    path = Path(path) if path else DEFAULT_TAXONOMY
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe loaders only
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"cannot read taxonomy {path}: {exc}") from exc
    return parse_taxonomy(data, str(path))


def taxonomy_for_home(home_path: str | Path | None) -> Taxonomy:
    """The home's own taxonomy when it has one, else the shipped one."""
    if home_path is not None and (Path(home_path) / HOME_TAXONOMY).is_file():
        return load_taxonomy(Path(home_path) / HOME_TAXONOMY)
    return load_taxonomy()
