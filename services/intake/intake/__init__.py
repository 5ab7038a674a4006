"""intake: delegations register and submit their forms here."""
