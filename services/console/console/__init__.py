"""rueda console: the secretariat's pages."""
