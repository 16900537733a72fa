# syntax=docker/dockerfile:1
# civicdesk: one image for every process (`civicdesk api`, `worker`, `bot`, `db upgrade`).
#
#   docker build -t civicdesk .
#
# Stage 1 builds the virtual environment and compiles the translations; stage 2 is a slim
# runtime with only the environment and the application, running as an unprivileged user and
# needing no network at run time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
# A current pip: an older one (as in a distribution's Python) can backtrack for an hour.
RUN python -m venv /opt/venv && pip install --upgrade pip
WORKDIR /app
# The dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
# Then the application. The code finds its data (locales/, intents/, migrations/, alembic.ini)
# next to its packages, so the source tree stays whole in /app and is installed in place; the
# install gives the `civicdesk` command.
COPY . .
RUN pip install --no-deps --editable . \
    && python -m babel.messages.frontend compile -d locales -D messages --statistics \
    && python -m compileall -q core api bot cli worker migrations \
    && rm -rf civicdesk.egg-info build

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    CIVICDESK_DATA_DIR=/var/lib/civicdesk \
    CIVICDESK_HTTP_HOST=0.0.0.0 \
    CIVICDESK_HTTP_PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/run/civicdesk-metrics
RUN groupadd --system --gid 10001 civicdesk \
    && useradd --system --uid 10001 --gid civicdesk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin civicdesk \
    && mkdir -p /var/lib/civicdesk /run/civicdesk-metrics \
    && chown civicdesk:civicdesk /var/lib/civicdesk /run/civicdesk-metrics
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER civicdesk:civicdesk
EXPOSE 8000
# curl is not in the slim image: Python's urllib asks /healthz (the web app; the compose file
# turns this check off for the worker and the bot, which serve no HTTP).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('CIVICDESK_HTTP_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]
CMD ["civicdesk", "api"]
