"""Local tooling for rueda; nothing here is deployed."""
