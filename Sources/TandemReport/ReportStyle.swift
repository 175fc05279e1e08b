/// The inline stylesheet of `report.html` (no external fonts or files).
enum ReportStyle {
    static let css = """
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
           font-size: 14px; color: #222; background: #f4f5f7; margin: 0; padding: 24px; }
    main { max-width: 1180px; margin: 0 auto; }
    h1 { font-size: 24px; margin: 0 0 6px 0; }
    h2 { font-size: 18px; margin: 28px 0 10px 0; padding-bottom: 4px; border-bottom: 1px solid #d8dbe0; }
    .card { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 12px 16px; }
    .badge { display: inline-block; padding: 2px 10px; border-radius: 10px; font-size: 13px; font-weight: 600;
             vertical-align: middle; margin-left: 8px; color: #fff; background: #6a737d; }
    .badge.finished { background: #2da44e; }
    .badge.failed { background: #cf222e; }
    .badge.stopped { background: #bf8700; }
    .facts { border-collapse: collapse; }
    .facts th { text-align: left; font-weight: 600; color: #555; padding: 3px 18px 3px 0; vertical-align: top; }
    .facts td { padding: 3px 0; }
    .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
    .plots { display: flex; flex-wrap: wrap; gap: 14px; }
    figure { margin: 0; background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 6px; }
    figure svg { display: block; max-width: 100%; height: auto; }
    table.metrics { border-collapse: collapse; background: #fff; }
    table.metrics th, table.metrics td { padding: 5px 14px; border-bottom: 1px solid #eaecef; text-align: right; }
    table.metrics th:first-child, table.metrics td:first-child { text-align: left; }
    table.metrics thead th { background: #f6f8fa; border-bottom: 2px solid #d8dbe0; }
    .note { color: #555; font-style: italic; }
    .error { color: #cf222e; white-space: pre-wrap; }
    pre { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 12px 16px; overflow: auto; }
    footer { color: #777; font-size: 12px; margin-top: 28px; }
    """
}
