"""Write operations. Each one enforces the model invariants in one place."""
