"""vecforge T+1 rebuild DAGs: one per index config in conf/ (adding an index = adding a file).

For logical date ds, each DAG
  1. waits for <input.path>/dt=<ds>/_SUCCESS (reschedule-mode sensor; file://, hdfs://, s3a:// and s3://),
  2. builds with spark-submit (the jobs jar; retries with exponential backoff), leaving the
     version staged (`build --no-publish --run-id <run id>`),
  3. validates it with `vecforge validate --json` (its exit code decides; the report goes to XCom),
  4. publishes it (`vecforge publish --if-newer`: a backfill never moves LATEST back past a newer
     logical date),
  5. records the outcome in the log and in <output.root>/<index>/_reports/<ds>.{json,md}, and
     fails the run if anything before it failed.

On S3 (input.path=s3a://…, output.root=s3://…) the worker's AWS variables reach every step
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a role, AWS_REGION, AWS_ENDPOINT_URL for an
S3-compatible server); the sensor uses boto3, and spark-submit gets hadoop-aws from
$VECFORGE_HOME/jobs/target/lib when it is there (else the cluster must provide it: docs/storage.md).
The outcome files under _reports/ are written only for local roots; the log has them everywhere.

With airflow.delta-schedule set (for example @hourly), the same file also makes vecforge_<index>_delta:
for each interval it waits for <airflow.delta-path>/ts=<ts_nodash>/_SUCCESS, applies that partition's
upserts and deletes to the published version (`build --mode delta`, docs/build.md#delta-builds) and
publishes it in the same job (a delta moves LATEST only over its base, decided under the commit; a
retry applies it to whatever is published then), then verifies the published bundle with
`vecforge validate` and records the outcome. depends_on_past: an interval's changes are never skipped.

Settings come from the index's properties file (airflow.* keys, see conf/example-index.properties).
Environment: VECFORGE_HOME (repo root with built jars; default: this file's parent's parent) and
VECFORGE_CONF_DIR (default: $VECFORGE_HOME/conf). spark-submit must be on PATH; the Spark
connection (airflow.spark-conn-id) names the master. Supported: Airflow 3.x (tested 3.3.2) with
apache-airflow-providers-apache-spark 5+ (tested 6.3.4).
"""
from __future__ import annotations

import glob
import json
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow.exceptions import AirflowException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DAG, task

VECFORGE_HOME = Path(os.environ.get("VECFORGE_HOME", Path(__file__).resolve().parent.parent))
CONF_DIR = Path(os.environ.get("VECFORGE_CONF_DIR", VECFORGE_HOME / "conf"))
CLI = str(VECFORGE_HOME / "scripts" / "vecforge")
# The one list of defaults: conf/example-index.properties sets every key to its default, and a Java
# test (BuildConfigTest) keeps it equal to BuildConfig's. The DAG takes its airflow.* defaults there.
EXAMPLE_CONFIG = VECFORGE_HOME / "conf" / "example-index.properties"


def read_properties(path: Path) -> dict[str, str]:
    """Java properties, the subset vecforge configs use: key=value lines, # or ! comments."""
    props = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        key, _, value = line.partition("=")
        props[key.strip()] = value.strip()
    return props


def spark_jar() -> str:
    jars = sorted(glob.glob(str(VECFORGE_HOME / "jobs" / "target" / "vecforge-jobs-*-spark.jar")))
    return jars[-1] if jars else str(VECFORGE_HOME / "jobs" / "target" / "vecforge-jobs-spark.jar")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=False)


def local_path(uri: str) -> Path | None:
    if uri.startswith("file://"):
        return Path(uri[len("file://"):])
    if "://" not in uri:
        return Path(uri)
    return None


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://") or uri.startswith("s3a://")


def s3_exists(uri: str) -> bool:
    import boto3  # only S3 configs need it
    from botocore.exceptions import ClientError

    bucket, _, key = uri.split("://", 1)[1].partition("/")
    try:
        boto3.client("s3").head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise


def s3a_jars() -> str | None:
    """hadoop-aws and its AWS SDK from the embedded class path, for spark-submit's --jars."""
    lib = VECFORGE_HOME / "jobs" / "target" / "lib"
    jars = sorted(glob.glob(str(lib / "hadoop-aws-*.jar"))) + sorted(glob.glob(str(lib / "aws-java-sdk-bundle-*.jar")))
    return ",".join(jars) if len(jars) == 2 else None


def safe_run_id(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


def airflow_defaults() -> dict[str, str]:
    return {k: v for k, v in read_properties(EXAMPLE_CONFIG).items() if k.startswith("airflow.")}


def marker_exists(marker: str) -> bool:
    """Whether an upstream job's _SUCCESS is there: file:// directly, s3a:// and s3:// with boto3, else hdfs."""
    path = local_path(marker)
    if path is not None:
        return path.exists()
    if is_s3(marker):
        return s3_exists(marker)
    return subprocess.run(["hdfs", "dfs", "-test", "-e", marker], check=False).returncode == 0


def sensor_settings(props: dict[str, str]) -> dict:
    return {"mode": "reschedule", "poke_interval": float(props["airflow.sensor-poke-seconds"]),
            "timeout": float(props["airflow.sensor-timeout-hours"]) * 3600}


def dag_settings(props: dict[str, str], schedule: str) -> dict:
    return {"doc_md": __doc__, "schedule": schedule,
            "start_date": datetime.fromisoformat(props["airflow.start-date"]).replace(tzinfo=timezone.utc),
            "catchup": props["airflow.catchup"] == "true", "max_active_runs": 1,
            "dagrun_timeout": timedelta(hours=float(props["airflow.run-timeout-hours"]))}


def spark_build(task_id: str, doc: str, props: dict[str, str], args: list[str], on_s3: bool) -> SparkSubmitOperator:
    """`vecforge build …` through spark-submit, with the build's retries and backoff."""
    return SparkSubmitOperator(
        task_id=task_id,
        doc_md=doc,
        conn_id=props["airflow.spark-conn-id"],
        application=spark_jar(),
        java_class="io.vecforge.cli.VecforgeCli",
        application_args=args,
        conf={"spark.executorEnv.OPENBLAS_NUM_THREADS": "1"},
        jars=s3a_jars() if on_s3 else None,
        env_vars={"OPENBLAS_NUM_THREADS": "1"},
        retries=int(props["airflow.build-retries"]),
        retry_delay=timedelta(minutes=float(props["airflow.retry-delay-minutes"])),
        retry_exponential_backoff=True,
    )


def validate_run(index_dir: str, run_id: str) -> dict:
    """`vecforge validate --json` of the version a run built (its run record names it); the exit code decides."""
    result = run_cli("validate", "--json", f"{index_dir}/_runs/{safe_run_id(run_id)}")
    print(result.stdout)
    if result.returncode != 0:
        raise AirflowException(f"vecforge validate exited {result.returncode}: {result.stdout}{result.stderr}")
    return json.loads(result.stdout)


def make_dag(conf_file: Path) -> DAG:
    props = {**airflow_defaults(), **read_properties(conf_file)}
    index = props["index.name"]
    input_base = props["input.path"].rstrip("/")
    root = props["output.root"].rstrip("/")
    owner = props["airflow.owner"]
    index_dir = f"{root}/{index}"

    with DAG(
        dag_id=f"vecforge_{index}",
        description=f"T+1 rebuild of the {index} Faiss index",
        **dag_settings(props, props["airflow.schedule"]),
        default_args={"owner": owner, "retries": 0},
        tags=["vecforge", index],
    ) as dag:

        @task.sensor(task_id="wait_for_input", **sensor_settings(props),
                     doc_md="Waits for the upstream job's `_SUCCESS` in the input partition of the logical date.")
        def wait_for_input(ds=None):
            return marker_exists(f"{input_base}/dt={ds}/_SUCCESS")

        build = spark_build(
            "build", "Builds the logical date's partition into a staged (validated, unpublished) version.", props,
            ["build", "--config", str(conf_file), "--input", input_base + "/dt={{ ds }}", "--logical-date", "{{ ds }}",
             "--no-publish", "--run-id", "{{ run_id }}"],
            is_s3(input_base) or is_s3(root))

        @task(task_id="validate", doc_md="`vecforge validate --json` on the run's version; exit code decides.")
        def validate(run_id=None):
            return validate_run(index_dir, run_id)

        # A publish overtaken by a newer date's (a backfill beside the daily run) is refused (exit 4); its retry
        # decides again and finds LATEST staying on the newer version (exit 0).
        @task(task_id="publish", retries=2, retry_delay=timedelta(seconds=20),
              doc_md="Moves LATEST to the validated version, unless a newer date is published.")
        def publish(report: dict):
            result = run_cli("publish", "--if-newer", root, index, report["version"])
            print(result.stdout)
            if result.returncode != 0:
                raise AirflowException(f"vecforge publish exited {result.returncode}: {result.stderr}")
            return result.stdout.strip()

        @task(task_id="record_outcome", trigger_rule="all_done",
              doc_md="Logs the outcome and writes _reports/<ds>.json and .md in the index root.")
        def record_outcome(ds=None, run_id=None, dag_run=None, ti=None):
            report = ti.xcom_pull(task_ids="validate")
            published = ti.xcom_pull(task_ids="publish")
            failed = published is None
            outcome = {"index": index, "logical_date": ds, "run_id": run_id,
                       "result": "failed (see the build/validate/publish task logs)" if failed else published,
                       "validation": None if report is None else {k: report.get(k) for k in ("ok", "exitCode", "recall")},
                       "duration_s": round((datetime.now(timezone.utc) - dag_run.start_date).total_seconds(), 1)}
            # the run record (_runs/<run>/VERSION) names the version this run built, on any storage
            inspected = run_cli("inspect", "--json", f"{index_dir}/_runs/{safe_run_id(run_id)}")
            if inspected.returncode == 0:
                manifest = json.loads(inspected.stdout)
                outcome.update(version=manifest["version"], rows=manifest["source"]["acceptedRows"],
                               recall=manifest["validation"]["recall"],
                               build_s=round(sum(manifest["timingsMillis"].values()) / 1000, 1))
            latest = local_path(f"{index_dir}/LATEST")
            if latest is not None and latest.exists():
                outcome["latest"] = latest.read_text().strip()
            elif is_s3(index_dir):
                listed = run_cli("list", "--json", index_dir)
                if listed.returncode == 0:
                    outcome["latest"] = next((v["version"] for v in json.loads(listed.stdout)
                                              if str(v.get("state")).lower() == "published"), None)
            print("vecforge outcome: " + json.dumps(outcome))
            reports = local_path(f"{index_dir}/_reports")
            if reports is not None:
                reports.mkdir(parents=True, exist_ok=True)
                (reports / f"{ds}.json").write_text(json.dumps(outcome, indent=2) + "\n")
                (reports / f"{ds}.md").write_text(
                    f"# {index} {ds}\n\n" + "".join(f"- {k}: {v}\n" for k, v in outcome.items()))
            if failed:
                raise AirflowException(f"{index} {ds}: nothing was published; LATEST is unchanged")
            return outcome

        checked = validate()
        wait_for_input() >> build >> checked
        published = publish(checked)
        published >> record_outcome()
    return dag


def make_delta_dag(conf_file: Path) -> DAG | None:
    """The delta schedule of the same index, when airflow.delta-schedule is set."""
    props = {**airflow_defaults(), **read_properties(conf_file)}
    schedule = props.get("airflow.delta-schedule", "").strip()
    if not schedule:
        return None
    index = props["index.name"]
    delta_base = props.get("airflow.delta-path", "").strip().rstrip("/")
    if not delta_base:
        raise ValueError(f"{conf_file}: airflow.delta-schedule={schedule} needs airflow.delta-path (the base"
                         " directory of the delta partitions ts=<YYYYMMDDTHHMMSS>)")
    root = props["output.root"].rstrip("/")
    index_dir = f"{root}/{index}"
    partition = delta_base + "/ts={{ ts_nodash }}"

    with DAG(
        dag_id=f"vecforge_{index}_delta",
        description=f"Delta builds of the {index} Faiss index: each interval's upserts and deletes",
        **dag_settings(props, schedule),
        default_args={"owner": props["airflow.owner"], "retries": 0, "depends_on_past": True},
        tags=["vecforge", index, "delta"],
    ) as dag:

        @task.sensor(task_id="wait_for_delta", **sensor_settings(props),
                     doc_md="Waits for `_SUCCESS` in the delta partition of the interval (`ts=<ts_nodash>`).")
        def wait_for_delta(ts_nodash=None):
            return marker_exists(f"{delta_base}/ts={ts_nodash}/_SUCCESS")

        build = spark_build(
            "build_delta", "Applies the interval's upserts and deletes to the published version and publishes the"
                           " result (only over that version; a retry applies the delta to whatever is published then).",
            props, ["build", "--config", str(conf_file), "--mode", "delta", "--input", partition,
                    "--logical-date", "{{ ds }}", "--run-id", "{{ run_id }}"],
            is_s3(delta_base) or is_s3(root))

        @task(task_id="verify", doc_md="`vecforge validate --json` on the published delta version, read back"
                                       " from the shared storage as a serving node reads it.")
        def verify(run_id=None):
            return validate_run(index_dir, run_id)

        @task(task_id="record_outcome", trigger_rule="all_done", depends_on_past=False,
              doc_md="Logs the outcome line (`vecforge delta outcome: {…}`) with the delta's counts.")
        def record_outcome(ts_nodash=None, run_id=None, ti=None):
            report = ti.xcom_pull(task_ids="verify")
            outcome = {"index": index, "interval": ts_nodash, "run_id": run_id,
                       "result": "failed (see the build_delta/verify task logs)" if report is None else "published"}
            inspected = run_cli("inspect", "--json", f"{index_dir}/_runs/{safe_run_id(run_id)}")
            if inspected.returncode == 0:
                manifest = json.loads(inspected.stdout)
                delta = manifest.get("delta") or {}
                outcome.update(version=manifest["version"], rows=manifest["source"]["acceptedRows"],
                               recall=manifest["validation"]["recall"],
                               **{k: delta.get(k) for k in ("base", "chain", "upserts", "deletesFound",
                                                             "deletesMissing", "changedShards")})
            print("vecforge delta outcome: " + json.dumps(outcome))
            if report is None:
                raise AirflowException(f"{index} delta {ts_nodash}: nothing was published by this run")
            return outcome

        wait_for_delta() >> build >> verify() >> record_outcome()
    return dag


for _conf in sorted(CONF_DIR.glob("*.properties")):
    for _dag in (make_dag(_conf), make_delta_dag(_conf)):
        if _dag is not None:
            globals()[_dag.dag_id] = _dag
