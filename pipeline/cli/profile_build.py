"""Generate the province profiles from the administrative-unit data (dvhcvn/20250701 and the CSVs derived
from it), the source list and the hand-curated ``profiles/curated.yaml``.

The generated files are committed, so running the product needs no data folder; this module is only run
when the data or the curated file change (``diemtin profiles build``). Its output is deterministic except
for the one "Generated on" header line, so a test can check the committed files are what the data gives.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import yaml

from pipeline.core.profiles import CURATED_FILE, PLACE_KINDS, PROFILE_DIR
from pipeline.core.text import fold, normalize
from pipeline.office.sources import source_id

# The reference data sits beside the repository (../shared/data) on the project's machines; the command takes
# other folders with --admin and --sources. Relative to the working directory, never to this file.
_SHARED_DATA = Path("..") / "shared" / "data"
DEFAULT_ADMIN_DIR = _SHARED_DATA / "admin"
DEFAULT_SOURCES_CSV = _SHARED_DATA / "sources.csv"

ADMIN_FILES = (
    "provinces_34_with_predecessors.csv",
    "new_communes_3321.csv",
    "old_districts_focus7.csv",
    "old_to_new_communes_focus7.csv",
    "old_to_new_communes_all.csv",
    "ambiguous_commune_names_focus.csv",
)
GENERATED_MARK = "# Generated on "

_UNIT_TYPE = re.compile(r"^(xã|phường|thị trấn|đặc khu|huyện|quận|thị xã|thành phố|tỉnh)\s+", re.IGNORECASE)
_COMMIT = re.compile(r"(github\.com/[\w.-]+/[\w.-]+)\s*\|\s*([0-9a-f]{40})")


class BuildError(Exception):
    """The input data is missing or malformed: said plainly, nothing written."""


@cache
def _split_type(name: str) -> tuple[str, str]:
    """("Thành Phố Bắc Kạn") -> ("Thành phố", "Bắc Kạn"): the unit type in one spelling, and the bare name."""
    name = normalize(name)
    m = _UNIT_TYPE.match(name)
    if not m:
        return "", name
    return m.group(1).capitalize(), name[m.end() :]


def _full(name: str) -> str:
    unit, bare = _split_type(name)
    return f"{unit} {bare}".strip()


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise BuildError(f"Không tìm thấy tệp dữ liệu {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class AdminData:
    """The CSVs of data/admin, indexed for the build."""

    def __init__(self, admin_dir: Path):
        self.dir = Path(admin_dir)
        self.provinces = _read_csv(self.dir / "provinces_34_with_predecessors.csv")
        self.new_communes = _read_csv(self.dir / "new_communes_3321.csv")
        self.old_districts = _read_csv(self.dir / "old_districts_focus7.csv")
        self.old_to_new = _read_csv(self.dir / "old_to_new_communes_focus7.csv")
        self.old_to_new_all = _read_csv(self.dir / "old_to_new_communes_all.csv")
        self.focus_ambiguous = {fold(normalize(r["bare_name"])) for r in _read_csv(self.dir / "ambiguous_commune_names_focus.csv")}
        readme = self.dir / "README.md"
        self.commits = dict(_COMMIT.findall(readme.read_text(encoding="utf-8"))) if readme.is_file() else {}
        # old province code -> new province code
        self.new_code_of_old: dict[str, str] = {}
        for row in self.provinces:
            for old in row["predecessor_codes"].split(";"):
                self.new_code_of_old[old.strip()] = row["new_province_code"]
        self.units_by_key = self._national_names()

    def _national_names(self) -> dict[str, set[str]]:
        """Folded bare name -> new province codes where a unit (old or new, any level) has that name."""
        out: dict[str, set[str]] = defaultdict(set)
        for row in self.provinces:
            out[fold(_split_type(row["new_province_name"])[1])].add(row["new_province_code"])
            for code, name in zip(row["predecessor_codes"].split(";"), row["predecessor_names"].split(";"), strict=True):
                out[fold(_split_type(name)[1])].add(self.new_code_of_old[code.strip()])
        for row in self.new_communes:
            out[fold(_split_type(row["new_commune_name"])[1])].add(row["new_province_code"])
        for row in self.old_to_new_all:
            home = self.new_code_of_old.get(row["old_province_code"], row["new_province_code"])
            out[fold(_split_type(row["old_commune_name"])[1])].update({home, row["new_province_code"]})
            out[fold(_split_type(row["old_district_name"])[1])].add(home)
        return out

    def province_row(self, code: str) -> dict[str, str]:
        for row in self.provinces:
            if row["new_province_code"] == code:
                return row
        raise BuildError(f"Mã tỉnh {code} không có trong provinces_34_with_predecessors.csv")


def _place(name: str, kind: str, aliases: Iterable[str], ambiguous: bool, parent: str | None,
           note: str = "", hand_added: bool = False) -> dict[str, Any]:
    place: dict[str, Any] = {"name": name, "kind": kind, "aliases": list(dict.fromkeys(aliases))}
    if ambiguous:
        place["ambiguous"] = True
    if parent:
        place["parent"] = parent
    if note:
        place["note"] = note
    if hand_added:
        place["hand_added"] = True
    return place


class ProvinceBuilder:
    def __init__(self, province_id: str, spec: dict[str, Any], common: dict[str, Any], data: AdminData,
                 source_rows: list[dict[str, str]]):
        self.id = province_id
        self.spec = spec
        self.common = common
        self.data = data
        self.source_rows = source_rows
        self.code = str(spec["code"])
        row = data.province_row(self.code)
        self.full_name = _full(row["new_province_name"])
        self.name = _split_type(row["new_province_name"])[1]
        self.former = [
            _split_type(n)[1] for n in row["predecessor_names"].split(";") if _split_type(n)[1] != self.name
        ]
        self.old_codes = [c.strip() for c in row["predecessor_codes"].split(";")]
        self.variants = {normalize(k): [normalize(v) for v in vs] for k, vs in (spec.get("variants") or {}).items()}
        self.curated_ambiguous = {fold(normalize(n)) for n in common.get("ambiguous_names") or []}

    def aliases(self, bare: str) -> list[str]:
        return [bare, *self.variants.get(bare, [])]

    def ambiguous(self, bare: str) -> bool:
        key = fold(bare)
        return (
            bool(self.data.units_by_key.get(key, set()) - {self.code})
            or key in self.curated_ambiguous
            or key in self.data.focus_ambiguous
            or len(bare.split()) == 1
        )

    def places(self) -> list[dict[str, Any]]:
        places = [_place(self.full_name, "province", self.aliases(self.name), False, None)]
        for bare in self.former:
            forms = self.aliases(bare)
            places.append(_place(f"Tỉnh {bare}", "former_province", [*forms, *(f"{f} cũ" for f in forms)],
                                 fold(bare) in self.curated_ambiguous, self.full_name, "Tỉnh cũ, sáp nhập từ 01/07/2025"))
        new_names = set()
        for row in self.data.new_communes:
            if row["new_province_code"] != self.code:
                continue
            unit, bare = _split_type(row["new_commune_name"])
            new_names.add(f"{unit} {bare}")
            places.append(_place(f"{unit} {bare}", "ward" if unit == "Phường" else "commune", self.aliases(bare),
                                 self.ambiguous(bare), self.full_name))
        targets_by_district: dict[str, set[str]] = defaultdict(set)
        communes: dict[str, dict[str, Any]] = {}
        for row in self.data.old_to_new:
            if row["new_province_code"] != self.code:
                continue
            target = _full(row["new_commune_name"])
            targets_by_district[row["old_district_code"]].add(target)
            entry = communes.setdefault(row["old_commune_code"], {
                "name": _full(row["old_commune_name"]), "district": _full(row["old_district_name"]), "targets": []})
            entry["targets"].append(target)
        for row in self.data.old_districts:
            if row["old_province_code"] not in self.old_codes or row["old_district_code"] not in targets_by_district:
                continue
            unit, bare = _split_type(row["old_district_name"])
            now = ", ".join(sorted(targets_by_district[row["old_district_code"]]))
            places.append(_place(f"{unit} {bare}", "former_district", self.aliases(bare), self.ambiguous(bare),
                                 self.full_name,
                                 f"Đơn vị cấp huyện cũ của tỉnh {row['old_province_name']}; nay thuộc: {now}"))
        for entry in communes.values():
            targets = list(dict.fromkeys(entry["targets"]))
            if len(targets) == 1 and entry["name"] == targets[0]:
                continue  # same unit, same name: the current commune already covers it
            bare = _split_type(entry["name"])[1]
            note = f"{entry['district']} cũ" + (f"; chia về: {', '.join(targets)}" if len(targets) > 1 else "")
            # Former communes are small units whose names repeat across the country and in people's names
            # ("Nguyễn Thị Minh Khai", "Lê Lai"); the press names them with "xã"/"phường" or next to their
            # district, so they always need that context.
            places.append(_place(entry["name"], "former_commune", self.aliases(bare), True, targets[0], note))
        for mark in self.spec.get("landmarks") or []:
            name = normalize(mark["name"])
            aliases = [name, *(normalize(a) for a in mark.get("aliases") or [])]
            note = "Thêm thủ công" + (f": {normalize(mark['note'])}" if mark.get("note") else "")
            places.append(_place(name, "landmark", aliases, bool(mark.get("ambiguous")), self.full_name, note, True))
        order = {kind: i for i, kind in enumerate(PLACE_KINDS)}
        places.sort(key=lambda p: (order[p["kind"]], fold(p["name"]), p["name"], p.get("parent") or ""))
        return places

    def former_names(self) -> list[str]:
        names: list[str] = []
        for bare in self.former:
            forms = self.aliases(bare)
            names += forms + [f"tỉnh {f} cũ" for f in forms]
        return names

    def search_queries(self, places: list[dict[str, Any]]) -> list[str]:
        def group(names: Iterable[str]) -> str:
            return " OR ".join(f'"{n}"' for n in dict.fromkeys(names))

        queries = [group(self.aliases(self.name))] + [group(self.aliases(b)) for b in self.former]
        taken = {fold(n) for n in [self.name, *self.former]}
        size = int(self.common.get("search_group_size", 6))
        for kind in ("former_district", "landmark"):
            names = [p["aliases"][0] for p in places
                     if p["kind"] == kind and not p.get("ambiguous") and fold(p["aliases"][0]) not in taken]
            names = list(dict.fromkeys(names))
            queries += [group(names[i : i + size]) for i in range(0, len(names), size)]
        return queries

    def other_provinces(self) -> list[str]:
        own = {fold(form) for n in [self.name, *self.former] for form in self.aliases(n)}
        names = set()
        for row in self.data.provinces:
            for name in [row["new_province_name"], *row["predecessor_names"].split(";")]:
                bare = _split_type(name)[1]
                if fold(bare) not in own:
                    names.add(bare)
        names.update(normalize(n) for n in self.common.get("other_province_aliases") or [] if fold(n) not in own)
        return sorted(names, key=lambda n: (fold(n), n))

    def other_districts(self, places: list[dict[str, Any]]) -> list[str]:
        """Former districts of every other province whose name is no name of ours."""
        ours = {fold(a) for p in places for a in p["aliases"]}
        names = set()
        for row in self.data.old_to_new_all:
            if self.data.new_code_of_old.get(row["old_province_code"]) == self.code:
                continue
            bare = _split_type(row["old_district_name"])[1]
            if fold(bare) not in ours and len(bare.split()) > 1:
                names.add(bare)
        return sorted(names, key=lambda n: (fold(n), n))

    def agencies(self) -> list[dict[str, Any]]:
        out = []
        for agency in self.common.get("agencies") or []:
            entry = dict(agency)
            entry["name"] = agency["name"].format(province=self.name)
            out.append(entry)
        return out

    def _own_source(self, row: dict[str, str]) -> dict[str, Any]:
        """The province's own newspaper or portal: an office expects it on from the first day. Where the list
        gives no checked feed, it is read through the Google News "site:" search (a feed whose form is known),
        on by default; the unchecked feed address is kept in the notes, to switch to after a live check."""
        source = self._source(row)
        if source["enabled"] or "legacy" in row["name"].lower():  # a merged-away province's site: history only
            return source
        domain = re.sub(r"^https?://(www\.)?", "", row["homepage"]).split("/")[0]
        query = f"site:{domain}"
        guessed = [u for u in source["urls"] if not u.startswith(self.common["gnews_homepage"])]
        source.update(fetch="gnews", urls=[self._gnews_url(query)], config={"query": query}, enabled=True)
        source["notes"] = (f"Đọc qua Google News ({query}) vì chưa có nguồn RSS đã kiểm chứng"
                           + (f"; RSS chưa kiểm chứng: {', '.join(guessed)}" if guessed else "")
                           + f". {source['notes']}")
        return source

    def _source(self, row: dict[str, str]) -> dict[str, Any]:
        kind = row["kind"]
        rss = [u for u in (row.get("rss_urls") or "").split(";") if u]
        homepage = row["homepage"]
        config: dict[str, Any] = {}
        if rss and all(u.startswith(self.common["gnews_homepage"]) for u in rss):
            fetch, urls = "gnews", rss
        elif rss:
            fetch, urls = "feed", rss
            if row.get("sitemap_url"):
                config["sitemap_url"] = row["sitemap_url"]
        elif row.get("sitemap_url"):
            fetch, urls = "sitemap", [row["sitemap_url"]]
        else:
            # No feed evidenced: the Google News "site:" search is the fallback the source list names.
            domain = re.sub(r"^https?://(www\.)?", "", homepage).split("/")[0]
            query = f"site:{domain}"
            fetch, urls, config = "gnews", [self._gnews_url(query)], {"query": query}
        notes = row.get("notes") or ""
        return {
            "id": source_id(row["name"]),
            "name": row["name"],
            "kind": kind,
            "fetch": fetch,
            "language": row.get("language") or "vi",
            "reputation": self.common["reputation_by_kind"][kind],
            "urls": urls,
            "homepage": homepage,
            "poll_minutes": int(self.common["poll_minutes_by_kind"].get(kind, 60)),
            "enabled": not any(mark in notes for mark in self.common.get("disable_markers") or []),
            "config": config,
            "health": {},
            "notes": f"{notes} [Bằng chứng: {row['evidence']}]" if row.get("evidence") else notes,
        }

    def _gnews_url(self, query: str) -> str:
        template = next(r for r in self.source_rows if r["homepage"] == self.common["gnews_homepage"])
        return template["rss_urls"].replace("{QUERY}", quote_plus(query))

    def default_sources(self, queries: list[str]) -> list[dict[str, Any]]:
        national_kinds = set(self.common.get("national_source_kinds") or [])
        national_homes = set(self.common.get("national_source_homepages") or [])
        own = self.spec.get("sources") or []
        by_home = {r["homepage"]: r for r in self.source_rows}
        missing = [h for h in own if h not in by_home]
        if missing:
            raise BuildError(f"curated.yaml ({self.id}) nêu nguồn không có trong sources.csv: {', '.join(missing)}")
        sources = [self._own_source(by_home[h]) for h in own]
        rows = [r for r in self.source_rows if r["kind"] in national_kinds or r["homepage"] in national_homes]
        sources += [self._source(r) for r in rows]
        for query in queries:
            sources.append({
                "id": source_id(f"Google News {query}"),
                "name": f"Google News: {query}",
                "kind": "aggregator",
                "fetch": "gnews",
                "language": "vi",
                "reputation": self.common["reputation_by_kind"]["aggregator"],
                "urls": [self._gnews_url(query)],
                "homepage": self.common["gnews_homepage"],
                "poll_minutes": int(self.common["poll_minutes_by_kind"]["aggregator"]),
                "enabled": True,
                "config": {"query": query},
                "health": {},
                "notes": "Truy vấn Google News sinh từ tên và địa danh của tỉnh (search_queries).",
            })
        return sources

    def build(self) -> dict[str, Any]:
        places = self.places()
        queries = self.search_queries(places)
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "full_name": self.full_name,
            "former_names": self.former_names(),
            "search_queries": queries,
            "matching": {k: self.common[k] for k in ("admin_prefixes", "non_place_prefixes", "person_titles", "common_words", "surnames")},
            "agencies": self.agencies(),
            "events": list(self.spec.get("events") or []),
            "default_sources": self.default_sources(queries),
            "other_provinces": self.other_provinces(),
            "other_districts": self.other_districts(places),
            "places": places,
        }


def _header(province: dict[str, Any], data: AdminData, sources_csv: Path, curated: Path) -> str:
    lines = [
        f"# Hồ sơ {province['full_name']} ({province['id']}) sau sắp xếp đơn vị hành chính 01/07/2025.",
        "# GENERATED FILE, do not edit: change pipeline/core/profiles/curated.yaml (hand-curated parts) and rerun",
        "#   diemtin profiles build   (defaults: --admin ../shared/data/admin --sources ../shared/data/sources.csv)",
        "# Administrative data: dvhcvn/20250701 (MIT licence, github.com/dvhcvn/20250701 commit "
        f"{data.commits.get('github.com/dvhcvn/20250701', 'unknown')}),",
        "#   old district names from the GSO list of 01/03/2025 as given by github.com/daohoangson/dvhcvn "
        f"commit {data.commits.get('github.com/daohoangson/dvhcvn', 'unknown')} (names only).",
        "#   Draft data upstream (built with an LLM, checked by script): spot-check before relying on one row.",
        "# Input files (sha256, first 12 hex digits):",
    ]
    for name in ADMIN_FILES:
        lines.append(f"#   data/admin/{name} {_sha(data.dir / name)}")
    lines.append(f"#   data/sources.csv {_sha(sources_csv)}")
    lines.append(f"#   pipeline/core/profiles/curated.yaml {_sha(curated)}")
    lines.append(f"{GENERATED_MARK}{date.today().isoformat()}")
    return "\n".join(lines) + "\n"


def build_profiles(admin_dir: Path | str = DEFAULT_ADMIN_DIR, sources_csv: Path | str = DEFAULT_SOURCES_CSV,
                   out_dir: Path | str = PROFILE_DIR, curated: Path | str = CURATED_FILE) -> list[Path]:
    """Write one profile file per province of curated.yaml into out_dir; returns the paths written."""
    admin_dir, sources_csv, out_dir, curated = Path(admin_dir), Path(sources_csv), Path(out_dir), Path(curated)
    if not curated.is_file():
        raise BuildError(f"Không tìm thấy tệp biên soạn tay {curated}")
    spec = yaml.safe_load(curated.read_text(encoding="utf-8"))
    data = AdminData(admin_dir)
    source_rows = _read_csv(sources_csv)
    built = [ProvinceBuilder(pid, pspec, spec["common"], data, source_rows).build()
             for pid, pspec in spec["provinces"].items()]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for province in built:
        path = out_dir / f"{province['id']}.yaml"
        body = yaml.safe_dump(province, allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(_header(province, data, sources_csv, curated) + body, encoding="utf-8")
        written.append(path)
    return written
