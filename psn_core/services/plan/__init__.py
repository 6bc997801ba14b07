"""The weekly plan: the week's calendar state, candidate topics, slot allocation, saved in the hub."""
