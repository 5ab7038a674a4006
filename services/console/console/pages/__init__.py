"""The console's pages, one module per task; each view takes the visit and
returns a response. Templates live beside them, in `templates/`."""
