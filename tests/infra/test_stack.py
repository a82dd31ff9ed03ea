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

from infra import kafka_broker, mongo_mail, probes, processes

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
