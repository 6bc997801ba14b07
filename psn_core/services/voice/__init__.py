"""Voice wing: profile files, the drafting context, learning from edits, the voice report."""
