#!/bin/sh
# The image's entry point; works the same when run straight from a checkout:
#   docker/entrypoint.sh web | worker | migrate | backup [args] | restore ARCHIVE [--force]
#                        | manage COMMAND [args] | check | any other command (exec'd)
# APP_DIR (default: the folder above this script) is the repository; PYTHON (default:
# python on PATH) runs manage.py and gunicorn. Every setting comes from the environment
# (see .env.example); only the variables below are read here.
set -eu

APP_DIR="${APP_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
PYTHON="${PYTHON:-python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-ecabinet.settings.production}"
cd "$APP_DIR"

manage() {
  "$PYTHON" "$APP_DIR/manage.py" "$@"
}

command="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$command" in
  web)
    # MIGRATE_ON_START=true for a single-machine stack without the migrate service;
    # with several web containers leave it false and run `migrate` once.
    if [ "${MIGRATE_ON_START:-false}" = "true" ]; then
      manage migrate --noinput
    fi
    exec "$PYTHON" -m gunicorn --config "$APP_DIR/docker/gunicorn.conf.py" \
      --chdir "$APP_DIR" --pythonpath "$APP_DIR,$APP_DIR/site" ecabinet.wsgi "$@"
    ;;
  worker)
    exec "$PYTHON" "$APP_DIR/manage.py" qcluster "$@"
    ;;
  migrate)
    manage migrate --noinput "$@"
    # The search index follows the schema: (re)create what is missing.
    if [ "${UPDATE_INDEX_ON_MIGRATE:-false}" = "true" ]; then
      manage update_index
    fi
    ;;
  check)
    exec "$PYTHON" "$APP_DIR/manage.py" check --deploy "$@"
    ;;
  backup | restore)
    exec "$PYTHON" "$APP_DIR/manage.py" "$command" "$@"
    ;;
  manage)
    exec "$PYTHON" "$APP_DIR/manage.py" "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
