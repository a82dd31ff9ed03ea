"""API fuzzing: schemathesis sends generated requests to every operation of each service's OpenAPI.

Each service runs in-process on the session's real Kafka and MongoDB (schemathesis'
ASGI transport owns its lifespan). A few entities are created first; generated path,
query, header and top-level body values are sometimes swapped for their ids, valid
manage tokens, or values that pass the domain's own checks (a Moroccan phone number,
a known room, a body code), so requests reach existing conferences, sessions,
recommendations and markets instead of stopping at 404 or 422. Each request goes as
a platform administrator (scope admin), as nobody, or - at the marketplace - as
the seeded cooperative's exhibitor. Valid (positive) and invalid (negative) data are
both generated.

Every answer must: not be a 5xx (nor an exception out of the app), carry a status,
content type and body that the OpenAPI document declares for that operation. The
number of examples per operation is bounded and generation derandomized, so a run
is repeatable and takes two to four minutes on two cores; what was tried and what failed
is printed.

Generated values seldom land where query values break a service: a day in year 9999
(whose next day does not exist), a moment whose UTC lies outside the accepted years,
an integer past 64 bits, a page far beyond the last. So each query parameter of each
operation is also sent alone at each of ``EDGE_VALUES``, as every identity: a few
hundred requests per service, some seconds.
"""

import asyncio
import os
import re
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi

from agenda.app import create_app as agenda_app
from agenda.settings import Settings as AgendaSettings
from marketplace.app import create_app as marketplace_app
from marketplace.domain import market_day
from marketplace.settings import Settings as MarketplaceSettings
from recommendations.app import create_app as recommendations_app
from recommendations.settings import Settings as RecommendationsSettings
from registration.app import create_app as registration_app
from registration.settings import Settings as RegistrationSettings
from shared.envelope import make_envelope
from shared.signing import Signer
from support import Infra, Keys, produce_raw, settings_for, unique

# Enough for a run of a minute or so on two cores; raise it for a deeper search:
# TADAMON_FUZZ_EXAMPLES=200 make test-faults PYTEST_ARGS='tests/faults/test_faults_fuzz.py'
EXAMPLES_PER_OPERATION = int(os.environ.get("TADAMON_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
Headers = dict[str, str]
# Values at and past the edges of what a query parameter may carry (see the module's docstring).
EDGE_VALUES = [
    "9999-12-31", "0001-01-01", "2201-01-01", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
    "1970-01-01T00:00:00+01:00", "99999999999999999999", "9223372036854775807", "-9223372036854775809", "-1", "0",
    "1e309", "NaN", "x" * 5000, "a\nb", "",
]
# The OpenAPI document cannot say that a multilingual text needs one language at least.
TEXT = {"ar": "نص", "fr": "Texte"}


@dataclass
class Target:
    """A running service under fuzzing: its client, identities to send requests as, known values."""

    client: requests.Session
    identities: dict[str, Headers]
    known: dict[str, list[Any]] = field(default_factory=dict)

    def send(self, method: str, path: str, headers: Headers | None = None, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, f"seeding {method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


# --- seeds: one of each entity, so that generated requests can reach real ones ------------------------


def seed_registration(target: Target) -> None:
    org = target.identities["organizer"]
    conference = target.send("POST", "/admin/conferences", org, json={
        "kind": "national_conference", "edition": 7, "title": {"ar": "المناظرة الوطنية", "fr": "Assises de l'ESS"},
        "venue": "Palais des congrès", "city": "Skhirat", "region": "rabat-sale-kenitra",
        "starts_on": "2029-06-20", "ends_on": "2029-06-21", "capacity": 100})
    created = target.send("POST", f"/conferences/{conference['id']}/registrations", json={
        "full_name": "Amina Fuzz", "email": "amina.fuzz@example.ma", "phone": "0612345678",
        "organization_name": "Coopérative Argane", "organization_type": "cooperative", "region": "souss-massa",
        "gender": "female", "age_band": "25_34", "language": "fr", "consent": True})
    target.known.update(conference_id=[conference["id"]], registration_id=[created["registration"]["id"]],
                        token=[created["manage_token"]], fmt=["png", "svg"], phone=["0612345678"],
                        email=["fuzz@example.ma", "fuzz2@example.ma"], starts_on=["2029-06-20"],
                        ends_on=["2029-06-21"], region=["souss-massa"], consent=[True], title=[TEXT])


def seed_agenda(target: Target, infra: Infra, prefix: str, signer: Signer) -> None:
    conference_id, registration_id = unique("ess"), unique("reg")
    publish(infra, prefix + "registration.conferences", "registration.conference-created.v1", conference_id, {
        "conference_id": conference_id, "kind": "national_conference", "edition": 7,
        "title": {"ar": "المناظرة الوطنية", "fr": "Assises nationales"}, "slogan": None, "city": "Ben Guerir",
        "region": "marrakech-safi", "venue": "UM6P", "starts_on": "2029-06-20", "ends_on": "2029-06-21",
        "timezone": "Africa/Casablanca", "capacity": 1500, "registration_opens_at": "2029-01-01T00:00:00Z",
        "registration_closes_at": "2029-06-10T00:00:00Z", "requires_approval": False})
    publish(infra, prefix + "registration.participants", "registration.participant-confirmed.v1", registration_id, {
        "registration_id": registration_id, "conference_id": conference_id, "status": "confirmed",
        "category": "cooperative", "region": "souss-massa", "gender": None, "age_band": None, "language": "fr",
        "at": datetime.now(UTC).isoformat()})
    manage = signer.sign({"t": "manage", "r": registration_id, "c": conference_id, "n": uuid.uuid4().hex[:8]})
    wait_for(lambda: target.client.get(f"/conferences/{conference_id}").status_code == 200)
    wait_for(lambda: target.client.get("/me/agenda", headers={"X-Manage-Token": manage}).json().get(
        "registration_status") == "confirmed")
    org = target.identities["organizer"]
    base = f"/conferences/{conference_id}"
    target.send("POST", f"{base}/rooms", org, json={"id": "room-a", "name": "Amphi A", "capacity": 50})
    target.send("POST", f"{base}/speakers", org, json={"id": "spk-a", "name": "Youssef Alaoui"})
    session = target.send("POST", f"{base}/sessions", org, json={
        "id": "ses-a", "title": {"fr": "Accès au marché"}, "kind": "workshop", "room_id": "room-a",
        "starts_at": "2029-06-20T10:00:00", "ends_at": "2029-06-20T11:00:00", "speaker_ids": ["spk-a"],
        "capacity": 10})
    target.send("POST", f"{base}/releases", org)
    agenda = target.send("POST", "/agendas")
    target.known.update(conference_id=[conference_id], session_id=[session["id"]], agenda_id=[agenda["agenda_id"]],
                        token=[manage], room_id=["room-a"], speaker_ids=[["spk-a"]], title=[TEXT], track=["trade"],
                        starts_at=["2029-06-20T14:00:00"], ends_at=["2029-06-20T15:00:00"],
                        **{"x-manage-token": [manage]})


def seed_recommendations(target: Target) -> None:
    org = target.identities["organizer"]
    recommendation = target.send("POST", "/recommendations", org, json={
        "id": "fuzz-r01", "edition": 5, "number": 99, "text": {"fr": "Recommandation d'essai"},
        "themes": ["market_access"], "sdgs": [8], "lead_body": "ministry_ess", "target_date": "2029-12-31"})
    detail = target.send("POST", "/recommendations/fuzz-r01/milestones", org, json={
        "title": {"fr": "Atelier régional"}, "owner": "regions", "due_date": "2029-01-31", "reason": "Planifié"})
    indicator = target.send("POST", "/indicators", org, json={
        "id": "ind-fuzz", "recommendation_id": "fuzz-r01", "name": {"fr": "Emplois"}, "unit": "jobs",
        "baseline": 0, "target": 100})
    target.known.update(recommendation_id=[recommendation["id"]], milestone_id=[detail["milestones"][0]["id"]],
                        indicator_id=[indicator["id"]], owner=["regions"], lead_body=["ministry_ess"],
                        contributing_bodies=[["regions"]], reason=["Décision du comité"], text=[TEXT], title=[TEXT])


def seed_marketplace(target: Target, keys: Keys) -> None:
    org = target.identities["organizer"]
    now = datetime.now(UTC)
    # Today where the market is held: from 23:00 UTC it is already tomorrow in Morocco.
    today = market_day(now).isoformat()
    cooperative = target.send("POST", "/cooperatives", org, json={
        "name": {"fr": "Coopérative Al Amal"}, "register_number": "AGA-1001", "region": "souss-massa",
        "province": "Agadir Ida-Outanane", "sector": "argan_oils", "members": 12, "women_led": True,
        "youth_led": False, "products": [{"name": {"fr": "Huile d'argan"}, "category": "argan_oils",
                                          "unit_price_mad": 180.0}]})
    market = target.send("POST", "/markets", org, json={
        "kind": "mobile_market", "name": {"fr": "Marché mobile"}, "city": "Rabat", "region": "rabat-sale-kenitra",
        "venue": "Bab El Had", "days": [today],
        "application_opens_at": (now - timedelta(days=1)).isoformat(),
        "application_closes_at": (now + timedelta(days=1)).isoformat(),
        "stands": [{"number": n, "zone": "A", "size": "3x3"} for n in (1, 2, 3)]})
    exhibitor = keys.headers(f"exhibitor:cooperative:{cooperative['id']}", sub=f"cooperative:{cooperative['id']}")
    [application] = target.send("POST", "/applications", exhibitor, json={"market_ids": [market["id"]]})
    target.send("POST", f"/applications/{application['id']}/accept", org)
    invitation = target.send("POST", f"/cooperatives/{cooperative['id']}/invitations", org)
    target.identities["exhibitor"] = exhibitor
    target.known.update(cooperative_id=[cooperative["id"]], product_id=[cooperative["products"][0]["product_id"]],
                        market_id=[market["id"]], application_id=[application["id"]], token=[invitation["token"]],
                        day=[today], market_ids=[[market["id"]]], region=["souss-massa"],
                        sector=["argan_oils"], by_category=[{"argan_oils": 1200.0}], name=[TEXT])


def publish(infra: Infra, topic: str, type_: str, subject: str, data: dict[str, Any]) -> None:
    envelope = make_envelope(type=type_, source="registration", subject=subject, data=data)
    asyncio.run(produce_raw(infra.kafka_bootstrap, topic, envelope.to_bytes(), key=subject.encode(),
                            headers=envelope.headers()))


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the seeded messages did not reach the service"
        time.sleep(0.1)


# --- the fuzzing loop ----------------------------------------------------------------------------


@dataclass
class Report:
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)

    def fail(self, operation: str, kind: str, text: str) -> None:
        count, first = self.failures.get((operation, kind), (0, text))
        self.failures[(operation, kind)] = (count + 1, first)


def with_known_values(case: Any, picks: dict[str, Any]) -> None:
    """Swap generated parameters and top-level body fields for known values where a pick says so."""
    operation = case.operation
    if isinstance(case.body, dict):
        case.body.update({name: picks[name] for name in case.body.keys() & picks.keys() if picks[name] is not None})
    for location in ("path_parameters", "query", "headers"):
        for parameter in getattr(operation, location):
            value = picks.get(parameter.name.lower())
            if value is None:
                continue
            if getattr(case, location) is None:
                setattr(case, location, {})
            getattr(case, location)[parameter.name] = value


def fuzz_operation(operation: Any, target: Target, report: Report) -> None:
    statuses = report.statuses.setdefault(operation.label, Counter())
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    # Hypothesis leans towards the first choices: a known id before a generated one, the organizer first.
    known_picks = st.fixed_dictionaries({name: st.sampled_from([*values, None])
                                         for name, values in target.known.items()})

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=cases, picks=known_picks, identity=st.sampled_from(list(target.identities)))
    def run(case: Any, picks: dict[str, Any], identity: str) -> None:
        with_known_values(case, picks)
        headers = target.identities[identity]
        try:
            response = case.call(session=target.client, headers=headers)
        except Exception as exc:  # an exception out of the app: the server error it would be behind a real server
            statuses[-1] += 1
            report.fail(operation.label, f"exception {type(exc).__name__}",
                        "".join(traceback.format_exception(exc))[-3000:])
            return
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                report.fail(operation.label, f"{failure.title} ({response.status_code})", str(group)[:3000])

    run()


def sweep_query_edges(operation: Any, target: Target, report: Report) -> None:
    """Each query parameter alone at each edge value, the path filled with known ids."""
    if not list(operation.query):
        return
    path = operation.path
    for name in re.findall(r"{(\w+)}", path):
        path = path.replace(f"{{{name}}}", str((target.known.get(name.lower()) or ["unknown"])[0]))
    statuses = report.statuses.setdefault(f"{operation.label} (query edges)", Counter())
    for parameter in operation.query:
        for value in EDGE_VALUES:
            for identity, headers in target.identities.items():
                try:
                    response = target.client.request(operation.method.upper(), path, headers=headers,
                                                     params={parameter.name: value})
                except Exception as exc:  # noqa: BLE001 - an exception out of the app is a server error too
                    statuses[-1] += 1
                    report.fail(operation.label, f"exception {type(exc).__name__} with {parameter.name}={value[:40]}",
                                "".join(traceback.format_exception(exc))[-3000:])
                    continue
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    report.fail(operation.label, f"{response.status_code} with {parameter.name}={value[:40]} "
                                f"as {identity}", response.text[:3000])


# --- the services: each builds its app and says how to seed it ----------------------------------

Built = tuple[Any, Callable[[Target], None]]


def registration(infra: Infra, keys: Keys, tmp: Path, prefix: str) -> Built:
    app = registration_app(settings_for(RegistrationSettings, infra, keys, prefix=prefix, mail_poll_seconds=60.0))
    return app, seed_registration


def agenda(infra: Infra, keys: Keys, tmp: Path, prefix: str) -> Built:
    signer = Signer.from_file_or_new("")
    key_file = tmp / "registration_public.pem"
    key_file.write_text(signer.public_pem())
    app = agenda_app(settings_for(AgendaSettings, infra, keys, prefix=prefix,
                                  registration_public_key_file=str(key_file)))
    return app, lambda target: seed_agenda(target, infra, prefix, signer)


def recommendations(infra: Infra, keys: Keys, tmp: Path, prefix: str) -> Built:
    return recommendations_app(settings_for(RecommendationsSettings, infra, keys, prefix=prefix)), seed_recommendations


def marketplace(infra: Infra, keys: Keys, tmp: Path, prefix: str) -> Built:
    app = marketplace_app(settings_for(MarketplaceSettings, infra, keys, prefix=prefix,
                                       jwt_private_key_file=str(keys.private_file)))
    return app, lambda target: seed_marketplace(target, keys)


@pytest.mark.faults
# The services' clients (pymongo, aiokafka) use `random` on the ASGI thread while Hypothesis generates.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.parametrize("build", [registration, agenda, recommendations, marketplace],
                         ids=["registration", "agenda", "recommendations", "marketplace"])
def test_generated_requests_get_no_server_error_and_answers_match_the_openapi_document(
        build: Callable[[Infra, Keys, Path, str], Built], infra: Infra, keys: Keys, tmp_path: Path) -> None:
    started = time.monotonic()
    app, seed = build(infra, keys, tmp_path, unique("fuzz") + ".")
    report = Report()
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        # Schemathesis' own ASGI client: seeding and the cases share the app's lifespan and event loop,
        # which schemathesis would otherwise only end at exit, after the session's servers are gone.
        with asgi.get_client(app) as client:
            target = Target(client=client, identities={"organizer": keys.headers("admin"),
                                                       "anonymous": {}})
            seed(target)
            seeded = time.monotonic()
            operations = [result.ok() for result in schema.get_all_operations()]
            for operation in operations:
                fuzz_operation(operation, target, report)
                sweep_query_edges(operation, target, report)
    finally:
        asgi.shutdown_lifespans()
    total = sum(sum(counts.values()) for counts in report.statuses.values())
    print(f"\n{build.__name__}: {len(operations)} operations, {total} requests, seeded in {seeded - started:.1f} s, "
          f"fuzzed in {time.monotonic() - seeded:.1f} s (as {', '.join(sorted(target.identities))})")
    for label, counts in report.statuses.items():
        print(f"  {label}: " + ", ".join(f"{'exception' if s < 0 else s} x{n}" for s, n in sorted(counts.items())))
    for (label, kind), (count, text) in report.failures.items():
        print(f"\nFAILURE {label}: {kind} x{count}\n{text}")
    assert not report.failures, f"{len(report.failures)} distinct failures: " + "; ".join(
        f"{label}: {kind}" for label, kind in report.failures)
