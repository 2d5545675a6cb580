# IL-2 Monitor: one image for the web server, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=il2monitor.settings.production

RUN groupadd --system il2 && useradd --system --gid il2 --home /app il2
WORKDIR /app

# Dependencies first, from the hashed lock: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY il2monitor ./il2monitor
COPY patients ./patients
COPY therapy ./therapy
RUN pip install --no-deps --no-build-isolation .
COPY manage.py ./
COPY templates ./templates
COPY static ./static

# collectstatic needs settings that import; these values exist only for this build step.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000000 \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R il2:il2 /app/var

USER il2
EXPOSE 8000
CMD ["gunicorn", "il2monitor.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
