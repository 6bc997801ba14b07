"""The engagement inbox: conversations worth joining, triaged by the user, answered exactly once."""
