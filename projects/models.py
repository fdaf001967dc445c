"""Projects and the 挂图作战 board (filled in by the projects issue)."""
