"""Configuration from the environment (or a .env file in the checkout)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", extra="ignore")

    # A PostGIS database; when unset the project runs its own cluster under var/pg.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    # A streaming replica (hot standby) of that database for reads; see app.core.db.reader.
    database_read_url: str | None = Field(default=None, validation_alias="DATABASE_READ_URL")
    home: Path = Field(default=PROJECT_ROOT, validation_alias="QINGPU_HOME")
    local_pg_port: int = Field(default=54329, validation_alias="QINGPU_PG_PORT")
    # Signing key for bearer tokens; when unset, the database's own key (table signing_key) is used.
    secret_key: str | None = Field(default=None, validation_alias="QINGPU_SECRET_KEY")
    token_minutes: int = Field(default=8 * 60, validation_alias="QINGPU_TOKEN_MINUTES")
    # Basemap for the maps: none (default, works offline), osm, tianditu (needs a key), or local: the
    # folder of {z}/{x}/{y} tiles or the .mbtiles file in QINGPU_BASEMAP_TILES, served by the app.
    basemap: str = Field(default="none", validation_alias="QINGPU_BASEMAP")
    tianditu_key: str | None = Field(default=None, validation_alias="QINGPU_TIANDITU_KEY")
    basemap_tiles: str | None = Field(default=None, validation_alias="QINGPU_BASEMAP_TILES")
    basemap_attribution: str | None = Field(default=None, validation_alias="QINGPU_BASEMAP_ATTRIBUTION")
    max_items_limit: int = Field(default=10000, validation_alias="QINGPU_MAX_LIMIT")
    # CORS: origins answered with credentials (comma-separated), and whether any other origin may read.
    cors_origins: str = Field(default="", validation_alias="QINGPU_CORS_ORIGINS")
    cors_any_origin: bool = Field(default=True, validation_alias="QINGPU_CORS_ANY_ORIGIN")
    # Largest request body accepted (zone writes, JSON, forms); multipart uploads have their own limit.
    max_body_bytes: int = Field(default=10 * 2**20, validation_alias="QINGPU_MAX_BODY_BYTES")
    # Investor briefs: the contact block (lines separated by "|"), and the district's 标准地 indicators as JSON,
    # per plan industry or "*" for all: {"*": {"tax_wan_per_mu": 50, "energy_tce_per_wan": 0.1, "far_min": 1.2,
    # "investment_wan_per_mu": 700}}; an indicator not given is shown as "not set".
    brief_contact: str = Field(default="青浦区投资促进服务中心 Qingpu District Investment Promotion Service Center",
                               validation_alias="QINGPU_BRIEF_CONTACT")
    standard_land: dict[str, dict[str, float]] = Field(default_factory=dict, validation_alias="QINGPU_STANDARD_LAND")
    # How long a brief's share link stays valid unless its author says otherwise, and at most.
    share_days: int = Field(default=30, validation_alias="QINGPU_SHARE_DAYS")

    @property
    def var_dir(self) -> Path:
        return self.home / "var"

    @property
    def cors_origin_list(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())

    def with_database(self, url: str) -> "Settings":
        """A copy naming a database explicitly (e.g. the project's own cluster, once started)."""
        return self.model_copy(update={"database_url": url})


def normalize_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_settings() -> Settings:
    """Settings from the environment and .env, read afresh (the caller keeps them)."""
    return Settings()
