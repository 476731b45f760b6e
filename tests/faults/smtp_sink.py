"""A real SMTP server (aiosmtpd) for the fault tests, run as its own process by ``servers.SmtpSink``.

While the file given by ``--refuse-while`` exists it answers ``RCPT TO`` with ``451 4.3.0`` (a mail server
that is up but refusing, as one greylisting or over quota does) for the addresses the file lists, or for every
address when it is empty. It accepts the other recipients and appends one JSON line per message (subject,
accepted recipients, Message-ID) to ``--mailbox``, flushed before it answers ``250``, so that a message the
client saw accepted is always counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class Sink:
    def __init__(self, mailbox: Path, refuse_while: Path) -> None:
        self.mailbox = mailbox
        self.refuse_while = refuse_while

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        try:
            refused = set(self.refuse_while.read_text().split())
        except FileNotFoundError:
            refused = None
        if refused is not None and (not refused or address in refused):
            return "451 4.3.0 Mail server busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=default)
        line = json.dumps({"subject": str(message["Subject"]), "to": envelope.rcpt_tos,
                           "message_id": str(message["Message-ID"])})
        with self.mailbox.open("a") as mailbox:
            mailbox.write(line + "\n")
            mailbox.flush()
        return "250 Message accepted for delivery"


async def serve(port: int, sink: Sink) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", port)
    stopped = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    async with server:
        await stopped.wait()


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mailbox", type=Path, required=True)
    parser.add_argument("--refuse-while", type=Path, required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, Sink(args.mailbox, args.refuse_while)))


if __name__ == "__main__":
    main()
