-- Reserved: the issue that owns this number replaces this file with its real migration.
SELECT 1;
