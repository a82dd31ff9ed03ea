"""Local infrastructure: Kafka, the MongoDB-protocol server, the mail sink and the services."""
