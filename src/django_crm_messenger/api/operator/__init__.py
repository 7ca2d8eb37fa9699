"""The operator REST API: the panel's conversations and actions for other clients."""
