"""The operator's cell sites, written as an OpenCelliD export, and which cell serves a spot."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from appliance.demo import scenario as sc
from appliance.demo.clock import DAY_S
from appliance.demo.geometry import LatLon, bearing, distance_m, offset


@dataclass(frozen=True)
class Cell:
    radio: str
    area: int
    cell: int
    unit: int
    lat: float
    lon: float
    range_m: int
    samples: int
    created: int
    updated: int

    @property
    def global_id(self) -> str:
        return f"{sc.MCC}-{sc.MNC:02d}-{self.area}-{self.cell}"

    def row(self) -> str:
        return (
            f"{self.radio},{sc.MCC},{sc.MNC},{self.area},{self.cell},{self.unit},"
            f"{self.lon:.6f},{self.lat:.6f},{self.range_m},{self.samples},1,"
            f"{self.created},{self.updated},0"
        )


@dataclass(frozen=True)
class _Site:
    lat: float
    lon: float
    azimuth: float
    cells: tuple[Cell, ...]


class Network:
    """The operator's cell sites on a jittered grid, and which cell serves a given spot."""

    def __init__(self, rng: random.Random) -> None:
        south, north, west, east, rows, cols = sc.CELL_GRID
        self.south, self.west = south, west
        self.dlat, self.dlon = (north - south) / (rows - 1), (east - west) / (cols - 1)
        self.rows, self.cols = int(rows), int(cols)
        self.grid: list[list[_Site]] = []
        centre = (51.515, -0.10)
        first_seen = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())
        last_seen = int(datetime(2024, 2, 28, tzinfo=UTC).timestamp())
        for r in range(self.rows):
            line = []
            for c in range(self.cols):
                index = r * self.cols + c
                lat = south + (r + rng.uniform(-0.3, 0.3)) * self.dlat
                lon = west + (c + rng.uniform(-0.3, 0.3)) * self.dlon
                radio = rng.choices(("LTE", "UMTS", "GSM"), (0.6, 0.25, 0.15))[0]
                sectors = 3 if radio != "GSM" else rng.randint(1, 3)
                base_area = {"LTE": 21000, "UMTS": 3100, "GSM": 410}[radio]
                area = base_area + (r // 4) * 10 + c // 4
                km = distance_m((lat, lon), centre) / 1000
                azimuth = rng.uniform(0, 120)
                cells = []
                for k in range(sectors):
                    if radio == "LTE":
                        cell_id, unit = (110_000 + index * 7) * 256 + k + 1, rng.randint(0, 503)
                    elif radio == "UMTS":
                        rnc = 3000 + index // 40
                        cell_id, unit = rnc * 65536 + (index % 40) * 10 + k + 1, rng.randint(0, 511)
                    else:
                        cell_id, unit = 20_000 + index * 10 + k + 1, 0
                    pointing = azimuth + k * 360 / sectors
                    clat, clon = offset((lat, lon), pointing, rng.uniform(30, 150))
                    created = rng.randint(first_seen, last_seen - 400 * DAY_S)
                    cells.append(
                        Cell(
                            radio,
                            area,
                            cell_id,
                            unit,
                            clat,
                            clon,
                            max(300, min(2000, int(350 + 170 * km + rng.uniform(-150, 250)))),
                            rng.randint(1, 400),
                            created,
                            rng.randint(created, last_seen),
                        )
                    )
                line.append(_Site(lat, lon, azimuth, tuple(cells)))
            self.grid.append(line)

    @property
    def cells(self) -> list[Cell]:
        return [cell for line in self.grid for site in line for cell in site.cells]

    def serving(self, p: LatLon, rng: random.Random) -> Cell:
        """The nearest site's sector facing ``p``; sometimes the next site (load, terrain)."""
        r = max(0, min(self.rows - 1, round((p[0] - self.south) / self.dlat)))
        c = max(0, min(self.cols - 1, round((p[1] - self.west) / self.dlon)))
        coslat = math.cos(math.radians(p[0]))
        candidates = []
        for rr in range(max(0, r - 2), min(self.rows, r + 3)):
            for cc in range(max(0, c - 2), min(self.cols, c + 3)):
                site = self.grid[rr][cc]
                d2 = (site.lat - p[0]) ** 2 + ((site.lon - p[1]) * coslat) ** 2
                candidates.append((d2, rr, cc))
        candidates.sort()
        _, rr, cc = candidates[1] if rng.random() < 0.15 else candidates[0]
        site = self.grid[rr][cc]
        width = 360 / len(site.cells)
        sector = int(((bearing((site.lat, site.lon), p) - site.azimuth + width / 2) % 360) / width)
        return site.cells[min(sector, len(site.cells) - 1)]
