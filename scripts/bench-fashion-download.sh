#!/usr/bin/env bash
# Times `gantry download` of the full Fashion-MNIST (Debian's dataset-fashion-mnist,
# 60,000 + 10,000 images) served over loopback by python3's http.server: the
# download, SHA-256 verification and IDX decoding of both splits.
#
#   scripts/bench-fashion-download.sh [path/to/gantry]    (default: release build)
set -euo pipefail
cd "$(dirname "$0")/.."
GANTRY=${1:-.build/release/gantry}
DATA=/usr/share/datasets/fashion-mnist
[ -x "$GANTRY" ] || { echo "no gantry binary at $GANTRY (swift build -c release)" >&2; exit 1; }
[ -f "$DATA/train-images-idx3-ubyte.gz" ] || { echo "needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)" >&2; exit 1; }

WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# A free loopback port, then a plain static server on it.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$DATA" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT)).close()" 2>/dev/null && break; sleep 0.1; done

# Debian recompressed the files, so the entry pins their own sizes and checksums.
python3 - "$DATA" "$PORT" > "$WORK/gantry.json" <<'PY'
import hashlib, json, os, sys
data, port = sys.argv[1], sys.argv[2]
def entry(name):
    path = os.path.join(data, name)
    return {"name": name, "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(), "size": os.path.getsize(path)}
print(json.dumps({"datasets": {"fashion-mnist-debian": {
    "base_urls": ["http://127.0.0.1:%s/" % port],
    "files": {"train_images": entry("train-images-idx3-ubyte.gz"), "train_labels": entry("train-labels-idx1-ubyte.gz"),
              "test_images": entry("t10k-images-idx3-ubyte.gz"), "test_labels": entry("t10k-labels-idx1-ubyte.gz")}}}}, indent=1))
PY

echo "== first run: download, verify, decode"
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$GANTRY" download fashion-mnist-debian --config "$WORK/gantry.json" --state-dir "$WORK/state"
echo "== second run: verify the cache, decode, no transfer"
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$GANTRY" download fashion-mnist-debian --config "$WORK/gantry.json" --state-dir "$WORK/state"
