"""Documents the office sends out: rendering (DOCX, PDF, HTML, Markdown), case files, item exports."""
