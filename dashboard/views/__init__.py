"""Pages that read across apps, one module per page family (work, cockpit, team, reports, atlas)."""
