"""The envelope is a CloudEvents 1.0 event in structured mode, as the CloudEvents SDK reads it."""

from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from registration_factories import conference_body, registration_service

from registration.events import MESSAGES, ConferenceCreated
from shared.asyncapi import service_document
from shared.envelope import Envelope
from support import Infra, Keys, read_topic


async def test_a_published_record_is_a_structured_cloudevent_with_its_correlation_id(infra: Infra,
                                                                                     keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        created = await svc.client.post("/admin/conferences", json=conference_body(),
                                        headers=svc.organizer | {"X-Correlation-ID": "corr-ce-1"})
        assert created.status_code == 201, created.text
        [record] = await read_topic(infra.kafka_bootstrap, svc.settings.topic(ConferenceCreated.topic), expect=1)

    headers = {name: value for name, value in record.headers}
    assert headers["content-type"].startswith(b"application/cloudevents+json")
    event = from_kafka_event(KafkaMessage(headers=headers, key=record.key, value=record.value))
    attributes = event.get_attributes()
    assert attributes["specversion"] == "1.0"
    assert attributes["type"] == ConferenceCreated.message_type
    assert attributes["source"] == "registration"
    assert attributes["subject"] == created.json()["id"] == record.key.decode()
    assert attributes["datacontenttype"] == "application/json"
    assert attributes["correlationid"] == "corr-ce-1"
    assert "correlation_id" not in attributes
    data = event.get_data()
    assert isinstance(data, dict)
    assert ConferenceCreated.model_validate(data).conference_id == created.json()["id"]


def test_a_record_written_before_cloudevents_is_still_read_with_its_correlation_id() -> None:
    old = (b'{"id": "m-1", "type": "registration.conference-created.v1", "source": "registration", '
           b'"subject": "c-1", "time": "2025-06-18T09:30:00Z", "correlation_id": "corr-old", '
           b'"data": {"conference_id": "c-1"}}')
    envelope = Envelope.from_bytes(old)
    assert (envelope.specversion, envelope.correlation_id) == ("1.0", "corr-old")
    assert b'"correlationid":"corr-old"' in envelope.to_bytes()


def test_every_cloudevents_attribute_name_is_valid() -> None:
    envelope = Envelope(type="registration.conference-created.v1", source="registration", subject="c-1",
                        correlation_id="corr", data={"conference_id": "c-1"})
    names = set(envelope.model_dump(mode="json"))
    assert names == {"specversion", "id", "type", "source", "subject", "time", "datacontenttype", "correlationid",
                     "data"}
    assert all(name.isascii() and name.isalnum() and name.islower() and len(name) <= 20 for name in names)


async def test_the_service_serves_its_part_of_the_message_catalogue(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        response = await svc.client.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.json() == service_document("registration", MESSAGES)
    assert set(response.json()["channels"]) == {"registration.conferences", "registration.participants"}
