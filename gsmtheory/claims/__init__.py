"""One executable check per claim (docs/design.md §2); discovered by gsmtheory.verify."""
