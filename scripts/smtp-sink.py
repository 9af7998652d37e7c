#!/usr/bin/env python3
"""A real SMTP server for the tests: accepts every message and writes it, as received, to
DIR/<time>-<n>.eml, the first line being `X-Envelope-To: <recipients>` so a test finds its
own mail by its unique recipient address. Started by scripts/ensure-smtp."""
import argparse
import itertools
import os
import time

from aiosmtpd.controller import Controller

counter = itertools.count()


class Sink:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{os.getpid()}-{next(counter)}.eml"
        tmp = os.path.join(self.directory, "." + name)
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        # Renamed into place, so a reader never sees half a message.
        os.rename(tmp, os.path.join(self.directory, name))
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=2525)
    p.add_argument("--dir", required=True)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    # The greeting names the directory, so scripts/ensure-smtp can tell its own sink.
    controller = Controller(Sink(a.dir), hostname="127.0.0.1", port=a.port,
                            ident="checkout-smtp-sink " + os.path.abspath(a.dir))
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
