"""notify: turns events into emails, in each recipient's language, exactly once."""
