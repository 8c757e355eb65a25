"""qingpu-layout: the FastAPI application and its command line (thin wiring over gis/ and layers/)."""
