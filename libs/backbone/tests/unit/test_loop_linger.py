"""A background loop woken in a burst lingers to share one pass among the
wake-ups; at a trickle it runs at once."""

import eventlet

from rueda_backbone.dependencies import BackgroundLoop


class Passes(BackgroundLoop):
    """Each pass takes every item queued so far."""

    poll_interval = 30.0  # only wake-ups run it here

    def __init__(self, linger):
        self.linger = linger
        self.items = []
        self.passes = []
        self.setup()
        self._running = True

    def run_once(self):
        taken, self.items = self.items, []
        self.last_pass = len(taken)
        if taken:
            self.passes.append(taken)
        return False

    def add(self, *items):
        self.items.extend(items)
        self.wake()


def settle(loop):
    eventlet.sleep(0.05)
    while loop.items:
        eventlet.sleep(0.05)


def test_after_a_busy_pass_a_wake_up_waits_for_the_rest_of_the_burst():
    loop = Passes(linger=1.0)  # far longer than the gaps: the rule, not the speed
    thread = eventlet.spawn(loop._run)
    try:
        eventlet.sleep(0.05)  # the first pass (nothing yet)
        loop.add("a", "b")  # two at once: the loop is busy now
        settle(loop)
        for item in ("c", "d", "e"):
            loop.add(item)
            eventlet.sleep(0.02)
        settle(loop)
        assert loop.passes == [["a", "b"], ["c", "d", "e"]]
    finally:
        thread.kill()


def test_after_a_pass_of_one_item_the_next_runs_at_once():
    loop = Passes(linger=1.0)
    thread = eventlet.spawn(loop._run)
    try:
        eventlet.sleep(0.05)
        for item in ("a", "b", "c"):
            loop.add(item)
            eventlet.sleep(0.1)  # far shorter than the linger
        settle(loop)
        assert loop.passes == [["a"], ["b"], ["c"]]
    finally:
        thread.kill()


def test_no_linger_when_stopping():
    loop = Passes(linger=5.0)
    thread = eventlet.spawn(loop._run)
    eventlet.sleep(0.05)
    loop.last_pass = 3  # as after a busy pass
    loop.items.append("last")
    loop._running = False
    loop.wake()
    with eventlet.Timeout(1.0):
        thread.wait()  # the last pass ran without waiting out the linger
    assert loop.passes == [["last"]]
