"""Constants of the synthetic building blocks: coordinate systems, bus speeds, class caps."""

from __future__ import annotations

METRIC_CRS = "EPSG:32649"
#: Geographic CRS of the data files.
FILE_CRS = "EPSG:4326"

#: Default bus speed per road class, km/h.  The school-bus law (校车安全管理条例
#: Art. 35) caps buses at 60 km/h on ordinary roads and 80 km/h on expressways.
ROAD_CLASS_SPEED_KMH: dict[str, float] = {
    "expressway": 80.0,
    "trunk": 50.0,
    "county": 40.0,
    "township": 30.0,
    "village": 20.0,
}

#: Pupils per class used to size existing schools' classrooms (policy caps).
CLASS_CAP_OF_LEVEL: dict[str, int] = {"primary": 45, "junior": 50, "senior": 50}
