"""The transactional outbox: events written with the change, processed after commit."""
