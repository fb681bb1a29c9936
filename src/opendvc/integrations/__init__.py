"""Integrations: the durable outbox and the portal's peers (the National Public Service Portal, the
province's one-stop software, the government feedback systems, the SMS provider)."""
