"""Company wing: company hubs and members, invites, approvals, the brand voice, company doctor checks."""
