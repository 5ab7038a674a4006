"""Root of the test tree: eventlet must patch the standard library before
anything imports socket, threading or psycopg2 (nameko requires it)."""

import eventlet

eventlet.monkey_patch()
