#!/usr/bin/env bash
# End to end on a second, independent S3 implementation: moto's server (PyPI) on loopback.
# gen-data writes Parquet to s3a://, `vecforge build` reads it and publishes to s3://, then
# `vecforge validate`, `vecforge-pull` to a serving directory, and a search of the pulled copy
# with stock faiss-python. Credentials come only from the AWS_* variables, as on a real node;
# the secret key is random, and no log line, manifest, run record or bundle file may contain it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${VECFORGE_S3_E2E_DIR:-$(mktemp -d /tmp/vecforge-s3-e2e.XXXXXX)}"
moto="$repo/.venv-moto/bin"
[[ -x "$moto/moto_server" ]] || { echo "s3-e2e: moto is not installed; run scripts/setup.sh" >&2; exit 1; }
port="$("$moto/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work"
"$moto/moto_server" -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
"$moto/python" - "$port" <<'PY'
import socket, sys, time
for _ in range(150):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("s3-e2e: moto_server did not start")
PY

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=vecforge-e2e
AWS_SECRET_ACCESS_KEY="e2e-secret-$("$moto/python" -c 'import secrets; print(secrets.token_hex(16))')"
export AWS_SECRET_ACCESS_KEY
"$moto/python" -c 'import boto3; boto3.client("s3").create_bucket(Bucket="vecforge")'
log="$work/vecforge.log"
run() { echo "+ $*" | tee -a "$log"; "$@" 2>&1 | tee -a "$log"; }

run "$repo/scripts/vecforge" gen-data --output s3a://vecforge/input/dt=2026-12-01 --rows 20000 --dim 32 --files 2 \
  --seed 3 --fvecs "$work/queries.fvecs"
run "$repo/scripts/vecforge" build --config "$repo/conf/example-index.properties" \
  --input s3a://vecforge/input/dt=2026-12-01 --output s3://vecforge/bundles --run-id e2e-1 \
  --set index.factory=IVF64,PQ8 --set shards=2
run "$repo/scripts/vecforge" validate s3://vecforge/bundles/demo
run "$repo/scripts/vecforge" list s3://vecforge/bundles/demo
run "$repo/scripts/vecforge" inspect s3://vecforge/bundles/demo/_runs/e2e-1
run "$repo/scripts/vecforge-pull" --from s3://vecforge/bundles/demo --to "$work/serving"
head -c $((4 * (32 + 1) * 5)) "$work/queries.fvecs" > "$work/five.fvecs"
run "$repo/scripts/vecforge" search s3://vecforge/bundles/demo --queries "$work/five.fvecs" -k 5
echo "+ vecforge_bundle.py $work/serving/current" >> "$log"
"$repo/.venv-faiss/bin/python" "$repo/scripts/vecforge_bundle.py" "$work/serving/current" --queries "$work/five.fvecs" -k 5 \
  > "$work/search.json" 2>> "$log"
"$repo/.venv-faiss/bin/python" - "$work/search.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["ntotal"] == 20000, out["ntotal"]
assert len(out["results"]) == 5 and all(len(r["ids"]) == 5 for r in out["results"]), out
print("s3-e2e: stock faiss %s searched the pulled bundle (%d vectors)" % (out["faiss"], out["ntotal"]))
PY

# A delta on S3: an hour's upserts and deletes in s3a://, applied to the published version on s3://,
# validated there, and pulled: only the changed files move, the rest come from the served copy.
run "$repo/scripts/vecforge" gen-data --output s3a://vecforge/changes/ts=20261202T010000 --delta-of 20000 --rows 400 \
  --dim 32 --files 1 --seed 3
run "$repo/scripts/vecforge" build --config "$repo/conf/example-index.properties" --mode delta \
  --input s3a://vecforge/changes/ts=20261202T010000 --output s3://vecforge/bundles --run-id e2e-delta \
  --set index.factory=IVF64,PQ8 --set shards=2
run "$repo/scripts/vecforge" validate s3://vecforge/bundles/demo
run "$repo/scripts/vecforge-pull" --from s3://vecforge/bundles/demo --to "$work/serving" | tee "$work/delta-pull.log"
grep -Eq "\([0-9]+ files, [1-9][0-9]* reused, [0-9]+ bytes downloaded\)" "$work/delta-pull.log"
"$repo/.venv-faiss/bin/python" "$repo/scripts/vecforge_bundle.py" "$work/serving/current" --queries "$work/five.fvecs" -k 5 \
  > "$work/search-delta.json" 2>> "$log"
"$repo/.venv-faiss/bin/python" - "$work/search-delta.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["ntotal"] == 20000 - 200 + 100, out["ntotal"]  # 200 deletes, 100 new vectors for old ids, 100 new ids
print("s3-e2e: the delta version on S3, pulled and searched by stock faiss (%d vectors)" % out["ntotal"])
PY

# Every object the build left on S3 (bundle, HISTORY, run record, commit claims), every log line.
"$moto/python" - "$work/objects" <<'PY'
import boto3, os, sys
s3 = boto3.client("s3")
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="vecforge", Prefix="bundles/"):
    for o in page.get("Contents", []):
        path = os.path.join(sys.argv[1], o["Key"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3.download_file("vecforge", o["Key"], path)
PY
test -f "$work/objects/bundles/demo/LATEST"
test -n "$(ls "$work/objects/bundles/demo/_commits/")"
if grep -rl -- "$AWS_SECRET_ACCESS_KEY" "$work/objects" "$log" "$work/serving" 2>/dev/null; then
  echo "s3-e2e: FAILED: the secret key was written to the files above" >&2
  exit 1
fi
echo "s3-e2e: passed (moto $("$moto/python" -c 'import moto; print(moto.__version__)') on 127.0.0.1:$port; $work)"
