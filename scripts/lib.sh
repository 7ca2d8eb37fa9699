# Shared set-up for scripts/demo and scripts/test; sourced, not run.
# Creates the virtual environment in .venv (or $MESSENGER_VENV) and installs
# the package with the extras named in $1, skipping pip when nothing changed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MESSENGER_VENV:-$ROOT/.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[1;31m!!! %s\033[0m\n' "$*" >&2; }

find_python() {
    # Django 6 needs Python 3.12 or newer; 3.11 gets Django 5.2 LTS.
    if [ -n "${MESSENGER_PYTHON:-}" ]; then echo "$MESSENGER_PYTHON"; return; fi
    local candidate
    for candidate in python3.13 python3.12 \
        /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 \
        python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    warn "Python 3.11 or newer was not found; set MESSENGER_PYTHON to its path."
    exit 1
}

ensure_venv() {
    local extras="$1"
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python="$(find_python)"
        say "Creating the virtual environment $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    local stamp="$VENV/.installed-$extras"
    local digest
    digest="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
        say "Installing django-crm-messenger[$extras] into $VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e "$ROOT[$extras]"
        echo "$digest" > "$stamp"
    fi
}

postgres_reachable() {
    "$VENV/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys
import psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

redis_reachable() {
    "$VENV/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys
import redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
PY
}
