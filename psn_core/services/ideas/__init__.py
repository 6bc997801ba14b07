"""The ideas bank: capture in seconds, a state machine enforced by the hub, search, expiry."""
