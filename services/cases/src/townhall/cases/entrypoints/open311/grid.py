"""British National Grid (OSGB36, EPSG:27700) to WGS84 latitude and longitude.

FixMyStreet sends ``attribute[easting]``/``attribute[northing]`` and, for a report whose
reporter set no pin on its map (``address_id=#NOTPINPOINTED#``), no ``lat``/``long``:
the grid reference is then the only place the report has. PROJ's transformation
without the OSTN15 grid file is good to a few metres, enough to find a fly-tip.
"""

from __future__ import annotations

from functools import cache

from pyproj import Transformer


@cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def latitude_longitude(easting: float, northing: float) -> tuple[float, float]:
    """The WGS84 (latitude, longitude) of a grid reference in metres, to 6 places."""
    longitude, latitude = _to_wgs84().transform(easting, northing)
    return round(latitude, 6), round(longitude, 6)
