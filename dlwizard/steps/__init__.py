"""One module per wizard step. Each takes the Project, does its work and records the result."""
