"""The MLLP listener (``manage.py hl7_listen``): HL7 v2 over TCP, framed 0x0b … 0x1c 0x0d, one
ACK per message, many messages per connection; the same receiver as the HTTP endpoint.

python-hl7's asyncio server does the framing; each message is handed to the (synchronous)
receiver in Django's thread for the ORM, one at a time per connection, in order.
"""

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from hl7.mllp import InvalidBlockError, start_hl7_server

from patients.hl7.message import decoded
from patients.hl7.receive import Received, hl7_receive

logger = logging.getLogger(__name__)

# The largest message accepted (a monitor's ORU is a few kB): beyond it the connection closes.
MAX_MESSAGE_BYTES = 1024 * 1024


def receive_block(block: bytes, by: Any) -> Received:
    close_old_connections()  # a long-lived listener outlives the database's idle timeout
    try:
        return hl7_receive(body=decoded(block), by=by)
    finally:
        close_old_connections()


async def handle_connection(reader: Any, writer: Any, *, by: Any) -> None:
    peer = writer.get_extra_info("peername")
    receive = sync_to_async(receive_block, thread_sensitive=True)
    try:
        while True:
            try:
                block = await reader.readblock()
            except asyncio.IncompleteReadError:
                break  # the sender closed the connection
            except (InvalidBlockError, ValueError) as error:
                logger.warning("hl7 mllp %s: not an MLLP block (%s); closing", peer, error)
                break
            received = await receive(block, by)
            logger.info("hl7 mllp %s: %s repeated=%s", peer, received.ack_code, received.repeated)
            writer.writeblock(received.ack.encode("utf-8"))
            await writer.drain()
    finally:
        writer.close()


async def serve(
    host: str, port: int, *, by: Any = None, started: Callable[[int], None] | None = None
) -> None:
    """Listen until cancelled; ``started`` is told the port (the one chosen, for port 0)."""

    async def connected(reader: Any, writer: Any) -> None:
        await handle_connection(reader, writer, by=by)

    server = await start_hl7_server(connected, host, port, limit=MAX_MESSAGE_BYTES)
    bound = server.sockets[0].getsockname()[1]
    logger.info("hl7 mllp listening on %s:%s", host, bound)
    if started is not None:
        started(bound)
    async with server:
        await server.serve_forever()
