"""Cameras: the resident and business camera registry, the operations map's incidents with
their nearest cameras, footage requests to owners and the evidence they upload."""
