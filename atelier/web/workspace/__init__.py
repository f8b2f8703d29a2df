"""The team's workspace: one module per area (sign-in, ateliers…), each a router with its templates."""
