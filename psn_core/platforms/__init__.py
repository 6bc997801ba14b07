"""Platform clients: the base contract, the four platforms, OAuth and the registry."""
