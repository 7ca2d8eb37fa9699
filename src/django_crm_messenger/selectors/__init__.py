"""Read queries. Everything an operator can reach is scoped to their branches here."""
