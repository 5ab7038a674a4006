"""followup: tracks every cooperation activity from expression of interest to completion."""
