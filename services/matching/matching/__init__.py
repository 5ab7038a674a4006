"""matching: builds the negotiation rounds of a workshop."""
