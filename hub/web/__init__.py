"""The hub's web pages: the public planner, the employers' widget and its builder."""
