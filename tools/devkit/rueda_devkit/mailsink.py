"""A local SMTP server that keeps every message it receives as a .eml file.

    rueda-mailsink serve --dir data/mail --port 8025
    rueda-mailsink list --dir data/mail

It stands in for a real mail server in the demo and the tests: notify talks
real SMTP to it, and the files are the proof of what was sent. `--fail CODE:N`
answers the first N messages with CODE (e.g. 451:3) to exercise retries;
`--delay SECONDS` keeps each accepted message that long before answering 250,
as a slow server would (the fault tests kill a sender inside that window).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import itertools
import os
import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class FileSink:
    """aiosmtpd handler writing each accepted message to `<dir>/<time>-<n>.eml`."""

    def __init__(
        self, directory: Path, fail_code: int | None = None, fail_times: int = 0, delay: float = 0.0
    ):
        self.directory = Path(directory)
        self.delay = delay
        self.directory.mkdir(parents=True, exist_ok=True)
        self.fail_code = fail_code
        self.fail_left = fail_times
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        # one (host, port) per SMTP connection that delivered: shows whether a
        # sender reuses its connection
        self.peers: set = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd names it
        with self._lock:
            self.peers.add(session.peer)
            if self.fail_left > 0:
                self.fail_left -= 1
                return (
                    f"{self.fail_code} Simulated failure, try again later"
                    if self.fail_code < 500
                    else f"{self.fail_code} Simulated permanent failure"
                )
            name = f"{time.time_ns()}-{next(self._counter):05d}.eml"
        path = self.directory / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, path)  # readers never see half a message
        if self.delay:
            # kept, but the client does not know yet: a crash now is a hand-off
            # cut after the server took the message
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def start(
    directory: Path,
    host: str = "127.0.0.1",
    port: int = 8025,
    fail_code: int | None = None,
    fail_times: int = 0,
    delay: float = 0.0,
) -> Controller:
    controller = Controller(
        FileSink(directory, fail_code, fail_times, delay), hostname=host, port=port
    )
    controller.start()
    return controller


def read_messages(directory: Path) -> list[tuple[Path, email.message.EmailMessage]]:
    """Every kept message, oldest first."""
    out = []
    for path in sorted(Path(directory).glob("*.eml")):
        with open(path, "rb") as handle:
            out.append((path, email.message_from_binary_file(handle, policy=email.policy.default)))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="rueda-mailsink", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--dir", default="data/mail", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", default=8025, type=int)
    serve.add_argument("--fail", default=None, help="CODE:N, answer the first N messages with CODE")
    serve.add_argument(
        "--delay",
        default=0.0,
        type=float,
        help="seconds to hold each accepted message before answering 250",
    )
    listing = sub.add_parser("list")
    listing.add_argument("--dir", default="data/mail", type=Path)
    args = parser.parse_args(argv)

    if args.command == "list":
        messages = read_messages(args.dir)
        for path, message in messages:
            files = (
                [part.get_filename() for part in message.iter_attachments() if part.get_filename()]
                if message.is_multipart()
                else []
            )
            print(
                f"{path}  to={message['To']}  subject={message['Subject']!s}"
                + (f"  attachments={','.join(files)}" if files else "")
            )
        print(f"{len(messages)} message(s) in {args.dir}")
        return 0

    fail_code, fail_times = None, 0
    if args.fail:
        code, _, times = args.fail.partition(":")
        fail_code, fail_times = int(code), int(times or 1)
    controller = start(args.dir, args.host, args.port, fail_code, fail_times, args.delay)
    print(
        f"mail sink listening on {args.host}:{args.port}, keeping messages in {args.dir}",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
