"""Bus travel times from villages to schools over the road network.

:func:`travel_time_matrix` builds the road graph (:func:`layout_opt.roadgraph.build_road_graph`),
joins villages and schools to it at their nearest road
(:func:`layout_opt.roadgraph.attach_points`), runs the shortest paths from the smaller set
of places (:func:`layout_opt.roadgraph.shortest_minutes`), and returns a
:class:`TravelMatrix` labelled by ids, with ``inf`` (never 0) for pairs beyond the cutoff
(the scenario's longest trip) or unreachable.

Without a road network, :func:`straight_line_matrix` estimates minutes as
``detour factor x distance / speed`` and flags the result as approximate.

Road lines from OpenStreetMap are read by :func:`layout_opt.io.read_osm_roads` (tags to
road classes: :mod:`layout_opt.osm`).  The graph functions are importable from here too.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from .roadgraph import (
    LEGAL_CAP_DEFAULT_KMH,
    LEGAL_CAP_KMH,
    M_PER_MIN_PER_KMH,
    Attachment,
    RoadGraph,
    attach_points,
    build_road_graph,
    edge_speed_kmh,
    shortest_minutes,
)

__all__ = [
    "LEGAL_CAP_DEFAULT_KMH",
    "LEGAL_CAP_KMH",
    "STRAIGHT_LINE_DETOUR",
    "STRAIGHT_LINE_SPEED_KMH",
    "Attachment",
    "DisconnectedNetworkError",
    "RoadGraph",
    "TravelMatrix",
    "attach_points",
    "build_road_graph",
    "edge_speed_kmh",
    "shortest_minutes",
    "straight_line_matrix",
    "travel_time_matrix",
]

logger = logging.getLogger(__name__)

#: Straight-line fallback: circuity of rural roads (network / straight distance) and
#: mean bus speed, km/h.  Scenario defaults; calibrate them on a district's network
#: where one exists (:func:`straight_line_matrix`).
STRAIGHT_LINE_DETOUR = 1.35
STRAIGHT_LINE_SPEED_KMH = 35.0

_FAR_COLUMNS = ["id", "name", "role", "access_m"]
_CUT_COLUMNS = ["id", "name", "role", "component"]


_EMPTY: dict[tuple[str, ...], pd.DataFrame] = {}


def _empty(columns: list[str]) -> pd.DataFrame:
    """An empty frame with these columns (a fresh copy each call)."""
    key = tuple(columns)
    if key not in _EMPTY:
        _EMPTY[key] = pd.DataFrame(
            {c: pd.Series(dtype=object if c in ("id", "name", "role") else float) for c in columns}
        )
    return _EMPTY[key].copy()


class DisconnectedNetworkError(ValueError):
    """Villages or schools sit on road pieces cut off from the main network.

    Attributes
    ----------
    places : pandas.DataFrame
        ``id``, ``name``, ``role`` (``village`` or ``school``) and ``component`` (label of
        the road piece) of every cut-off place.
    """

    def __init__(self, message: str, places: pd.DataFrame):
        super().__init__(message)
        self.places = places


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TravelMatrix:
    """One-way trip minutes from each origin (village) to each destination (school).

    Attributes
    ----------
    minutes : numpy.ndarray
        Shape ``(n_origins, n_destinations)``, minutes; ``inf`` where the trip is longer
        than the cutoff or impossible (never 0 for a missing pair).  Includes the access
        legs at both ends.
    origin_ids, destination_ids : numpy.ndarray
        Ids (text) labelling rows and columns, in the order of the inputs (less the
        places dropped with ``on_disconnected="drop"``).
    cutoff_min : float
        Trips longer than this, minutes, are ``inf``.
    approximate : bool
        True for the straight-line fallback.
    method : str
        ``"network"`` or ``"straight_line"``.
    far_points : pandas.DataFrame
        Origins and destinations farther than the snapping threshold from any road:
        ``id``, ``name``, ``role`` (``village``/``school``), ``access_m`` (metres).
    disconnected : pandas.DataFrame
        Places on road pieces cut off from the main network: ``id``, ``name``, ``role``,
        ``component``.
    origin_access_m, destination_access_m : numpy.ndarray
        Length of each place's access leg to the road, metres (empty for the
        straight-line fallback).
    km : numpy.ndarray or None
        Same shape as ``minutes``: the shortest road distance of each pair, km, with the
        access legs at both ends (the walk from home, the ride of a bus); ``inf`` where
        ``minutes`` is.  For the straight-line fallback, the detoured straight distance.
    """

    minutes: np.ndarray
    origin_ids: np.ndarray
    destination_ids: np.ndarray
    cutoff_min: float
    approximate: bool = False
    method: str = "network"
    far_points: pd.DataFrame = field(default_factory=lambda: _empty(_FAR_COLUMNS))
    disconnected: pd.DataFrame = field(default_factory=lambda: _empty(_CUT_COLUMNS))
    origin_access_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    destination_access_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    km: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_origins, n_destinations)``."""
        return self.minutes.shape  # type: ignore[return-value]

    def to_frame(self) -> pd.DataFrame:
        """Dense labelled frame of minutes: rows ``village_id``, columns ``school_id``."""
        return pd.DataFrame(
            self.minutes,
            index=pd.Index(self.origin_ids, name="village_id"),
            columns=pd.Index(self.destination_ids, name="school_id"),
        )

    def to_long(self) -> pd.DataFrame:
        """Reachable pairs only: ``village_id``, ``school_id``, ``travel_min``."""
        r, c = np.nonzero(np.isfinite(self.minutes))
        return pd.DataFrame(
            {"village_id": self.origin_ids[r], "school_id": self.destination_ids[c], "travel_min": self.minutes[r, c]}
        )

    def to_sparse(self) -> sp.csr_array:
        """Reachable pairs as a sparse array of minutes.

        A pair is reachable exactly when it is *stored*; a stored value may be 0.0 (a
        village at its school), so do not call ``eliminate_zeros`` on the result.
        Rows and columns follow :attr:`origin_ids` and :attr:`destination_ids`.
        """
        r, c = np.nonzero(np.isfinite(self.minutes))
        return sp.csr_array((self.minutes[r, c], (r, c)), shape=self.minutes.shape)

    def subset(self, origin_ids: Iterable | None = None, destination_ids: Iterable | None = None) -> TravelMatrix:
        """The matrix restricted (and ordered) to the given ids.

        Raises
        ------
        KeyError
            Naming the ids that are not in the matrix.
        """
        oi = self._positions(self.origin_ids, origin_ids, "village")
        di = self._positions(self.destination_ids, destination_ids, "school")
        return TravelMatrix(
            minutes=self.minutes[np.ix_(oi, di)],
            origin_ids=self.origin_ids[oi],
            destination_ids=self.destination_ids[di],
            cutoff_min=self.cutoff_min,
            approximate=self.approximate,
            method=self.method,
            far_points=self.far_points,
            disconnected=self.disconnected,
            origin_access_m=self.origin_access_m[oi] if len(self.origin_access_m) else self.origin_access_m,
            destination_access_m=self.destination_access_m[di]
            if len(self.destination_access_m)
            else self.destination_access_m,
            km=None if self.km is None else self.km[np.ix_(oi, di)],
        )

    def nearest(self, destination_ids: Iterable) -> pd.Series:
        """The nearest of ``destination_ids`` from each origin, by minutes.

        The one rule for "the nearest school" wherever the package needs it.  Ties go to
        the destination that comes first in the matrix's column order; ids not in the
        matrix are ignored.

        Parameters
        ----------
        destination_ids : iterable of str
            The candidates (e.g. the open schools that teach a band).

        Returns
        -------
        pandas.Series
            Indexed by origin id (``village_id``), named ``school_id``: the nearest
            candidate within the cutoff, ``None`` where no candidate is reachable.
        """
        wanted = {str(d) for d in destination_ids}
        cols = np.flatnonzero([str(d) in wanted for d in self.destination_ids])
        out = pd.Series(None, index=pd.Index(self.origin_ids, name="village_id"), dtype=object, name="school_id")
        if len(cols) == 0:
            return out
        sub = self.minutes[:, cols]
        sub = np.where(np.isfinite(sub), sub, np.inf)
        best = np.argmin(sub, axis=1)
        ok = np.isfinite(sub.min(axis=1))
        out[ok] = self.destination_ids[cols[best[ok]]]
        return out

    @staticmethod
    def _positions(have: np.ndarray, want: Iterable | None, role: str) -> np.ndarray:
        if want is None:
            return np.arange(len(have))
        want = [str(x) for x in want]
        pos = pd.Index(have).get_indexer(want)
        if (pos < 0).any():
            missing = [w for w, p in zip(want, pos) if p < 0]
            raise KeyError(
                f"{len(missing)} {role} id(s) not in the travel matrix: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
            )
        return pos


# --------------------------------------------------------------------------- the matrix


def _xy(points: gpd.GeoDataFrame) -> np.ndarray:
    geom = np.asarray(points.geometry.array, dtype=object)
    if len(geom) == 0:
        return np.zeros((0, 2))
    if not ((shapely.get_type_id(geom) == 0) & ~shapely.is_empty(geom)).all():
        raise ValueError("origins and destinations must be points (one point each, none missing or empty)")
    return shapely.get_coordinates(geom)


def _aligned(points: gpd.GeoDataFrame, crs: object, role: str) -> gpd.GeoDataFrame:
    """``points`` in the roads' CRS; refuses geographic coordinates."""
    if crs is not None and points.crs is not None and points.crs != crs:
        points = points.to_crs(crs)
    if points.crs is not None and points.crs.is_geographic:
        raise ValueError(f"{role} are in a geographic CRS; project them to the roads' metric CRS")
    return points


def _labels(df: gpd.GeoDataFrame, id_col: str, role: str) -> tuple[np.ndarray, np.ndarray]:
    if id_col not in df.columns:
        raise ValueError(f"{role} table has no {id_col!r} column")
    ids = df[id_col].astype(str).to_numpy()
    dup = pd.Index(ids)[pd.Index(ids).duplicated()].unique()
    if len(dup):
        raise ValueError(f"duplicate {id_col} in the {role} table: {', '.join(map(str, dup[:10]))}")
    names = df["name"].astype(str).to_numpy() if "name" in df.columns else np.full(len(df), "", dtype=object)
    return ids, names


def _far_points(places: pd.DataFrame, access_m: np.ndarray, max_access_m: float) -> pd.DataFrame:
    """The places (``id, name, role``) farther than ``max_access_m`` from any road, logged."""
    far = np.flatnonzero(access_m > max_access_m)
    if len(far) == 0:
        return _empty(_FAR_COLUMNS)
    far_df = places.iloc[far].assign(access_m=np.round(access_m[far], 1)).reset_index(drop=True)[_FAR_COLUMNS]
    logger.warning(
        "%d place(s) are more than %.0f m from any road: %s",
        len(far_df),
        max_access_m,
        "; ".join(f"{r.role} {r.id} {r.name} ({r.access_m:.0f} m)" for r in far_df.itertuples()),
    )
    return far_df


def _cut_off_places(
    places: pd.DataFrame, comp: np.ndarray, on_disconnected: Literal["raise", "warn", "drop"]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The places on road pieces other than the main one (the piece holding most places).

    Returns the table of those places (``id, name, role, component``) and which places
    stay in the matrix; raises :class:`DisconnectedNetworkError` or logs, as
    ``on_disconnected`` says.
    """
    keep = np.ones(len(places), dtype=bool)
    if len(comp) == 0:
        return _empty(_CUT_COLUMNS), keep
    labels, counts = np.unique(comp, return_counts=True)
    cut = np.flatnonzero(comp != labels[np.argmax(counts)])
    if len(cut) == 0:
        return _empty(_CUT_COLUMNS), keep
    cut_df = places.iloc[cut].assign(component=comp[cut]).reset_index(drop=True)[_CUT_COLUMNS]
    listing = "; ".join(f"{r.role} {r.id} {r.name}".rstrip() for r in cut_df.itertuples())
    msg = f"{len(cut)} place(s) are on road pieces cut off from the main network (no road joins them to it; check for a missing bridge or road): {listing}"
    if on_disconnected == "raise":
        raise DisconnectedNetworkError(msg, cut_df)
    if on_disconnected == "drop":
        keep[cut] = False
        msg += "; they are dropped from the travel matrix"
    logger.warning(msg)
    return cut_df, keep


def _door_to_door_minutes(
    graph: RoadGraph,
    origins: tuple[np.ndarray, np.ndarray],
    destinations: tuple[np.ndarray, np.ndarray],
    cutoff_min: float,
    engine: Literal["scipy", "networkx"],
) -> np.ndarray:
    """Origin x destination minutes, access legs included, ``inf`` beyond ``cutoff_min``.

    ``origins`` and ``destinations`` are (node, access minutes) pairs.  Dijkstra runs from
    the smaller side; the graph is undirected.
    """
    (o_node, o_acc), (d_node, d_acc) = origins, destinations
    from_schools = len(d_node) <= len(o_node)
    src, dst = (d_node, o_node) if from_schools else (o_node, d_node)
    src_acc, dst_acc = (d_acc, o_acc) if from_schools else (o_acc, d_acc)
    limit = cutoff_min - float(src_acc.min(initial=0.0)) - float(dst_acc.min(initial=0.0))
    network = shortest_minutes(graph, src, dst, limit_min=max(limit, 0.0) + 1e-9, engine=engine)
    network += src_acc[:, None]
    network += dst_acc[None, :]
    minutes = np.ascontiguousarray(network.T) if from_schools else network
    np.copyto(minutes, np.inf, where=minutes > cutoff_min + 1e-9)
    return minutes


def travel_time_matrix(
    roads: gpd.GeoDataFrame | None,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    origin_id: str = "village_id",
    destination_id: str = "school_id",
    speeds_kmh: Mapping[str, float] | None = None,
    cutoff_min: float = 90.0,
    access: Literal["walk", "drive"] = "walk",
    walk_speed_kmh: float = 4.0,
    access_drive_kmh: float = 20.0,
    max_access_m: float = 1_500.0,
    on_disconnected: Literal["raise", "warn", "drop"] = "raise",
    graph: RoadGraph | None = None,
    snap: Literal["edge", "node"] = "edge",
    engine: Literal["scipy", "networkx"] = "scipy",
) -> TravelMatrix:
    """Village x school one-way bus minutes over the road network.

    Each trip is: access leg from the village to its foot point on the nearest road, the
    fastest bus route over the network, access leg from the school's foot point to the
    school.  Trips longer than ``cutoff_min`` are ``inf``.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame or None
        Road lines, metric CRS (see :func:`build_road_graph`); may be ``None`` when
        ``graph`` is given.
    origins, destinations : geopandas.GeoDataFrame
        Points (villages, schools) with id columns ``origin_id`` / ``destination_id``
        and optionally ``name``; reprojected to the roads' CRS when it differs.
    origin_id, destination_id : str
        Id columns; ids must be unique.
    speeds_kmh : Mapping[str, float], optional
        Bus speed per road class, km/h (capped by the school-bus law).
    cutoff_min : float
        Longest trip of interest, minutes (the scenario's longest limit,
        :attr:`layout_opt.Scenario.longest_trip_min`); longer trips are ``inf``.
    access : {"walk", "drive"}
        How a place reaches its foot point on the road.
    walk_speed_kmh, access_drive_kmh : float
        Speeds of the access leg, km/h (walking 4 km/h by default, the scenario's ``walk_speed_kmh``).
    max_access_m : float
        Places farther than this, metres, from any road are reported in ``far_points``
        (and logged); their trips still count the long access leg.
    on_disconnected : {"raise", "warn", "drop"}
        Places whose road piece is cut off from the main network (the piece holding
        most places): raise :class:`DisconnectedNetworkError`; or log a warning and keep
        them (their trips to the main network are ``inf``); or log a warning and drop
        them from the matrix (ids stay aligned with the rows and columns).
    graph : RoadGraph, optional
        A prebuilt graph to reuse (``roads`` is then ignored).
    snap : {"edge", "node"}
        Join places to the nearest road segment (split at the foot point) or to the
        nearest road vertex; see :func:`attach_points`.
    engine : {"scipy", "networkx"}
        Shortest-path engine; see :func:`shortest_minutes`.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    DisconnectedNetworkError
        When places are on cut-off road pieces and ``on_disconnected == "raise"``; the
        message lists them by id and name.
    ValueError
        On a geographic CRS, duplicate ids, unknown road classes or bad parameters.
    """
    if not cutoff_min > 0:
        raise ValueError(f"cutoff_min must be positive, got {cutoff_min}")
    if on_disconnected not in ("raise", "warn", "drop"):
        raise ValueError(f"on_disconnected must be 'raise', 'warn' or 'drop', got {on_disconnected!r}")
    if access not in ("walk", "drive"):
        raise ValueError(f"access must be 'walk' or 'drive', got {access!r}")
    access_kmh = walk_speed_kmh if access == "walk" else access_drive_kmh
    if not access_kmh > 0:
        raise ValueError(f"access speed must be positive, got {access_kmh} km/h")
    if graph is None:
        if roads is None:
            raise ValueError("give roads or a prebuilt graph")
        graph = build_road_graph(roads, speeds_kmh)
    origins = _aligned(origins, graph.crs, "villages")
    destinations = _aligned(destinations, graph.crs, "schools")
    o_ids, o_names = _labels(origins, origin_id, "village")
    d_ids, d_names = _labels(destinations, destination_id, "school")
    n_o = len(o_ids)
    att = attach_points(graph, np.vstack([_xy(origins), _xy(destinations)]), snap=snap)
    node, access_m = att.node, att.access_m
    access_min = access_m / (access_kmh * M_PER_MIN_PER_KMH)
    ids = np.concatenate([o_ids, d_ids])
    names = np.concatenate([o_names, d_names])
    roles = np.array(["village"] * n_o + ["school"] * len(d_ids), dtype=object)

    places = pd.DataFrame({"id": ids, "name": names, "role": roles})
    far_df = _far_points(places, access_m, max_access_m)
    cut_df, keep = _cut_off_places(places, att.graph.component[node], on_disconnected)
    o_keep, d_keep = np.flatnonzero(keep[:n_o]), n_o + np.flatnonzero(keep[n_o:])

    minutes = _door_to_door_minutes(
        att.graph, (node[o_keep], access_min[o_keep]), (node[d_keep], access_min[d_keep]), cutoff_min, engine
    )
    km = _network_km(att.graph, node[o_keep], node[d_keep], access_m[o_keep], access_m[d_keep])
    np.copyto(km, np.inf, where=~np.isfinite(minutes))
    logger.info(
        "travel matrix %d x %d: %d reachable pairs within %.0f min",
        len(o_keep),
        len(d_keep),
        int(np.isfinite(minutes).sum()),
        cutoff_min,
    )
    return TravelMatrix(
        minutes=minutes,
        origin_ids=o_ids[o_keep],
        destination_ids=d_ids[d_keep - n_o],
        cutoff_min=float(cutoff_min),
        far_points=far_df,
        disconnected=cut_df,
        origin_access_m=access_m[o_keep],
        destination_access_m=access_m[d_keep],
        km=km,
    )


def _network_km(
    graph: RoadGraph, src: np.ndarray, dst: np.ndarray, src_access_m: np.ndarray, dst_access_m: np.ndarray
) -> np.ndarray:
    """Shortest road kilometres from each of ``src`` to each of ``dst`` (graph nodes),
    plus the access legs (metres) at both ends."""
    u, v = graph.edge_u, graph.edge_v
    length_km = np.maximum(graph.edge_length_m, 1e-9) / 1000.0
    n = graph.n_nodes
    matrix = sp.csr_matrix((np.r_[length_km, length_km], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    by_length = dataclasses.replace(graph, matrix=matrix)
    out = shortest_minutes(by_length, src, dst, limit_min=np.inf)
    return out + src_access_m[:, None] / 1000.0 + dst_access_m[None, :] / 1000.0


def straight_line_matrix(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    origin_id: str = "village_id",
    destination_id: str = "school_id",
    speed_kmh: float = STRAIGHT_LINE_SPEED_KMH,
    detour_factor: float = STRAIGHT_LINE_DETOUR,
    cutoff_min: float = 90.0,
) -> TravelMatrix:
    """Approximate minutes as ``detour_factor x straight distance / speed``.

    For users without a road network.  The result is flagged ``approximate=True`` and
    ``method="straight_line"``; it knows nothing of rivers and bridges, so prefer
    :func:`travel_time_matrix` wherever roads exist.

    Parameters
    ----------
    origins, destinations : geopandas.GeoDataFrame
        Points in the same metric CRS, with id columns.
    origin_id, destination_id : str
        Id columns.
    speed_kmh : float
        Mean bus speed, km/h (default :data:`STRAIGHT_LINE_SPEED_KMH`).
    detour_factor : float
        Road distance over straight distance, at least 1 (default
        :data:`STRAIGHT_LINE_DETOUR`).
    cutoff_min : float
        Trips longer than this, minutes, are ``inf``.

    Returns
    -------
    TravelMatrix
    """
    if not speed_kmh > 0:
        raise ValueError(f"speed_kmh must be positive, got {speed_kmh}")
    if not detour_factor >= 1:
        raise ValueError(f"detour_factor must be at least 1, got {detour_factor}")
    for df, role in ((origins, "villages"), (destinations, "schools")):
        if df.crs is not None and df.crs.is_geographic:
            raise ValueError(f"{role} must be in a metric CRS for straight-line distances")
    o_ids, _ = _labels(origins, origin_id, "village")
    d_ids, _ = _labels(destinations, destination_id, "school")
    oxy, dxy = _xy(origins), _xy(destinations)
    dist_m = np.hypot(oxy[:, None, 0] - dxy[None, :, 0], oxy[:, None, 1] - dxy[None, :, 1])
    minutes = detour_factor * dist_m / (speed_kmh * M_PER_MIN_PER_KMH)
    minutes[minutes > cutoff_min] = np.inf
    logger.warning(
        "travel times are straight-line estimates (detour %.2f at %.0f km/h), not network times",
        detour_factor,
        speed_kmh,
    )
    km = np.where(np.isfinite(minutes), detour_factor * dist_m / 1000.0, np.inf)
    return TravelMatrix(minutes, o_ids, d_ids, float(cutoff_min), approximate=True, method="straight_line", km=km)
