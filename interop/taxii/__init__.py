"""A TAXII 2.1 server (read side) over WildNet's intelligence, every request read through the access policy."""
