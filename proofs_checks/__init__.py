"""One executable check per claim (DESIGN.md §2); discovered by gsmtheory.verify."""
