"""infra's starters against the real servers: they start on free ports, accept clients, and stop for good."""

import asyncio
import json
import os
import smtplib
import subprocess
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import pymongo
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from infra import kafka_broker, local_stack, mongo_mail, probes, processes

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


async def round_trip(bootstrap: str) -> bytes:
    topic = f"stack-test-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"ping", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=topic, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=30)
        await consumer.commit()
        return bytes(record.value)
    finally:
        await consumer.stop()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    # Its own thread and loop: this synchronous test leaves pytest-asyncio's loop alone.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_kafka_and_mongo_start_on_free_ports_serve_clients_and_stop(tmp_path: Path) -> None:
    libs = kafka_broker.ensure_kafka_libs(ROOT)
    kafka_port, controller_port, mongo_port = probes.free_port(), probes.free_port(), probes.free_port()
    assert len({kafka_port, controller_port, mongo_port}) == 3
    kafka_pid = kafka_broker.start_kafka(tmp_path / "kafka", kafka_port, controller_port, libs)
    try:
        mongo_pid = mongo_mail.start_mongo(tmp_path / "mongo", mongo_port)
        try:
            assert (tmp_path / "kafka" / "kafka.pid").read_text().split()[0] == str(kafka_pid)
            client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
                f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true", serverSelectionTimeoutMS=5000)
            with client:
                assert client.admin.command("ping")["ok"] == 1
                client.probe.items.insert_one({"_id": 1})
                assert client.probe.items.count_documents({}) == 1
            assert run_async(round_trip(f"127.0.0.1:{kafka_port}")) == b"ping"
            with pytest.raises(RuntimeError, match="already runs"):
                mongo_mail.start_mongo(tmp_path / "mongo", probes.free_port())
        finally:
            assert processes.stop_pid(tmp_path / "mongo" / "mongo.pid")
    finally:
        assert processes.stop_pid(tmp_path / "kafka" / "kafka.pid")
    assert gone(kafka_pid) and gone(mongo_pid)
    assert not (tmp_path / "kafka" / "kafka.pid").exists()
    assert not probes.port_open(kafka_port) and not probes.port_open(mongo_port)


def test_mail_sink_keeps_each_message_as_eml_and_index_line(tmp_path: Path) -> None:
    port = probes.free_port()
    pid = mongo_mail.start_smtp(tmp_path, port, mail_dir=tmp_path / "mail")
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "noreply@tadamon.ma", "amina@example.ma", "تأكيد التسجيل"
        message.set_content("Merci / شكرا")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
        index = [json.loads(line) for line in (tmp_path / "mail" / "index.jsonl").read_text().splitlines()]
    finally:
        assert processes.stop_pid(tmp_path / "smtp.pid")
    assert [(entry["rcpt_tos"], entry["subject"]) for entry in index] == [(["amina@example.ma"], "تأكيد التسجيل")]
    assert b"Subject:" in (tmp_path / "mail" / index[0]["file"]).read_bytes()
    assert gone(pid)


def test_stop_pid_leaves_alone_a_process_that_is_not_the_one_recorded(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "60"])
    try:
        pidfile = tmp_path / "reused.pid"
        pidfile.write_text(f"{other.pid}\n{json.dumps({'argv': ['java', 'kafka.Kafka', 'server.properties']})}\n")
        assert processes.stop_pid(pidfile, timeout=1) is False
        time.sleep(0.2)
        assert other.poll() is None
        assert not pidfile.exists()
    finally:
        other.kill()
        other.wait()


def test_the_wait_for_the_database_grows_with_what_it_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "mongo" / "data"
    data.mkdir(parents=True)
    assert mongo_mail.open_timeout(data) == mongo_mail.OPEN_SECONDS == 60
    with (data / "padding").open("wb") as padding:  # sparse: its size without the disk
        padding.truncate(4 * 2**30)
    # A store of 4.6 GB took 55 s to open on a 2-core machine: 4 GiB is given three minutes.
    assert mongo_mail.open_timeout(data) == 60 + 4 * 30
    # With no time of its own, the launcher waits for a real server only as long as its store allows.
    monkeypatch.setattr(mongo_mail, "OPEN_SECONDS", 0.0)
    with (data / "padding").open("wb") as padding:
        padding.truncate(2**30 // 2)
    pid = mongo_mail.start_mongo(tmp_path / "mongo", probes.free_port())
    try:
        assert not gone(pid)
    finally:
        assert processes.stop_pid(tmp_path / "mongo" / "mongo.pid")
    with pytest.raises(TimeoutError, match="not ready after 0 s"):  # an empty store: no time at all
        mongo_mail.start_mongo(tmp_path / "empty", probes.free_port())
    assert not (tmp_path / "empty" / "mongo.pid").exists()


def test_reset_removes_the_stored_data_and_keeps_keys_tools_and_logs(tmp_path: Path) -> None:
    local = tmp_path / ".local"
    ended = subprocess.Popen(["true"])
    ended.wait()
    kept = ["keys/jwt_private.pem", "bin/kustomize", "kafka/libs/kafka.jar", "kafka/server.properties",
            "logs/mongo.log", f"test-{os.getpid()}/mongo/data/table.wt"]
    removed = ["mongo/data/table.wt", "kafka/data/meta.properties", "mail/index.jsonl", f"test-{ended.pid}/x.log"]
    for relative in kept + removed:
        (local / relative).parent.mkdir(parents=True, exist_ok=True)
        (local / relative).write_text("x")
    local_stack.reset(tmp_path)
    assert [relative for relative in kept if not (local / relative).exists()] == []
    assert [relative for relative in removed if (local / relative).exists()] == []
    assert not (local / "mongo" / "data").exists() and (local / "mongo").is_dir()
