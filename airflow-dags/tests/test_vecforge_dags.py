"""The vecforge DAGs under a real Airflow (installed from PyPI by scripts/setup.sh), with a local
metadata database, spark-submit in local mode and local-file storage."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "airflow-dags"
VF = str(REPO / "scripts" / "vecforge")


def airflow_environment(home, conf):
    """A worker's environment: its own Airflow home and metadata database, the DAGs, local Spark."""
    spark_home = REPO / ".venv-spark" / "spark-home"
    environment = dict(os.environ)
    environment.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "VECFORGE_HOME": str(REPO),
        "VECFORGE_CONF_DIR": str(conf),
        "SPARK_HOME": str(spark_home),
        "PATH": f"{spark_home / 'bin'}:{Path(sys.executable).parent}:{environment['PATH']}",
        "AIRFLOW_CONN_VECFORGE_SPARK": json.dumps({"conn_type": "spark", "host": "local[2]"}),
        "SPARK_LOCAL_IP": "127.0.0.1",
    })
    return environment


def local_index(tmp_path_factory, index, extra=""):
    """A worker with its own Airflow home and database, and one config: local input and bundles ({work} in
    extra is the work directory)."""
    home = tmp_path_factory.mktemp("airflow-home")
    work = tmp_path_factory.mktemp("vecforge")
    conf = work / "conf"
    conf.mkdir()
    (conf / f"{index}.properties").write_text(
        f"index.name={index}\n"
        f"input.path=file://{work}/input\n"
        f"output.root=file://{work}/bundles\n"
        "index.factory=IVF16,Flat\n"
        "shards=2\n"
        "validate.queries=50\n"
        "airflow.build-retries=0\n"
        "airflow.sensor-poke-seconds=5\n" + extra.format(work=work))
    environment = airflow_environment(home, conf)
    subprocess.run([str(Path(sys.executable).parent / "airflow"), "db", "migrate"], env=environment, check=True,
                   capture_output=True)
    return {"env": environment, "work": work, "conf": conf}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return local_index(tmp_path_factory, "nightly")


def airflow(env, *args):
    return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=env["env"],
                          capture_output=True, text=True, timeout=600)


def partition(env, ds, rows=3000, dim=8):
    out = env["work"] / "input" / f"dt={ds}"
    subprocess.run([VF, "gen-data", "-o", str(out), "--rows", str(rows), "--dim", str(dim), "--files", "2"],
                   check=True, capture_output=True)
    return out


def latest(env):
    return (env["work"] / "bundles" / "nightly" / "LATEST").read_text().strip()


def test_dagbag_loads_every_dag_with_the_specified_graph(monkeypatch):
    monkeypatch.setenv("VECFORGE_CONF_DIR", str(REPO / "conf"))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "false")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    conf_files = sorted((REPO / "conf").glob("*.properties"))
    assert len(bag.dags) == len(conf_files) >= 1
    dag = bag.dags["vecforge_demo"]
    assert dag.schedule == "@daily"
    assert dag.catchup is False
    assert dag.dagrun_timeout.total_seconds() == 6 * 3600
    order = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert order == {"wait_for_input": ["build"], "build": ["validate"], "validate": ["publish"],
                     "publish": ["record_outcome"], "record_outcome": []}
    for t in dag.tasks:
        assert t.owner == "vecforge" and t.doc_md, t.task_id
        assert (t.retries > 0) == (t.task_id in ("build", "publish")), t.task_id
    assert dag.get_task("build").retry_exponential_backoff
    assert dag.get_task("wait_for_input").mode == "reschedule"
    assert dag.get_task("record_outcome").trigger_rule == "all_done"


def test_unset_airflow_keys_take_the_defaults_of_the_example_config(monkeypatch, tmp_path):
    (tmp_path / "bare.properties").write_text("index.name=bare\ninput.path=file:///in\noutput.root=file:///out\n")
    monkeypatch.setenv("VECFORGE_CONF_DIR", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "false")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.dags["vecforge_bare"]
    example = {}
    for line in (REPO / "conf" / "example-index.properties").read_text().splitlines():
        if line.startswith("airflow."):
            key, _, value = line.partition("=")
            example[key] = value.strip()
    assert dag.schedule == example["airflow.schedule"]
    assert dag.dagrun_timeout.total_seconds() == float(example["airflow.run-timeout-hours"]) * 3600
    assert dag.get_task("build").retries == int(example["airflow.build-retries"])
    assert all(t.owner == example["airflow.owner"] for t in dag.tasks)


def test_nightly_runs_publish_fail_loudly_and_never_move_latest_back(env):
    # A good day publishes a validated bundle for that date.
    partition(env, "2026-11-20")
    run = airflow(env, "dags", "test", "vecforge_nightly", "2026-11-20")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    first = latest(env)
    assert first.startswith("20261120-")
    assert subprocess.run([VF, "validate", str(env["work"] / "bundles" / "nightly")],
                          capture_output=True).returncode == 0
    report = json.loads((env["work"] / "bundles" / "nightly" / "_reports" / "2026-11-20.json").read_text())
    assert report["version"] == first and report["rows"] == 3000 and report["recall"] >= 0.5

    # A defective partition (mixed dimensions): the build fails, publish never runs, LATEST stays.
    bad = partition(env, "2026-11-21")
    other = partition(env, "other-dim", rows=20, dim=9)
    shutil.copy(next(other.glob("part-00000*.parquet")), bad / "part-99999.parquet")
    run = airflow(env, "dags", "test", "vecforge_nightly", "2026-11-21")
    assert run.returncode != 0
    assert latest(env) == first
    report = json.loads((env["work"] / "bundles" / "nightly" / "_reports" / "2026-11-21.json").read_text())
    assert report["result"].startswith("failed")
    assert "wrong-dimension" in run.stdout + run.stderr

    # Two dates in order, then the older one again: LATEST stays on the newer.
    partition(env, "2026-11-22")
    assert airflow(env, "dags", "test", "vecforge_nightly", "2026-11-22").returncode == 0
    newer = latest(env)
    assert newer.startswith("20261122-")
    rerun = airflow(env, "dags", "test", "vecforge_nightly", "2026-11-20")
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert latest(env) == newer
    versions = [p.name for p in (env["work"] / "bundles" / "nightly").iterdir() if p.name.startswith("20261120-")]
    assert len(versions) == 2, "re-running a day builds a new version and keeps the earlier one"

    # The publish task cleared and run again (its exact command): a no-op that records nothing, so
    # rollback still returns to the version published before.
    root = f"file://{env['work']}/bundles"
    again = subprocess.run([VF, "publish", "--if-newer", root, "nightly", newer], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    history = (env["work"] / "bundles" / "nightly" / "HISTORY.jsonl").read_text().splitlines()
    assert not any(json.loads(line)["from"] == json.loads(line)["to"] for line in history), history
    back = subprocess.run([VF, "rollback", root, "nightly"], capture_output=True, text=True)
    assert back.returncode == 0, back.stderr
    assert latest(env) == first


@pytest.fixture(scope="module")
def s3env(tmp_path_factory):
    """The same DAG on S3: moto's server on loopback, Parquet in s3a://, bundles in s3://, and
    credentials only in the AWS variables, as on a worker."""
    moto = REPO / ".venv-moto" / "bin" / "moto_server"
    if not moto.exists():
        pytest.fail("moto is not installed: run scripts/setup.sh")
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tmp_path_factory.mktemp("airflow-home-s3")
    conf = tmp_path_factory.mktemp("conf-s3")
    (conf / "lake.properties").write_text(
        "index.name=lake\n"
        "input.path=s3a://warehouse/embeddings\n"
        "output.root=s3://warehouse/indexes\n"
        "index.factory=IVF16,Flat\n"
        "shards=2\n"
        "validate.queries=50\n"
        "airflow.build-retries=0\n"
        "airflow.sensor-poke-seconds=5\n")
    server = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    environment = airflow_environment(home, conf)
    environment.update({
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "airflow-test",
        "AWS_SECRET_ACCESS_KEY": "airflow-secret-" + os.urandom(8).hex(),
    })
    import time
    import boto3
    for _ in range(100):
        try:
            boto3.client("s3", endpoint_url=environment["AWS_ENDPOINT_URL"], region_name="us-east-1",
                         aws_access_key_id="x", aws_secret_access_key="y").create_bucket(Bucket="warehouse")
            break
        except Exception:
            time.sleep(0.2)
    subprocess.run([str(Path(sys.executable).parent / "airflow"), "db", "migrate"], env=environment, check=True,
                   capture_output=True)
    yield {"env": environment}
    server.terminate()
    server.wait()


def test_the_dag_builds_and_publishes_on_s3(s3env):
    env = s3env["env"]
    s3 = __import__("boto3").client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                                    aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    subprocess.run([VF, "gen-data", "-o", "s3a://warehouse/embeddings/dt=2026-11-20", "--rows", "3000", "--dim", "8",
                    "--files", "2"], check=True, capture_output=True, env=env)
    run = airflow({"env": env}, "dags", "test", "vecforge_lake", "2026-11-20")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    latest = s3.get_object(Bucket="warehouse", Key="indexes/lake/LATEST")["Body"].read().decode().strip()
    assert latest.startswith("20261120-")
    assert s3.list_objects_v2(Bucket="warehouse", Prefix="indexes/lake/_commits/")["KeyCount"] == 1
    assert "vecforge outcome: " in run.stdout + run.stderr
    outcome = json.loads((run.stdout + run.stderr).split("vecforge outcome: ", 1)[1].splitlines()[0])
    assert outcome["version"] == latest and outcome["latest"] == latest and outcome["rows"] == 3000
    check = subprocess.run([VF, "validate", "s3://warehouse/indexes/lake"], capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert env["AWS_SECRET_ACCESS_KEY"] not in run.stdout + run.stderr + check.stdout + check.stderr


@pytest.fixture(scope="module")
def delta_env(tmp_path_factory):
    """One config, two schedules: the T+1 full rebuild and an hourly delta DAG."""
    return local_index(tmp_path_factory, "hourly", "airflow.delta-schedule=@hourly\n"
                       "airflow.delta-path=file://{work}/changes\n")


def test_one_config_drives_a_full_rebuild_and_an_hourly_delta_schedule(delta_env, monkeypatch):
    env, work = delta_env, delta_env["work"]
    monkeypatch.setenv("VECFORGE_CONF_DIR", str(delta_env["conf"]))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "false")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    assert set(bag.dags) == {"vecforge_hourly", "vecforge_hourly_delta"}
    delta = bag.dags["vecforge_hourly_delta"]
    assert delta.schedule == "@hourly" and delta.max_active_runs == 1
    assert {t.task_id: sorted(t.downstream_task_ids) for t in delta.tasks} == {
        "wait_for_delta": ["build_delta"], "build_delta": ["verify"], "verify": ["record_outcome"],
        "record_outcome": []}
    assert all(t.depends_on_past for t in delta.tasks if t.task_id != "record_outcome")
    assert "--mode" in delta.get_task("build_delta").application_args

    # the nightly full build publishes 3,000 rows
    index_dir = work / "bundles" / "hourly"
    subprocess.run([VF, "gen-data", "-o", str(work / "input" / "dt=2026-11-20"), "--rows", "3000", "--dim", "8",
                    "--files", "2"], check=True, capture_output=True)
    run = airflow(env, "dags", "test", "vecforge_hourly", "2026-11-20")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    full = (index_dir / "LATEST").read_text().strip()

    # an hour's changes: 100 deletes, 50 new vectors for existing ids, 50 new ids
    subprocess.run([VF, "gen-data", "-o", str(work / "changes" / "ts=20261122T010000"), "--delta-of", "3000",
                    "--rows", "200", "--dim", "8", "--files", "1"], check=True, capture_output=True)
    run = airflow(env, "dags", "test", "vecforge_hourly_delta", "2026-11-22T01:00:00+00:00")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    hour = (index_dir / "LATEST").read_text().strip()
    assert hour != full
    manifest = json.loads((index_dir / hour / "manifest.json").read_text())
    assert manifest["delta"]["base"] == full and manifest["delta"]["chain"] == 1
    assert manifest["delta"]["deletesFound"] == 100 and manifest["delta"]["replaced"] == 50
    assert manifest["source"]["acceptedRows"] == 3000 - 100 + 50
    outcome = json.loads((run.stdout + run.stderr).split("vecforge delta outcome: ", 1)[1].splitlines()[0])
    assert outcome["version"] == hour and outcome["rows"] == 2950 and outcome["base"] == full
    assert subprocess.run([VF, "validate", str(index_dir)], capture_output=True).returncode == 0

    # the 21st's full rebuild, run after that hour's delta (logical date the 22nd), replaces the chain: its
    # data is newer than the chain's full build
    subprocess.run([VF, "gen-data", "-o", str(work / "input" / "dt=2026-11-21"), "--rows", "3100", "--dim", "8",
                    "--files", "2"], check=True, capture_output=True)
    run = airflow(env, "dags", "test", "vecforge_hourly", "2026-11-21")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    nightly = (index_dir / "LATEST").read_text().strip()
    assert nightly.startswith("20261121-") and nightly != hour
    assert json.loads((index_dir / nightly / "manifest.json").read_text()).get("delta") is None
