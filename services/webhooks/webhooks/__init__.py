"""rueda webhooks: the suite's events, signed and posted to outside systems
that do not speak AMQP (Standard Webhooks), retried, parked and replayed."""
