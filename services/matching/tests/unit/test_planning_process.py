"""The solver runs in a child process, so the service's eventlet hub keeps
serving while CP-SAT works."""

import eventlet

from matching import planning

from .bench_scenarios import medium_scenario


def test_other_green_threads_run_while_the_solver_works():
    ticks = []
    finished_at_tick = []

    def heartbeat():
        while not finished_at_tick:
            ticks.append(1)
            eventlet.sleep(0.01)

    def solve():
        # the medium benchmark is never proven optimal this fast: it uses its whole limit
        document = planning.run_solver(medium_scenario(), time_limit=1.0)
        finished_at_tick.append(len(ticks))
        return document

    beat = eventlet.spawn(heartbeat)
    document = eventlet.spawn(solve).wait()
    beat.wait()
    assert document["rounds"]
    # the heartbeat kept beating while the child solved: a blocked hub would leave it at 1
    assert finished_at_tick[0] > 10
