# Sourced by the scripts that run a `gantry serve` of their own (check-openapi,
# bench-api-ab). start_daemon BINARY DIR ARGS…: serves DIR/state with mnist5k from the
# source tree, on a port the kernel picks; sets $daemon (its pid) and $port.
start_daemon() {
  local bin="$1" dir="$2"
  shift 2
  mkdir -p "$dir/state"
  "$bin" download mnist5k --from fixtures/mnist5k --state-dir "$dir/state" >/dev/null
  # Created first: the wait below reads it before the daemon has written a line.
  : > "$dir/daemon.log"
  "$bin" serve --state-dir "$dir/state" --port 0 "$@" >> "$dir/daemon.log" 2>&1 &
  daemon=$!
  port=""
  for _ in $(seq 100); do
    port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$dir/daemon.log" | head -1)"
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "$(basename "$0"): the daemon did not start:" >&2
  cat "$dir/daemon.log" >&2
  exit 1
}
