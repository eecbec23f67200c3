"""The Channel world: crossing points, landing sites, cell kinds, routes and the Mesa grid."""

from __future__ import annotations

import numpy as np
import pytest
from mesa.discrete_space import OrthogonalMooreGrid

from channelsim.geography import (CELL_KM, FR_INSHORE, FR_LAND, FR_WATERS, KINDS, UK_LAND, UK_WATERS,
                                  build_grid, geography)
from channelsim.model import ChannelModel


@pytest.fixture(scope="module")
def geo():
    return geography()


def _neighbours(kind: np.ndarray, i: int, j: int) -> np.ndarray:
    return kind[max(i - 1, 0):i + 2, max(j - 1, 0):j + 2]


def test_nine_named_crossing_points_from_dunkirk_to_berck(geo):
    pts = geo.points
    assert len(pts) == geo.n_points == 9
    assert pts.label.iloc[0] == "Dunkirk/Loon-Plage" and pts.label.iloc[-1] == "Berck"
    assert {"Calais", "Gravelines", "Wimereux", "Boulogne-sur-Mer", "Hardelot"} <= set(pts.label)
    assert pts.name.is_unique
    # ordered north-east to south-west: the position along the NE axis falls point after point
    along_ne = (pts.x + pts.y).to_numpy() / np.sqrt(2)
    assert np.all(np.diff(along_ne) < 0)
    assert pts.coast_km.sum() == pytest.approx(130, abs=5)  # french_coast_patrolled_km


def test_crossing_points_sit_on_french_land_next_to_their_beach(geo):
    for row in geo.points.itertuples():
        i, j = row.cell
        assert geo.kind[i, j] == FR_LAND, row.name
        centre = (np.array(row.cell) + 0.5) * CELL_KM
        assert np.hypot(*(centre - (row.x, row.y))) < 2 * CELL_KM, row.name
        assert np.any(_neighbours(geo.kind, i, j) != FR_LAND), f"{row.name} is inland"


def test_landing_cells_are_on_uk_land_and_dover_exists(geo):
    lands = geo.landings
    assert lands.name.iloc[geo.dover] == "dover"
    for row in lands.itertuples():
        assert geo.kind[row.cell] == UK_LAND, row.name
        centre = (np.array(row.cell) + 0.5) * CELL_KM
        assert np.hypot(*(centre - (row.x, row.y))) < 2 * CELL_KM, row.name


def test_the_grid_has_both_waters_and_an_inshore_band_touching_france(geo):
    kind = geo.kind
    counts = np.bincount(kind.ravel(), minlength=len(KINDS))
    assert all(counts[k] > 0 for k in (FR_LAND, UK_LAND, FR_WATERS, UK_WATERS, FR_INSHORE)), counts
    for i, j in np.argwhere(kind == FR_INSHORE):
        assert np.any(_neighbours(kind, i, j) == FR_LAND), (i, j)
    # no inshore cell touches England, and every French-waters cell next to France is inshore
    for i, j in np.argwhere(kind == FR_WATERS):
        assert not np.any(_neighbours(kind, i, j) == FR_LAND), (i, j)


def test_waters_are_split_by_the_median_line(geo):
    """A cell in UK waters is nearer England, one in French waters nearer France (a margin of one
    cell allows for the cell size)."""
    kind = geo.kind
    ii, jj = np.nonzero((kind == UK_WATERS) | (kind == FR_WATERS))
    centres = np.stack([(ii + 0.5) * CELL_KM, (jj + 0.5) * CELL_KM], axis=-1)

    def distance(coast: np.ndarray) -> np.ndarray:
        fine = np.concatenate([np.linspace(a, b, 20) for a, b in zip(coast[:-1], coast[1:])])
        return np.min(np.linalg.norm(centres[:, None] - fine[None], axis=-1), axis=1)

    margin = distance(geo.fr_coast) - distance(geo.uk_coast)  # > 0: nearer England
    uk = kind[ii, jj] == UK_WATERS
    assert np.all(margin[uk] > -CELL_KM) and np.all(margin[~uk] < CELL_KM)
    assert uk.sum() > 20 and (~uk).sum() > 20


def test_each_route_crosses_the_median_line_part_way(geo):
    assert np.all(geo.median_km > 0)
    assert np.all(geo.median_km < geo.route_km)
    share = geo.median_km / geo.route_km
    assert np.all((share > 0.15) & (share < 0.85)), share
    for k in range(geo.n_points):
        start, end = geo.on_route(k, 0.0), geo.on_route(k, geo.route_km[k])
        np.testing.assert_allclose(start, geo.points[["x", "y"]].iloc[k])
        np.testing.assert_allclose(end, geo.landings[["x", "y"]].iloc[geo.points.landing.iloc[k]])


def test_a_position_on_a_route_is_the_same_asked_alone_or_among_others(geo):
    # one position takes a path without array calls: it must give the same numbers, bit for bit
    km = np.array([-3.0, 0.0, 0.1, 7.25, 19.5, 33.3, 40.0, 58.0, 400.0])
    for k in range(geo.n_points):
        along = geo.on_route(k, km)
        for i, d in enumerate(km):
            np.testing.assert_array_equal(geo.on_route(k, float(d)), along[i])
            np.testing.assert_array_equal(geo.on_route(k, np.float64(d)), along[i])
        np.testing.assert_array_equal(geo.on_route(k, 5), geo.on_route(k, np.array(5.0)))
    assert geo.on_route(0, -3.0).tolist() == geo.on_route(0, 0.0).tolist()  # before the start: the start


def test_calais_to_dover_is_about_forty_km(geo):
    k = int(np.flatnonzero(geo.points.name == "calais")[0])
    assert geo.landings.name.iloc[geo.points.landing.iloc[k]] == "dover"
    assert geo.route_km[k] == pytest.approx(41.0, rel=0.10)
    assert geo.route_km.max() < 100  # the longest crossing (from Berck) is still under 100 km


def test_geography_is_shared_and_read_only(geo):
    assert geography() is geo
    with pytest.raises(ValueError):
        geo.kind[0, 0] = UK_LAND
    with pytest.raises(ValueError):
        geo.route_km[0] = 1.0


def test_build_grid_gives_a_mesa_grid_with_the_kind_layer(geo):
    model = ChannelModel(rng=1)
    grid = build_grid(model)
    assert isinstance(grid, OrthogonalMooreGrid)
    assert grid.dimensions == (geo.width, geo.height)
    np.testing.assert_array_equal(grid.kind.data, geo.kind)
    # each model gets its own grid: changing one does not touch the shared geography
    grid.kind.data[0, 0] = (geo.kind[0, 0] + 1) % len(KINDS)
    np.testing.assert_array_equal(model.grid.kind.data, geo.kind)
    assert model.grid is not ChannelModel(rng=2).grid
    # the crossing points and landing sites are the grid's cells at their coordinates
    assert [c.coordinate for c in model.point_cells] == list(geo.points.cell)
    assert [c.coordinate for c in model.landing_cells] == list(geo.landings.cell)


def test_camps_sit_at_the_mean_of_their_crossing_points():
    geo = geography()
    for k, camp in enumerate(geo.camps):
        mine = geo.points[geo.points.camp == camp]
        assert geo.camp_xy[k] == pytest.approx([mine.x.mean(), mine.y.mean()])
    assert geo.camp_xy.shape == (len(geo.camps), 2)
    with pytest.raises(ValueError):
        geo.camp_xy[0, 0] = 0.0  # shared by every model: read-only
