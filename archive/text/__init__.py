"""Text: normalisation, Khmer segmentation and Markdown rendering (no Flask, no database)."""
