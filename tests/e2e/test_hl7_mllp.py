"""The MLLP listener over a real socket (docs/hl7.md, "MLLP"): the listener of
``manage.py hl7_listen`` runs in a thread on an ephemeral port against the test database;
the tests frame messages (0x0b … 0x1c 0x0d) as a monitor gateway does, several on one
connection, and read the ACKs back in order. What the messages mean is tested over HTTP in
tests/patients/hl7 (the same receiver)."""

import asyncio
import contextlib
import io
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from patients.hl7.mllp import serve
from patients.models import Hl7Message, VitalSigns
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.hl7_messages import PHILIPS_DEVICE, philips_like, read_ack

START, END = b"\x0b", b"\x1c\x0d"


@pytest.fixture
def listener(transactional_db: None) -> Iterator[tuple[int, object]]:
    """The listener on 127.0.0.1 and a free port; stopped (its tasks cancelled) afterwards."""
    gateway = UserFactory(role="nurse", username="mllp.gateway")
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    bound: dict[str, int] = {}

    def started(port: int) -> None:
        bound["port"] = port
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        task = loop.create_task(serve("127.0.0.1", 0, by=gateway, started=started))
        try:
            with contextlib.suppress(asyncio.CancelledError):  # the test's end cancels it
                loop.run_until_complete(task)
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="hl7-mllp-test", daemon=True)
    thread.start()
    assert ready.wait(timeout=30), "the listener did not start"
    yield bound["port"], gateway

    def stop() -> None:
        for task in asyncio.all_tasks(loop):
            task.cancel()

    loop.call_soon_threadsafe(stop)
    thread.join(timeout=30)
    assert not thread.is_alive()


def framed(text: str) -> bytes:
    return START + text.encode("utf-8") + END


def read_acks(connection: socket.socket, count: int) -> list[str]:
    """``count`` MLLP blocks from the connection, unframed."""
    buffer = b""
    acks: list[str] = []
    while len(acks) < count:
        chunk = connection.recv(65536)
        assert chunk, f"the listener closed the connection after {len(acks)} ACKs"
        buffer += chunk
        while END in buffer:
            block, buffer = buffer.split(END, 1)
            assert block.startswith(START)
            acks.append(block[1:].decode("utf-8"))
    return acks


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def test_several_messages_on_one_connection_are_each_acknowledged_in_order(listener):
    port, gateway = listener
    patient = AdmissionFactory().patient
    at = (timezone.now() - timedelta(minutes=3)).replace(microsecond=0)
    first = philips_like(patient.mrn, "MLLP-1", at=at)
    unknown = philips_like("NOBODY-1", "MLLP-2", at=at)

    with connect(port) as connection:
        # Sent back to back, as a gateway pipelining its queue: the framing separates them.
        connection.sendall(framed(first) + framed(first) + framed(unknown))
        acks = [read_ack(text) for text in read_acks(connection, 3)]

    assert [(a.code, a.control_id) for a in acks] == [
        ("AA", "MLLP-1"),
        ("AA", "MLLP-1"),
        ("AE", "MLLP-2"),
    ]
    assert acks[1].text == acks[0].text  # the repeat gets the stored ACK
    assert acks[2].error == "204"
    [vitals] = VitalSigns.objects.filter(patient=patient)
    assert (vitals.source, vitals.device_id) == ("device", f"{PHILIPS_DEVICE}^EUI-64")
    assert vitals.taken_at == at
    assert vitals.entered_by == gateway
    assert Hl7Message.objects.count() == 2


def test_a_block_that_is_no_message_is_an_ar_and_the_connection_goes_on(listener):
    port, _ = listener
    patient = AdmissionFactory().patient
    at = (timezone.now() - timedelta(minutes=1)).replace(microsecond=0)

    with connect(port) as connection:
        connection.sendall(framed("not an HL7 message"))
        [refused] = read_acks(connection, 1)
        connection.sendall(framed(philips_like(patient.mrn, "MLLP-3", at=at)))
        [accepted] = read_acks(connection, 1)

    assert read_ack(refused).code == "AR"
    assert read_ack(accepted).code == "AA"
    assert VitalSigns.objects.filter(patient=patient).count() == 1


def test_bytes_without_mllp_framing_close_the_connection(listener):
    port, _ = listener

    with connect(port) as connection:
        connection.sendall(b"MSH|^~\\&|no start block" + END)
        assert connection.recv(1024) == b""  # closed, nothing answered

    assert Hl7Message.objects.count() == 0


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        call_command("hl7_listen", "--port", "0", "--user", "nobody", stdout=io.StringIO())
