"""Project bundles (NAME.sorastudio/): load/save (atomic), schema + migrations, autosave, recovery, media."""
