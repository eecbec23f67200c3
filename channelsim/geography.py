"""The Channel world: crossing points, landing sites, coastlines and the Mesa grid laid over them.

All geography is data, in ``channelsim/data/*.csv``; this module only reads it once, projects it
onto a flat km plane (equirectangular, accurate to about 1% over the Dover Strait), and builds:

* :class:`Geography`: immutable, shared by every model: crossing points, landing sites, the
  waterways taxi boats are launched from (each crossing point names the one that serves it), cell
  kinds (French land, UK land, French waters, UK waters, the French inshore band), each
  crossing point's route to England and how far along it the median line lies;
* :func:`build_grid`: a fresh ``mesa.discrete_space.OrthogonalMooreGrid`` for one model, whose
  cells carry ``kind`` and the crossing point or landing site they hold.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
from matplotlib.path import Path as _Polygon
from mesa.discrete_space import OrthogonalMooreGrid

__all__ = ["Geography", "geography", "build_grid", "link_waterways", "GeographyError", "CELL_KM", "KINDS"]

CELL_KM = 4.0  #: side of one grid cell, km
LAT0, LON0, LAT1, LON1 = 50.15, 0.70, 51.30, 2.46  #: the area covered (degrees)
KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LON = 111.32 * np.cos(np.radians((LAT0 + LAT1) / 2))

#: Cell kinds, as stored in the grid's ``kind`` property layer.
KINDS = ("fr_land", "uk_land", "fr_waters", "uk_waters", "fr_inshore")
FR_LAND, UK_LAND, FR_WATERS, UK_WATERS, FR_INSHORE = range(5)


class GeographyError(ValueError):
    """The geography data are inconsistent (a name used but not defined)."""


def _read(name: str) -> pd.DataFrame:
    with resources.files("channelsim.data").joinpath(name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#")


def project(lat, lon) -> np.ndarray:
    """(lat, lon) in degrees to (x, y) in km east and north of the area's south-west corner."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    return np.stack([(lon - LON0) * KM_PER_DEG_LON, (lat - LAT0) * KM_PER_DEG_LAT], axis=-1)


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Shortest distance (km) from each of ``points`` (n, 2) to the polyline ``line`` (m, 2)."""
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.einsum("nmk,mk->nm", points[:, None, :] - a[None], ab) / np.einsum("mk,mk->m", ab, ab)
    t = np.clip(t, 0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    return np.min(np.linalg.norm(points[:, None, :] - nearest, axis=-1), axis=1)


@dataclass(frozen=True, eq=False)
class Geography:
    """Static geography shared by all models (read-only arrays)."""

    points: pd.DataFrame  #: crossing points: name, label, camp, coast_km, x, y, cell, route data
    landings: pd.DataFrame  #: UK landing sites: name, label, x, y, cell
    camps: tuple[str, ...]  #: camp names, in order of first appearance
    camp_inflow_share: np.ndarray  #: share of new arrivals going to each camp
    point_camp: np.ndarray  #: camp index of each crossing point
    kind: np.ndarray  #: (width, height) cell kinds, indices into KINDS
    fr_coast: np.ndarray  #: French coastline (m, 2) in km
    uk_coast: np.ndarray  #: English coastline (m, 2) in km
    route_km: np.ndarray  #: each point's route length to its landing site, km
    median_km: np.ndarray  #: distance along the route to the median line (UK waters), km
    dover: int  #: index of Dover among the landing sites
    #: waterways taxi boats are launched from: name, label, source, x, y, cell (the French
    #: inshore cell at the mouth); ``points.waterway_index`` is the one serving each point (-1:
    #: none) and ``points.taxi_km`` the run along the coast from its mouth to the point's beach
    waterways: pd.DataFrame | None = None

    @property
    def width(self) -> int:
        """Cells from west to east (each :data:`CELL_KM` km wide)."""
        return self.kind.shape[0]

    @property
    def height(self) -> int:
        """Cells from south to north (each :data:`CELL_KM` km high)."""
        return self.kind.shape[1]

    @functools.cached_property
    def n_points(self) -> int:
        """Number of crossing points on the French coast (rows of :attr:`points`)."""
        return len(self.points)

    def cell_of(self, xy) -> tuple[int, int]:
        """The grid coordinate holding the km position ``xy``."""
        i = int(min(max(xy[0] // CELL_KM, 0), self.width - 1))
        j = int(min(max(xy[1] // CELL_KM, 0), self.height - 1))
        return i, j

    @functools.cached_property
    def camp_xy(self) -> np.ndarray:
        """Position (x, y) in km of each camp (rows in the order of :attr:`camps`): the mean
        of its crossing points' positions (read-only)."""
        xy = self.points.groupby("camp")[["x", "y"]].mean().loc[list(self.camps)].to_numpy()
        xy.flags.writeable = False
        return xy

    @functools.cached_property
    def _routes(self) -> tuple[np.ndarray, np.ndarray]:
        start = self.points[["x", "y"]].to_numpy(float)
        end = self.landings[["x", "y"]].to_numpy(float)[self.points.landing.to_numpy()]
        return start, end

    def on_route(self, point: int, km: np.ndarray | float) -> np.ndarray:
        """Position (x, y) in km after ``km`` along crossing point ``point``'s route."""
        start, end = self._routes
        if isinstance(km, (float, int)):  # one position: the same sums without array calls
            frac = min(max(float(km) / float(self.route_km[point]), 0.0), 1.0)
            return start[point] + frac * (end[point] - start[point])
        frac = np.clip(np.asarray(km, float) / self.route_km[point], 0.0, 1.0)
        return start[point] + frac[..., None] * (end[point] - start[point])


@functools.cache
def geography() -> Geography:
    """The Channel's geography, read from ``channelsim/data`` once per process.

    Returns:
        The same immutable :class:`Geography` on every call (positions in km on the projected
        plane, routes and distances in km).

    >>> from channelsim.geography import geography
    >>> geo = geography()
    >>> geo.n_points == len(geo.points), geo.width * 4.0 >= 100   # the grid spans > 100 km
    (True, True)
    """
    pts = _read("crossing_points.csv")
    lands = _read("landing_sites.csv")
    coast = _read("coastlines.csv")
    fr = project(coast.loc[coast.coast == "fr", "lat"], coast.loc[coast.coast == "fr", "lon"])
    uk = project(coast.loc[coast.coast == "uk", "lat"], coast.loc[coast.coast == "uk", "lon"])
    x1, y1 = project(LAT1, LON1)
    width, height = int(np.ceil(x1 / CELL_KM)), int(np.ceil(y1 / CELL_KM))

    kind = _cell_kinds(fr, uk, x1, width, height)

    pts = pts.copy()
    pts[["x", "y"]] = project(pts.lat, pts.lon)
    lands = lands.copy()
    lands[["x", "y"]] = project(lands.lat, lands.lon)
    lxy, pxy = lands[["x", "y"]].to_numpy(), pts[["x", "y"]].to_numpy()
    route_km, median_km = _routes(pts, lxy, pxy, fr, uk)

    ways = _read("waterways.csv")
    wxy = _link_taxi_boats(pts, pxy, ways)

    camps = tuple(dict.fromkeys(pts.camp))
    point_camp = np.array([camps.index(c) for c in pts.camp])
    camp_table = _read("camps.csv").set_index("name")
    share = camp_table.loc[list(camps), "inflow_share"].to_numpy(float)
    geo = Geography(pts, lands, camps, share / share.sum(), point_camp, kind, fr, uk, route_km, median_km,
                    dover=int(np.flatnonzero(lands.name == "dover")[0]), waterways=ways)
    pts["cell"] = [_nearest_kind(geo, xy, FR_LAND) for xy in pxy]
    lands["cell"] = [_nearest_kind(geo, xy, UK_LAND) for xy in lxy]
    ways["cell"] = [_nearest_kind(geo, xy, FR_INSHORE) for xy in wxy]
    for arr in (kind, route_km, median_km, point_camp, fr, uk, geo.camp_inflow_share):
        arr.setflags(write=False)
    return geo


def _cell_kinds(fr: np.ndarray, uk: np.ndarray, x1: float, width: int, height: int) -> np.ndarray:
    """The kind of each grid cell (land, French or UK waters, the French inshore band)."""
    # Land polygons: each coastline closed through the corner on its land side.
    fr_poly = _Polygon(np.vstack([fr, [[x1 + 10, -10], [x1 + 10, fr[0, 1]]]]))
    uk_poly = _Polygon(np.vstack([uk, [[-10, uk[-1, 1] + 10], [-10, uk[0, 1]]]]))
    ii, jj = np.meshgrid(np.arange(width), np.arange(height), indexing="ij")
    centres = np.stack([(ii + 0.5) * CELL_KM, (jj + 0.5) * CELL_KM], axis=-1).reshape(-1, 2)
    d_fr = _distance_to_polyline(centres, fr)
    d_uk = _distance_to_polyline(centres, uk)
    kind = np.where(d_uk < d_fr, UK_WATERS, FR_WATERS)
    kind[fr_poly.contains_points(centres)] = FR_LAND
    kind[uk_poly.contains_points(centres)] = UK_LAND
    kind = kind.reshape(width, height)
    # The French inshore band: French waters touching French land (the 300 m band of
    # french_sea_intervention_limit_m lies inside these cells).
    land = kind == FR_LAND
    padded = np.pad(land, 1)
    near = np.zeros_like(land)
    for di in (0, 1, 2):
        for dj in (0, 1, 2):
            near |= padded[di:di + width, dj:dj + height]
    kind[(kind == FR_WATERS) & near] = FR_INSHORE
    return kind


def _routes(pts: pd.DataFrame, lxy: np.ndarray, pxy: np.ndarray, fr: np.ndarray,
            uk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each crossing point's nearest landing site (set as ``pts.landing``), the route's length
    and the distance along it to the median line (km)."""
    dist = np.linalg.norm(pxy[:, None] - lxy[None], axis=-1)
    pts["landing"] = dist.argmin(axis=1)
    route_km = dist.min(axis=1)
    # Where each route crosses the median line: first sample closer to England than France.
    fracs = np.linspace(0, 1, 401)
    median_km = np.empty(len(pts))
    for k in range(len(pts)):
        path = pxy[k] + fracs[:, None] * (lxy[pts.landing[k]] - pxy[k])
        uk_side = _distance_to_polyline(path, uk) < _distance_to_polyline(path, fr)
        median_km[k] = fracs[np.argmax(uk_side)] * route_km[k]
    pts["route_km"], pts["median_km"] = route_km, median_km
    return route_km, median_km


def _link_taxi_boats(pts: pd.DataFrame, pxy: np.ndarray, ways: pd.DataFrame) -> np.ndarray:
    """Place the waterways, link each crossing point to the one that serves it
    (``pts.waterway_index``, -1 for none) and its distance by water (``pts.taxi_km``, km);
    returns the waterways' positions."""
    ways[["x", "y"]] = project(ways.lat, ways.lon)
    pts["waterway_index"] = link_waterways(pts, ways)
    wxy = ways[["x", "y"]].to_numpy(float)
    has_way = pts.waterway_index.to_numpy() >= 0
    pts["taxi_km"] = np.where(has_way, np.linalg.norm(
        pxy - wxy[np.maximum(pts.waterway_index.to_numpy(), 0)], axis=1), np.nan)
    return wxy


def link_waterways(points: pd.DataFrame, waterways: pd.DataFrame) -> np.ndarray:
    """Index in ``waterways`` of the waterway named in each crossing point's ``waterway`` column
    (-1 where it is empty: no taxi boat reaches that point). A point that names a waterway the
    table does not hold, or a table without the column, is refused by name."""
    if "waterway" not in points:
        raise GeographyError("crossing_points.csv: no column 'waterway': expected the waterway "
                             "(waterways.csv) serving each crossing point, or an empty value")
    if not waterways.name.is_unique:
        raise GeographyError(f"waterways.csv: waterway names repeat: {sorted(waterways.name[waterways.name.duplicated()])}")
    index = {name: i for i, name in enumerate(waterways.name)}
    out = np.full(len(points), -1, dtype=int)
    for k, (point, way) in enumerate(zip(points.name, points.waterway)):
        if isinstance(way, float) and np.isnan(way) or way == "":
            continue
        if way not in index:
            raise GeographyError(f"crossing point {point!r}: waterway {way!r} is not in waterways.csv: "
                                 f"expected one of {', '.join(index)} or an empty value")
        out[k] = index[way]
    return out


def _nearest_kind(geo: Geography, xy, want: int) -> tuple[int, int]:
    """The cell of kind ``want`` nearest to the km position ``xy`` (a crossing point on land)."""
    cand = np.argwhere(geo.kind == want)
    centres = (cand + 0.5) * CELL_KM
    return tuple(int(v) for v in cand[np.argmin(np.linalg.norm(centres - xy, axis=1))])


def build_grid(model) -> OrthogonalMooreGrid:
    """A Mesa grid for ``model`` with the geography as a ``kind`` property layer.

    ``kind`` holds indices into :data:`KINDS`; the cells of crossing points and landing sites
    are ``grid[geography().points.cell[k]]`` and ``grid[geography().landings.cell[k]]``.
    """
    geo = geography()
    grid = OrthogonalMooreGrid((geo.width, geo.height), torus=False, random=model.random)
    grid.create_property_layer("kind", default_value=0, dtype=int)
    grid.kind.data[:] = geo.kind
    return grid
