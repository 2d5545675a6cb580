"""Container healthcheck: ``python -m il2monitor.healthcheck`` exits 0 when /healthz/ answers.

Sends the first ALLOWED_HOSTS name as Host (Django refuses unknown hosts) and marks the request
as HTTPS (production redirects plain HTTP).
"""

import os
import sys
import urllib.request


def main() -> int:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    if host in ("", "*"):
        host = "localhost"
    request = urllib.request.Request(
        "http://127.0.0.1:8000/healthz/", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
