-- Placeholder on branch s-sd only: number 0013 belongs to another part of issue 15. The integrator drops
-- this file when merging (the migration numbering admits no gaps).
SELECT 1;
