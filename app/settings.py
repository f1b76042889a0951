"""Settings read from the environment (and .env), lazily, once per process."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gis.crs import vn2000_projected


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # The service's login: a plain role with hg_app's privileges (migration 0005), never the owner.
    database_url: str = "postgresql+psycopg2://hg_app@127.0.0.1:5433/hgtelecom"
    # The owner's login, for what creates or replaces the schema: `migrate`, `backup`, `restore`.
    # Empty: DATABASE_URL's (one login for everything).
    database_owner_url: str = ""

    @property
    def owner_url(self) -> str:
        return self.database_owner_url or self.database_url

    # The region's clock (an IANA zone): its days, quarters and "today", in Python (app/services/clock.py)
    # and in every database session the project opens (app/db.py: CURRENT_DATE, timestamptz::date).
    timezone: str = "Asia/Ho_Chi_Minh"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"TIMEZONE: {value!r} is not an IANA time zone (e.g. Asia/Ho_Chi_Minh)") from exc
        return value

    # The VN-2000 projection bare easting/northing are read in ("EPSG:9209", gis.crs.VN2000_PROJECTED).
    # Empty: the region's own (its top-level units' vn2000_crs, from their data); neither: the CRS must be named.
    vn2000_crs: str = ""

    @field_validator("vn2000_crs")
    @classmethod
    def _vn2000_projection(cls, value: str) -> str:
        return vn2000_projected(value) if value.strip() else ""

    sample_data_dir: str = "data/hamlets"
    frontend_dir: str = "frontend"
    tile_max_zoom: int = 22
    tile_cache_seconds: int = 60  # browsers' max-age; the ETag then revalidates
    # Each process's server-side tile cache (app/services/tile_cache.py), in bytes; 0 turns it off.
    tile_cache_bytes: int = 64 * 1024 * 1024
    db_pool_size: int = 10
    coverage_cell_m: float = 50.0
    coverage_crs: str = "EPSG:32648"  # or a VN-2000 projection, e.g. the region's TM-3 zone
    # Model thresholds (defaults and their sources: gis/coverage.py CoverageParams and the model card).
    coverage_reliability: float = 0.90
    coverage_shadow_sigma_db: float = 8.0
    coverage_outdoor_threshold_dbm: float = -105.0
    coverage_indoor_threshold_dbm: float = -95.0
    mbb_covered_share: float = 0.95
    ftth_covered_share: float = 0.80
    # Accounts (app/services/accounts.py).
    session_hours: float = 12.0
    api_token_days: int = 90
    cookie_secure: bool | None = None  # None: Secure when the request came over https
    login_max_failures_per_user: int = 5
    login_max_failures_per_ip: int = 20
    login_window_minutes: int = 15
    password_min_strength: int = 3  # zxcvbn's score, 0 (guessed at once) to 4
    # Defence in depth (app/middleware.py). Proxies whose X-Forwarded-For/-Proto are believed: comma-
    # separated IPs or CIDRs, none by default (the client is then the socket peer, whatever it sends).
    trusted_proxies: str = ""
    max_json_bytes: int = 1024 * 1024  # any request body but an upload
    max_upload_bytes: int = 50 * 1024 * 1024  # a file upload's whole body (the importers' own ceiling)
    admin_username: str = "admin"
    admin_password: str | None = None  # `make run` creates the first admin with it (or prints one)
    # Registration (app/services/registration.py): distances in metres.
    min_site_spacing_m: float = 30.0
    share_radius_rural_m: float = 500.0
    share_radius_urban_m: float = 200.0
    # Public challenges (app/services/challenges.py): the operator's deadline (the FCC's 60 days), reports
    # per client address per window, the proof of work's difficulty, the attachment's ceiling.
    challenge_deadline_days: int = 60
    challenge_max_per_ip: int = 5
    challenge_window_minutes: int = 60
    challenge_proof_bits: int = 16
    challenge_max_attachment_bytes: int = 5 * 1024 * 1024
    coverage_worker: bool = True  # recompute what edits touched, in the background
    coverage_poll_seconds: float = 2.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
