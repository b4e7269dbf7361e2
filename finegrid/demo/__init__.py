"""`finegrid demo`: a synthetic street of Chengdu, divided into micro-grids, staffed and
served — everything written through the same actions users' imports go through."""
