"""An SMTP server on loopback that accepts every message, counts it and keeps nothing.

Run as its own process (`python -m bench.smtpsink`), so its work does not share a Python interpreter
with the code measured. It prints one line, "ready <smtp port> <control port>", once both listen.
The control port answers each line received with "<messages accepted> <connections opened>", but for three
commands: "delay <seconds>" makes it answer each message that much later (a slow relay), "ids" answers
"<messages> <distinct Message-IDs> <distinct recipients>" since the last "reset", which starts them afresh.
"""

import argparse
import asyncio
import re
import signal
import sys

from aiosmtpd.smtp import SMTP

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Counter:
    """An aiosmtpd handler: count each message, keep its Message-ID and recipients, drop its content."""

    def __init__(self) -> None:
        self.messages = 0
        self.connections = 0
        self.delay = 0.0
        self.reset()

    def reset(self) -> None:
        self.since_reset = 0
        self.message_ids: set[bytes] = set()
        self.recipients: set[str] = set()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages += 1
        self.since_reset += 1
        found = _MESSAGE_ID.search(envelope.content[:4096])
        self.message_ids.add(found.group(1) if found else b"")
        self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


class CountingSMTP(SMTP):
    def connection_made(self, transport) -> None:
        self.event_handler.connections += 1
        super().connection_made(transport)


async def _serve_control(counter: Counter, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while line := await reader.readline():
            command = line.split()
            if command[:1] == [b"delay"]:
                counter.delay = float(command[1])
                answer = "ok"
            elif command == [b"reset"]:
                counter.reset()
                answer = "ok"
            elif command == [b"ids"]:
                answer = f"{counter.since_reset} {len(counter.message_ids)} {len(counter.recipients)}"
            else:
                answer = f"{counter.messages} {counter.connections}"
            writer.write(f"{answer}\n".encode())
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve(*, host: str, port: int, control_port: int) -> None:
    loop = asyncio.get_running_loop()
    counter = Counter()
    # A fixed hostname: aiosmtpd would otherwise call socket.getfqdn() for every connection.
    smtp = await loop.create_server(lambda: CountingSMTP(counter, hostname="sink", ident="bench sink"), host, port)
    control = await asyncio.start_server(lambda r, w: _serve_control(counter, r, w), host, control_port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    smtp_port = smtp.sockets[0].getsockname()[1]
    control_port = control.sockets[0].getsockname()[1]
    print(f"ready {smtp_port} {control_port}", flush=True)
    await stop.wait()
    smtp.close()
    control.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--control-port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    asyncio.run(serve(host=args.host, port=args.port, control_port=args.control_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
