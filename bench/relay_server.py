"""A slow relay in its own process (as a real relay is on its own machine): aiosmtpd answering each
message after DELAY seconds. Prints its port, then at SIGTERM one JSON line: arrival times and the
most messages it received at once.

Usage: python -m bench.relay_server DELAY
"""

from __future__ import annotations

import json
import signal
import sys
import threading

from notifications.catcher import MailboxHandler, MailCatcher


def main(delay: float) -> None:
    relay = MailCatcher(MailboxHandler(delay_seconds=delay))
    relay.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(relay.bound_port, flush=True)
    done.wait()
    relay.stop()
    times = [m.received_at for m in relay.mailbox.messages]
    print(json.dumps({"times": times, "most_at_once": relay.mailbox.most_at_once}), flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]))
