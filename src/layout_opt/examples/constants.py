"""Constants of the synthetic building blocks: coordinate systems, bus speeds, class caps."""

from __future__ import annotations

from ..scenario import Scenario
from ..schema import METRIC_CRS, ROAD_CLASS_SPEED_KMH

__all__ = ["CLASS_CAP_OF_LEVEL", "FILE_CRS", "METRIC_CRS", "MIXED_CLASS_CAP", "ROAD_CLASS_SPEED_KMH"]

#: Geographic CRS of the data files.
FILE_CRS = "EPSG:4326"

#: Pupils per class used to size existing schools' classrooms (policy caps).
CLASS_CAP_OF_LEVEL: dict[str, int] = {
    "primary": Scenario.class_cap_primary,
    "junior": Scenario.class_cap_junior,
    "senior": Scenario.class_cap_senior,
}

#: Pupils per mixed-grade class of a teaching point: the scenario's own rule.
MIXED_CLASS_CAP: int = Scenario.class_cap_teaching_point
