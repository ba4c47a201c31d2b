"""Province profiles: what a province is called, now and before July 2025, and which places belong to it.

Relevance, source seeding and case routing all read the profile, so it is data (one YAML file per province,
generated from the administrative-unit data plus ``profiles/curated.yaml``) and this module only loads it.
A home's ``profile.yaml`` is the office's own part: additions (places, search queries, former names, sources,
calendar events) and a replacement list of agencies, applied on top of the generated profile of its province
by :func:`load_home_profile`. The generated file is never edited by hand, so a software update that rebuilds
it reaches every office without overwriting what an office wrote. (An older home holding a full copy of the
generated profile is still read as it is.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROFILE_DIR = Path(__file__).with_name("profiles")
CURATED_FILE = PROFILE_DIR / "curated.yaml"
PLACE_KINDS = ("province", "former_province", "commune", "ward", "former_district", "former_commune", "landmark")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _province_ids() -> tuple[str, ...]:
    """The provinces with a profile: those curated.yaml describes (the build writes one file for each)."""
    with CURATED_FILE.open(encoding="utf-8") as fh:
        return tuple(yaml.load(fh, Loader=_Loader)["provinces"])


PROVINCE_IDS: tuple[str, ...] = _province_ids()


@dataclass(frozen=True)
class Place:
    """A named place of the province. ``name`` is the official or usual full name ("Xã Ba Bể"), ``aliases``
    the forms the press writes ("Ba Bể"). ``ambiguous``: a match needs context (an administrative word
    before it, or an unambiguous place nearby) because the name also belongs elsewhere, is an ordinary word
    or a person's name, or is a former commune. ``parent``: the current unit a former one became part of."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    ambiguous: bool = False
    parent: str | None = None
    note: str = ""
    hand_added: bool = False


@dataclass(frozen=True)
class Agency:
    """A body a case can be routed to, and what it handles: topics of the taxonomy, content flags, newsroom
    sections (the problems of a section, e.g. "y_te" for Sở Y tế), and the names the press gives it."""

    id: str
    name: str
    topics: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    note: str = ""
    sections: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass
class Profile:
    id: str
    name: str
    full_name: str
    former_names: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    default_sources: list[dict[str, Any]] = field(default_factory=list)
    search_queries: list[str] = field(default_factory=list)
    # Rules for the relevance matcher (admin prefixes, non-place prefixes, common words).
    matching: dict[str, Any] = field(default_factory=dict)
    # Province names that are not this province (current and former), for "xã X, tỉnh Y" checks.
    other_provinces: list[str] = field(default_factory=list)
    # Former districts of the rest of the country, for "phường Phúc Tân, Hoàn Kiếm" checks.
    other_districts: list[str] = field(default_factory=list)
    code: str = ""
    # The province's own festivals, anniversaries and planned announcements: entries of the alert calendar
    # (pipeline/alerts/calendar.yaml says their form), so spikes expect the coverage they bring.
    events: list[dict[str, Any]] = field(default_factory=list)

    def agency(self, agency_id: str) -> Agency:
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        known = ", ".join(a.id for a in self.agencies)
        raise ValueError(f"Không có cơ quan '{agency_id}' trong hồ sơ tỉnh {self.name}. Các mã có: {known}")

    def places_of_kind(self, kind: str) -> list[Place]:
        return [p for p in self.places if p.kind == kind]


def profile_path(province_id: str) -> Path:
    """The packaged profile file of a province; an unknown id is the user's mistake, said in Vietnamese."""
    if province_id not in PROVINCE_IDS:
        raise ValueError(
            f"Không có hồ sơ tỉnh '{province_id}'. Các mã tỉnh có sẵn: {', '.join(PROVINCE_IDS)}"
        )
    return PROFILE_DIR / f"{province_id}.yaml"


def _place(raw: dict[str, Any]) -> Place:
    return Place(
        name=raw["name"],
        kind=raw["kind"],
        aliases=tuple(raw.get("aliases") or ()),
        ambiguous=bool(raw.get("ambiguous", False)),
        parent=raw.get("parent"),
        note=raw.get("note") or "",
        hand_added=bool(raw.get("hand_added", False)),
    )


def profile_from_dict(data: dict[str, Any], origin: str = "<dict>") -> Profile:
    """Build a Profile from its YAML mapping; a malformed file fails with the file and the field named."""
    try:
        places = [_place(p) for p in data.get("places") or []]
        agencies = [
            Agency(a["id"], a["name"], tuple(a.get("topics") or ()), tuple(a.get("flags") or ()), a.get("note") or "",
                   tuple(a.get("sections") or ()), tuple(a.get("names") or ()))
            for a in data.get("agencies") or []
        ]
        profile = Profile(
            id=data["id"],
            name=data["name"],
            full_name=data.get("full_name") or data["name"],
            former_names=list(data.get("former_names") or []),
            places=places,
            agencies=agencies,
            default_sources=list(data.get("default_sources") or []),
            search_queries=list(data.get("search_queries") or []),
            matching=dict(data.get("matching") or {}),
            other_provinces=list(data.get("other_provinces") or []),
            other_districts=list(data.get("other_districts") or []),
            code=str(data.get("code") or ""),
            events=[dict(e) for e in data.get("events") or []],
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"Hồ sơ tỉnh {origin} không hợp lệ: thiếu hoặc sai trường {exc}") from exc
    bad = sorted({p.kind for p in places} - set(PLACE_KINDS))
    if bad:
        raise ValueError(f"Hồ sơ tỉnh {origin} có loại địa danh không hợp lệ: {', '.join(bad)}")
    return profile


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int) -> Profile:
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    if not isinstance(data, dict):
        raise ValueError(f"Hồ sơ tỉnh {path} không hợp lệ: không phải một bảng YAML")
    return profile_from_dict(data, path)


def load_profile_file(path: str | os.PathLike[str]) -> Profile:
    """Load a profile file; cached per path and modification time, so repeated loads in a process are free
    and an edited file is read again."""
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise ValueError(f"Không tìm thấy tệp hồ sơ tỉnh: {path}")
    return _load_cached(str(resolved), resolved.stat().st_mtime_ns)


def load_profile(province_id: str) -> Profile:
    return load_profile_file(profile_path(province_id))


# The keys an office's profile.yaml may hold: each adds to a list of the generated profile, except
# "agencies", which replaces the list (an office names its own agencies).
OFFICE_KEYS = {"extra_places": "places", "extra_search_queries": "search_queries",
               "extra_former_names": "former_names", "extra_sources": "default_sources", "events": "events",
               "agencies": "agencies"}

OFFICE_TEMPLATE = """\
# Hồ sơ tỉnh của cơ quan - TỆP NÀY DO CƠ QUAN SỬA.
#
# Phần sinh tự động (địa danh theo dữ liệu hành chính từ 01/07/2025, nguồn tin mặc định, cơ quan xử lý) nằm
# trong pipeline/core/profiles/{province}.yaml, được cập nhật cùng phần mềm: không sửa tệp đó. Những gì viết
# ở đây được cộng thêm vào phần sinh tự động (riêng "agencies" thay cả danh sách). Mọi mục đều tùy chọn.
# Sau khi sửa: khởi động lại `diemtin run` (hoặc `diemtin dashboard`).
#
# extra_places:              # địa danh bổ sung: khu du lịch, công trình, tên gọi quen thuộc...
#   - {{name: "Khu du lịch Hồ Núi Cốc", kind: landmark, aliases: ["Hồ Núi Cốc", "hồ Núi Cốc"]}}
# extra_search_queries:      # truy vấn Google News thêm
#   - '"Hồ Núi Cốc"'
# extra_former_names: []     # tên cũ khác của tỉnh
# extra_sources: []          # nguồn tin thêm (như `diemtin sources add`)
# events: []                 # ngày lễ, sự kiện của tỉnh (lịch sự kiện)
# agencies:                  # thay TOÀN BỘ danh sách cơ quan xử lý: chép từ tệp sinh tự động rồi sửa
#   - {{id: cong-an-tinh, name: "Công an tỉnh ...", topics: [tin_gia], flags: [likely_false]}}
province: {province}
"""


def office_overrides(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An office's profile.yaml as a mapping ({} for a file of comments only)."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"Hồ sơ tỉnh {path} không hợp lệ: không phải một bảng YAML")
    return data


@lru_cache(maxsize=16)
def _load_home_cached(province_id: str, path: str, mtime_ns: int) -> Profile:
    overrides = office_overrides(path)
    if "places" in overrides and "id" in overrides:  # an older home's full copy of a generated profile
        return profile_from_dict(overrides, path)
    unknown = sorted(set(overrides) - set(OFFICE_KEYS) - {"province"})
    if unknown:
        raise ValueError(f"Hồ sơ tỉnh {path}: không hiểu mục {', '.join(unknown)} "
                         f"(các mục được sửa: {', '.join(OFFICE_KEYS)})")
    with open(profile_path(province_id), encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    for key, target in OFFICE_KEYS.items():
        values = overrides.get(key)
        if values is None:
            continue
        if not isinstance(values, list):
            raise ValueError(f"Hồ sơ tỉnh {path}: mục {key} phải là một danh sách")
        data[target] = list(values) if key == "agencies" else [*(data.get(target) or []), *values]
    for place in data.get("places") or []:
        place.setdefault("aliases", [place.get("name")])
    return profile_from_dict(data, path)


def load_home_profile(province_id: str, path: str | os.PathLike[str]) -> Profile:
    """The generated profile of ``province_id`` with an office's ``profile.yaml`` applied (cached per file
    and modification time, so an edited file is read again)."""
    resolved = Path(path).resolve()
    if not resolved.is_file():
        return load_profile(province_id)
    return _load_home_cached(province_id, str(resolved), resolved.stat().st_mtime_ns)
