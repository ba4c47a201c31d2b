"""Which agency must act on an item: routing from data (the profile's agencies), with the reason.

The profile lists each agency with the content flags, topics and newsroom sections it answers for and the
names the press gives it (``pipeline/core/profiles/curated.yaml``; an office edits its home's
``profile.yaml``). For one item, the first rule that finds an agency decides:

1. **Content flags** that stand on the item (a scam, incitement, a fabricated claim), with their harms: of the
   agencies listing one, the one whose flags and topics match best. Police and military bodies receive items only
   this way, never because of a topic or a section.
2. **Named bodies**: an agency the item's title or lead names ("Sở Y tế cho biết..."), unless the name is
   another province's body ("Sở Y tế Hà Nội").
3. **Topics of the plans** among the item's topics (đình công tại KCN → Ban Quản lý các KCN), in the order
   of the item's topics.
4. **The item's section** (its first topic's main section: y_te → Sở Y tế, giao_thong → Sở Xây dựng).
5. **The place**: the commune or ward the item names, when the profile has the "ubnd-cap-xa" agency
   ("UBND xã Ba Bể").

Digests ("Cơ quan có trách nhiệm") and the case form (the suggested agency) both call :func:`route`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.text import fold

# Agencies that receive items only for content flags (the triage principle: never for a topic or a section).
FLAGS_ONLY = ("cong-an-tinh", "bo-chqs-tinh")
LOCAL_AGENCY = "ubnd-cap-xa"
_LEAD_CHARS = 600
# Characters after a body's name within which another province's name makes it that province's body.
_OWNER_WINDOW = 30


@dataclass(frozen=True)
class Route:
    agency_id: str
    name: str
    reason: str


def _get(agency: Any, key: str, default: Any = ()) -> Any:
    return agency.get(key, default) if isinstance(agency, Mapping) else getattr(agency, key, default)


def route(profile: Any, item: dict[str, Any]) -> Route | None:
    """The agency responsible for ``item`` and why (see the module doc); None when no rule finds one."""
    agencies = list(getattr(profile, "agencies", None) or [])
    if not agencies:
        return None
    # Standing flags with their harms (vocabulary.routing_keys): of the agencies listing one, the best match
    # of flags and topics together; a flag counts more than a topic, a flag with its harm
    # ("likely_false:public_safety") more than the flag alone.
    keys = vocabulary.routing_keys(item)
    topic_ids = {t.get("id") for t in item.get("topics") or [] if isinstance(t, dict)}
    best: tuple[int, Any, str] | None = None
    for agency in agencies:
        matched = sorted(keys & set(_get(agency, "flags") or ()), key=lambda k: (-k.count(":"), k))
        if matched:
            score = sum(2 + key.count(":") for key in matched) + len(topic_ids & set(_get(agency, "topics") or ()))
            if best is None or score > best[0]:
                best = (score, agency, matched[0])
    if best is not None:
        return _route(best[1], f"cảnh báo {vocabulary.label('flags', best[2].split(':')[0])}")
    named = _named_agency(agencies, item, getattr(profile, "other_provinces", []) or [])
    if named is not None:
        return named
    topics = [t for t in item.get("topics") or [] if isinstance(t, dict) and t.get("id")]
    for topic in topics:
        for agency in agencies:
            if _get(agency, "id") in FLAGS_ONLY:
                continue
            if topic["id"] in (_get(agency, "topics") or ()):
                return _route(agency, f"chủ đề {topic.get('label') or topic['id']}")
    section = next((t["sections"][0] for t in topics if t.get("sections")), None)
    if section:
        for agency in agencies:
            if _get(agency, "id") not in FLAGS_ONLY and section in (_get(agency, "sections") or ()):
                return _route(agency, f"chuyên mục {vocabulary.label('sections', section)}")
    local = next((a for a in agencies if _get(a, "id") == LOCAL_AGENCY), None)
    place = _commune(item)
    if local is not None and place:
        named = place[:1].lower() + place[1:]  # "Xã Ba Bể" -> "UBND xã Ba Bể"
        return Route(LOCAL_AGENCY, f"UBND {named}", f"nơi xảy ra sự việc: {named}")
    return None


def suggest_agency_id(profile: Any, items: Sequence[dict[str, Any]]) -> str | None:
    """The agency most of the items route to (the case form's suggestion); None when none routes."""
    counts: dict[str, int] = {}
    for item in items:
        found = route(profile, item)
        if found is not None:
            counts[found.agency_id] = counts.get(found.agency_id, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _route(agency: Any, reason: str) -> Route:
    return Route(str(_get(agency, "id", "")), str(_get(agency, "name", "") or _get(agency, "id", "")), reason)


def _named_agency(agencies: list[Any], item: dict[str, Any], other_provinces: list[str]) -> Route | None:
    text = f"{item.get('title') or ''}\n{(item.get('text') or item.get('lead') or '')[:_LEAD_CHARS]}"
    folded = fold(text)
    others = [fold(name) for name in other_provinces if name]
    best: tuple[int, Any, str] | None = None
    for agency in agencies:
        if _get(agency, "id") in FLAGS_ONLY:
            continue
        for name in _get(agency, "names") or ():
            key = fold(name)
            start = folded.find(key)
            while start >= 0:
                end = start + len(key)
                boundary = (start == 0 or not folded[start - 1].isalnum()) and \
                    (end >= len(folded) or not folded[end].isalnum())
                after = folded[end:end + _OWNER_WINDOW]
                if boundary and not any(other in after for other in others):
                    if best is None or start < best[0]:
                        best = (start, agency, text[start:end])
                    break
                start = folded.find(key, start + 1)
    if best is None:
        return None
    return _route(best[1], f"tin nêu tên {best[2]}")


def _commune(item: dict[str, Any]) -> str:
    for place in item.get("places") or []:
        if place.get("kind") in ("commune", "ward"):
            return str(place.get("name") or "")
    for place in item.get("places") or []:
        if place.get("kind") == "former_commune":
            return str(place.get("name") or "")
    return ""
