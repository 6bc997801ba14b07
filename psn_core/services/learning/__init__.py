"""What psn learns: the preference model, strategy changes from evidence, proposals, the review's learning part."""
