"""Constants of the synthetic building blocks: coordinate systems, bus speeds, class caps."""

from __future__ import annotations

from ..schema import METRIC_CRS, ROAD_CLASS_SPEED_KMH

__all__ = ["CLASS_CAP_OF_LEVEL", "FILE_CRS", "METRIC_CRS", "ROAD_CLASS_SPEED_KMH"]

#: Geographic CRS of the data files.
FILE_CRS = "EPSG:4326"

#: Pupils per class used to size existing schools' classrooms (policy caps).
CLASS_CAP_OF_LEVEL: dict[str, int] = {"primary": 45, "junior": 50, "senior": 50}
