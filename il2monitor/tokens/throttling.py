"""Per-token throttling: a fixed window counter per token in the ``throttle`` cache (Redis when
``REDIS_URL`` is set, so every web worker counts together)."""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from il2monitor.tokens.models import ApiToken

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/min' → (600, 60)."""
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


class ApiTokenRateThrottle(BaseThrottle):
    """At most ``DEFAULT_THROTTLE_RATES['api_token']`` requests per token per window; a 429
    with ``Retry-After`` beyond it. Sessions (the ward's own pages) are not throttled.

    A counter rather than DRF's list of timestamps: one atomic INCR per request, which stays
    correct with several workers. If the cache is unreachable the request is allowed (and
    logged): an integration must not lose clinical reads because Redis blinked."""

    scope = "api_token"
    timer: Callable[[], float] = time.time

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if not rate:
            return True
        # str(): the stubs type the rates as numbers; DRF's are strings, "600/min".
        limit, period = parse_rate(str(rate))
        now = self.timer()
        window = int(now // period)
        key = f"throttle:{self.scope}:{token.pk}:{period}:{window}"
        cache = caches["throttle"]
        try:
            cache.add(key, 0, timeout=period + 1)
            count = cache.incr(key)
        except Exception:  # the cache is down: fail open, loudly
            logger.warning("token throttle cache unavailable; request allowed", exc_info=True)
            return True
        if count <= limit:
            return True
        self.retry_after = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self.retry_after
