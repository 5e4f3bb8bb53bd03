# syntax=docker/dockerfile:1
# schoolbot: the school's e-journal and diary bot. Build: docker build -t schoolbot .
# Run: docker compose up -d (docker-compose.yml: the bot, PostgreSQL 16 and Redis 7), or
#      docker run --env-file .env -v schoolbot-data:/data schoolbot run
# The Python of constraints.txt's pins (pip-compile ran under 3.11); Debian trixie's postgresql-client (17) has the
# pg_dump and pg_restore of the nightly backup (DATA-1), able to dump PostgreSQL 16.

ARG PYTHON_IMAGE=python:3.11-slim-trixie

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/schoolbot
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY ui ./ui
COPY services ./services
COPY migrations ./migrations
COPY locales ./locales
# Exactly the versions the tests passed with; the catalogues travel in the wheel (pyproject.toml).
RUN /opt/schoolbot/bin/pip install -c constraints.txt . \
    && /opt/schoolbot/bin/python -m compileall -q /opt/schoolbot/lib
# The Babel catalogues compiled now, beside their .po files in the image: the container never compiles them
# at start (ui/i18n.py compile_catalogues finds each .mo newer than its .po), and its file system may be read-only.
RUN cd / && /opt/schoolbot/bin/python -c "from ui.i18n import compile_catalogues, translations; \
print(compile_catalogues()); assert translations('ru').gettext('options') != 'options'" \
    && test -n "$(find /opt/schoolbot/lib -path '*/locales/ru/LC_MESSAGES/messages.mo')"

FROM ${PYTHON_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# A user of its own, without a shell or a password: the bot needs no root.
RUN groupadd --system --gid 10001 schoolbot \
    && useradd --system --uid 10001 --gid schoolbot --home-dir /data --shell /usr/sbin/nologin schoolbot \
    && mkdir -p /data/files /backups/primary /backups/secondary \
    && chown -R schoolbot:schoolbot /data /backups
COPY --from=build /opt/schoolbot /opt/schoolbot
ENV PATH=/opt/schoolbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/school.db \
    FILES_DIR=/data/files \
    BACKUP_DIRS='["/backups/primary","/backups/secondary"]' \
    WEBHOOK_HOST=0.0.0.0
USER schoolbot
WORKDIR /data
# The database (SQLite), the kept files (ABS-4) and the two backup copies (DATA-1): outside the container.
VOLUME ["/data", "/backups/primary", "/backups/secondary"]
EXPOSE 8080
ENTRYPOINT ["schoolbot"]
CMD ["run"]
