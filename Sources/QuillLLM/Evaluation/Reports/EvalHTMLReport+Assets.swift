/// The page's inline stylesheet and script. Both are fixed text: nothing from a report is
/// interpolated into them, so escaping stays a matter of the HTML body alone.
extension EvalHTMLReport {
    /// How many evaluation colours the stylesheet defines (`.c0` …); more evaluations reuse them.
    static let paletteSize = 8

    /// A light theme with the system fonts; muted colours per evaluation, red and green kept
    /// for verdicts.
    static let stylesheet = """

    :root { color-scheme: light; --text: #1d2433; --muted: #5f6b7a; --line: #dfe3ea; --page: #f4f6f9; --card: #ffffff;
      --pass: #17803d; --pass-bg: #e4f5e9; --fail: #c0392b; --fail-bg: #fdecea; --fail-row: #fff6f5;
      --c0: #3d6fb6; --c1: #d08a2e; --c2: #4f9a7a; --c3: #9a5ea0; --c4: #c4574f; --c5: #6b7f99; --c6: #8a9a3c; --c7: #2f98a8; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--page); color: var(--text);
      font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
    .mono, .clip { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; }
    .page-head { display: flex; align-items: center; justify-content: space-between; gap: 24px;
      padding: 22px 32px; background: var(--card); border-bottom: 1px solid var(--line); }
    h1 { margin: 0; font-size: 22px; font-weight: 600; }
    h2 { margin: 0 0 6px; font-size: 16px; font-weight: 600; }
    main { padding: 8px 32px 24px; max-width: 1600px; }
    section { margin-top: 22px; }
    footer { padding: 16px 32px 28px; color: var(--muted); font-size: 12px; }
    .meta, .note, .sub, .muted { color: var(--muted); }
    .meta { margin: 4px 0 0; }
    .note { margin: 0 0 10px; font-size: 13px; }
    .sub { font-size: 12px; font-weight: normal; }
    .empty { color: var(--muted); font-style: italic; }
    .small { font-size: 12px; }
    .verdict { font-size: 18px; font-weight: 700; letter-spacing: .06em; padding: 8px 18px; border-radius: 8px; }
    .verdict.pass, .badge.pass, .gate.pass { color: var(--pass); background: var(--pass-bg); }
    .verdict.fail, .badge.fail, .gate.fail { color: var(--fail); background: var(--fail-bg); }
    .verdict.none { color: var(--muted); background: var(--page); }
    .badge { font-size: 11px; font-weight: 700; letter-spacing: .05em; padding: 2px 8px; border-radius: 10px; }
    .gate { display: inline-block; margin: 1px 4px 1px 0; padding: 1px 8px; border-radius: 10px; font-size: 12px; white-space: nowrap; }
    .scroll { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
    table { border-collapse: collapse; width: 100%; }
    th, td { padding: 6px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }
    th { font-size: 12px; font-weight: 600; color: var(--muted); background: #fafbfc; white-space: nowrap; }
    tbody tr:last-child td { border-bottom: none; }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    td.bad, .score.bad, .value.fail { color: var(--fail); font-weight: 600; fill: var(--fail); }
    .score.ok { color: var(--pass); }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; vertical-align: baseline; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 14px; }
    .card { margin: 0; padding: 14px 16px 10px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
    .card figcaption { margin-bottom: 8px; }
    .pair { display: flex; gap: 16px; flex-wrap: wrap; }
    .hist { flex: 1 1 240px; min-width: 0; }
    .hist-title { font-size: 12px; font-weight: 600; color: var(--muted); }
    .chart { display: block; width: 100%; height: auto; }
    .chart text { font-size: 12px; fill: var(--text); }
    .chart .tick, .chart .muted { fill: var(--muted); font-size: 11px; }
    .chart .label { font-size: 13px; }
    .chart .value { font-variant-numeric: tabular-nums; }
    .chart .value.pass { fill: var(--pass); }
    .chart .grid { stroke: #edf0f4; }
    .chart .axis { stroke: #b9c1cc; }
    .chart .ci { stroke: #1d2433; stroke-width: 1.4; fill: none; }
    .chart .threshold { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 5 4; }
    .chart .threshold-label { fill: var(--fail); }
    .bar, .hist-bin { opacity: .85; }
    \((0..<paletteSize).map { ".c\($0) { background: var(--c\($0)); fill: var(--c\($0)); }" }.joined(separator: "\n"))
    .controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px; margin-bottom: 10px; }
    .controls input[type=search] { width: 300px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
    .controls select { padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; background: var(--card); max-width: 420px; }
    .check { display: inline-flex; align-items: center; gap: 6px; }
    .table-wrap { max-height: 900px; overflow: auto; }
    .rows thead th { position: sticky; top: 0; z-index: 1; }
    .rows td { font-size: 13px; }
    .rows tr.failed td { background: var(--fail-row); }
    .rows tr.failed td:first-child { box-shadow: inset 3px 0 0 var(--fail); }
    .rows .key { white-space: nowrap; color: var(--muted); }
    .rows .variant { white-space: nowrap; }
    .rows .input { min-width: 200px; max-width: 340px; }
    .rows .output { min-width: 140px; max-width: 300px; }
    .rows .expected { min-width: 90px; max-width: 200px; }
    .rows .error { color: var(--fail); min-width: 120px; max-width: 240px; }
    .clip { max-height: 4.35em; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
    """

    /// Hides the rows a filter excludes; the initial state can come from the address's fragment
    /// (`#failures=1&q=refund&report=0`), so a link can open the page already filtered.
    static let filterScript = """

    (function () {
      "use strict";
      var text = document.getElementById("filter-text");
      var failures = document.getElementById("filter-failures");
      var report = document.getElementById("filter-report");
      var count = document.getElementById("filter-count");
      var rows = Array.prototype.slice.call(document.querySelectorAll("#rows-table tbody tr.row"));
      var haystacks = rows.map(function (row) { return row.textContent.toLowerCase(); });
      function apply() {
        var needle = text.value.trim().toLowerCase(), onlyFailures = failures.checked, which = report.value, shown = 0;
        rows.forEach(function (row, i) {
          var visible = (!onlyFailures || row.hasAttribute("data-failed")) &&
            (which === "" || row.getAttribute("data-report") === which) &&
            (needle === "" || haystacks[i].indexOf(needle) !== -1);
          row.hidden = !visible;
          if (visible) { shown += 1; }
        });
        var total = rows.length === 1 ? "1 row" : rows.length + " rows";
        count.textContent = shown === rows.length ? total : shown + " of " + total;
      }
      var initial = new URLSearchParams(location.hash.slice(1));
      if (initial.has("q")) { text.value = initial.get("q"); }
      if (initial.get("failures") === "1") { failures.checked = true; }
      if (initial.has("report")) { report.value = initial.get("report"); }
      text.addEventListener("input", apply);
      failures.addEventListener("change", apply);
      report.addEventListener("change", apply);
      apply();
    })();
    """
}
