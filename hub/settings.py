"""The hub's settings: `HUB_*` environment variables read once by pydantic-settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "porto-alegre"


class Settings(BaseSettings):
    """Everything the hub reads from its environment (`HUB_` prefix, e.g. `HUB_PORT=9000`).

    Paths given relative are taken from the current directory; the defaults are anchored at
    the repository root so that `hub` works from anywhere in a checkout.
    """

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default=REPO_ROOT.parent / "shared" / "data",
        description="Root of the data files; region files give their paths relative to it.",
    )
    cache_dir: Path = Field(
        default=REPO_ROOT / ".cache" / "networks",
        description="Where built networks are kept, one folder per region.",
    )
    regions_dir: Path = Field(
        default=REPO_ROOT / "config" / "regions",
        description="Where region files (`<name>.toml`) are looked up.",
    )
    region: str = Field(default=DEFAULT_REGION, description="Region used when none is named.")
    network_dir: Path | None = Field(
        default=None, description="Serve this built network instead of the region's cached one."
    )
    now: AwareDatetime | Literal["real"] | None = Field(
        default=None,
        description=(
            "Fixes the clock (ISO 8601 with an offset); 'real' forces the system clock even "
            "when the region has a demo date."
        ),
    )
    redis_url: str | None = Field(default=None, description="Unset: in-memory bus and state.")
    redis_prefix: str = Field(default="hub:", description="Prefix of every Redis key the hub uses.")
    realtime_max_age_s: float = Field(
        default=300.0, gt=0, description="Realtime older than this is dropped (and said stale)."
    )
    realtime_poll_s: float = Field(default=30.0, gt=0, description="Period of realtime polls.")
    realtime_deadline_s: float = Field(default=10.0, gt=0, description="Total time of one poll.")
    realtime_max_mb: float = Field(default=16.0, gt=0, description="Largest realtime body read.")
    commute_delay_min: int = Field(
        default=5,
        ge=1,
        le=120,
        description=(
            "A commute is told when a trip it rides leaves its boarding stop or reaches its "
            "alighting stop this many minutes late (and again at 10, 15, 20, 30... minutes)."
        ),
    )
    operator_tokens: dict[str, str] = Field(
        default_factory=dict,
        description="Per-feed tokens allowed to post manual alerts (JSON: {feed: token}).",
    )
    subscription_max_days: int = Field(default=90, ge=1, description="Longest expiry granted.")
    webhook_allow_private: bool = Field(
        default=False, description="Allow webhook URLs on loopback/private ranges (tests only)."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    reload_check_s: float = Field(
        default=60.0,
        ge=0,
        description="Period of the served network's freshness check; 0 disables it.",
    )
    fetch_timeout_s: float = Field(default=120.0, gt=0)
    fetch_max_mb: float = Field(default=512.0, gt=0)
    api_rate_per_min: float = Field(
        default=600.0,
        ge=0,
        description="Requests a minute per API key (X-API-Key) or client IP; 0: no limit.",
    )
    api_rate_burst: int = Field(default=120, ge=1, description="Requests allowed in one burst.")
    api_keys: str = Field(
        default="",
        description=(
            "Comma-separated API keys given their own rate-limit bucket (X-API-Key); any other "
            "key spends from its client's IP bucket, so inventing keys does not lift the limit."
        ),
    )
    plan_threads: int = Field(
        default=2, ge=1, le=64, description="Threads running the router (numba kernels, nogil)."
    )
    plan_queue: int = Field(
        default=4,
        ge=1,
        description=(
            "Plans running or waiting; beyond it /plan answers 503 at once, so that accepted "
            "plans keep their latency (two per router thread: the same throughput as a longer "
            "queue, half the p99 in benchmarks/api_load.py)."
        ),
    )
    request_deadline_s: float = Field(
        default=10.0, gt=0, description="Longest time a request may take before a 503."
    )
    employers_dir: Path = Field(
        default=REPO_ROOT / "config" / "employers",
        description="Where employer files (`<id>.toml`) for the widget are read.",
    )
    widget_secret: SecretStr | None = Field(
        default=None,
        min_length=16,
        description=(
            "HMAC key of the widget tokens; unset: a random key kept in `cache_dir` "
            "(shared by the workers of one machine)."
        ),
    )
    tiles_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Map tiles URL template of the planner page ({z}/{x}/{y}).",
    )
    tiles_attribution: str = Field(
        default="© OpenStreetMap contributors", description="Credit shown under the map tiles."
    )
    log_format: Literal["kv", "json"] = "kv"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    gc_freeze: bool = Field(
        default=True,
        description=(
            "`hub serve` freezes the objects alive once started, and after each network swap, "
            "out of the cyclic garbage collector's reach (gc.freeze; see hub.heap)."
        ),
    )

    @field_validator("now", "redis_url", "widget_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `HUB_NOW=` (set but empty) is how shells unset things in .env files.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def fixed_now(self) -> dt.datetime | None:
        """The datetime `HUB_NOW` fixes, or None (unset or 'real')."""
        return self.now if isinstance(self.now, dt.datetime) else None

    def region_cache_dir(self, region: str) -> Path:
        """The folder holding the built network of `region`."""
        return self.cache_dir / region

    def pidfile(self) -> Path:
        """Where `hub serve` records its pid, so that `hub reload` can signal it."""
        return self.cache_dir / f"serve-{self.port}.pid"
