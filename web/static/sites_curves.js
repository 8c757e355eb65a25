/* Small inline-SVG curves of the site finder's transforms (raw value -> score 0..1), drawn in each criterion
   row of /sites/finder, and the notes a search returns per criterion (scale from the data, separation).
   window.QingpuCurves: svg(transform, unit, marks) -> SVG text; renderRow(row, criterion) redraws a row. */
(function () {
  "use strict";
  const W = 150, H = 46, LEFT = 14, R = 6, T = 5, B = 14;
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[ch]));
  const fmt = (v) => (Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : `${Math.round(v * 10) / 10}`);

  function apply(t, x) {
    let y;
    if (t.type === "linear") y = (x - t.worst) / (t.best - t.worst);
    else if (t.type === "threshold") y = t.better === "above" ? (x >= t.threshold ? 1 : 0) : (x <= t.threshold ? 1 : 0);
    else y = 1 - Math.abs(x - t.ideal) / t.tolerance;
    return Math.max(0, Math.min(1, y));
  }

  function domain(t) {
    let lo, hi;
    if (t.type === "linear") { lo = Math.min(t.best, t.worst); hi = Math.max(t.best, t.worst); }
    else if (t.type === "threshold") { lo = 0; hi = 2 * t.threshold || 1; }
    else { lo = t.ideal - t.tolerance; hi = t.ideal + t.tolerance; }
    const pad = (hi - lo) * 0.2 || 1;
    return [Math.max(0, lo - pad), hi + pad];
  }

  function valid(t) {
    if (!t) return false;
    const ok = (v) => typeof v === "number" && isFinite(v);
    if (t.type === "linear") return ok(t.best) && ok(t.worst) && t.best !== t.worst;
    if (t.type === "threshold") return ok(t.threshold);
    return ok(t.ideal) && ok(t.tolerance) && t.tolerance > 0;
  }

  // marks: [{value, label}] drawn as ticks on the x axis (e.g. the candidates' percentiles)
  function svg(t, unit, marks) {
    if (!valid(t)) return `<svg class="curve-svg" width="${W}" height="${H}" role="img" aria-label="no curve"><text x="4" y="26" font-size="10" fill="#999">—</text></svg>`;
    const [lo, hi] = domain(t);
    const sx = (x) => LEFT + (x - lo) / (hi - lo) * (W - LEFT - R), sy = (y) => T + (1 - y) * (H - T - B);
    const pts = [];
    for (let i = 0; i <= 80; i++) { const x = lo + (hi - lo) * i / 80; pts.push(`${sx(x).toFixed(1)},${sy(apply(t, x)).toFixed(1)}`); }
    const ticks = (marks || []).filter((m) => m.value >= lo && m.value <= hi).map((m) =>
      `<line x1="${sx(m.value).toFixed(1)}" x2="${sx(m.value).toFixed(1)}" y1="${H - B}" y2="${H - B + 4}" stroke="#d95f0e" stroke-width="1.5"><title>${esc(m.label)}</title></line>`).join("");
    const label = `score 0–1 against ${unit}: ${t.type}`;
    return `<svg class="curve-svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">
      <line x1="${LEFT}" y1="${sy(0)}" x2="${W - R}" y2="${sy(0)}" stroke="#999"/><line x1="${LEFT}" y1="${sy(0)}" x2="${LEFT}" y2="${sy(1)}" stroke="#999"/>
      <text x="1" y="${sy(1) + 4}" font-size="8" fill="#666">1</text><text x="1" y="${sy(0) + 3}" font-size="8" fill="#666">0</text>
      <polyline fill="none" stroke="#1f78b4" stroke-width="1.8" points="${pts.join(" ")}"/>${ticks}
      <text x="${LEFT}" y="${H - 2}" font-size="8" fill="#666">${fmt(lo)}</text>
      <text x="${W - R}" y="${H - 2}" font-size="8" fill="#666" text-anchor="end">${fmt(hi)} ${esc(unit)}</text></svg>`;
  }

  // The transform a row's inputs describe now (null when they are incomplete).
  function rowTransform(row) {
    const type = row.querySelector(".tt").value;
    const a = Number(row.querySelector(".p1").value), bRaw = row.querySelector(".p2").value;
    if (row.querySelector(".p1").value === "") return null;
    if (type === "linear") return {type, best: a, worst: Number(bRaw)};
    if (type === "threshold") return {type, threshold: a, better: bRaw === "above" ? "above" : "below"};
    return {type, ideal: a, tolerance: Number(bRaw)};
  }

  // Redraw a row's curve: from its inputs, or from a search's criterion (its transform, calibration, separation).
  function renderRow(row, criterion) {
    const box = row.querySelector(".curve");
    if (!box) return;
    const unit = row.dataset.unit || "";
    const dataScale = row.querySelector(".scale-data");
    let t = criterion ? criterion.transform : rowTransform(row), marks = [];
    const cal = criterion && criterion.calibration;
    if (cal && cal.p_low !== undefined) {
      marks = [{value: cal.p_low, label: `${cal.low_pct}th percentile of the candidates: ${cal.p_low}`},
               {value: cal.median, label: `median: ${cal.median}`},
               {value: cal.p_high, label: `${cal.high_pct}th percentile: ${cal.p_high}`}];
    }
    if (!criterion && dataScale && dataScale.checked) {
      box.innerHTML = svg(null, unit);
      box.title = "scale set from the candidates' counts when the search runs";
    } else {
      box.innerHTML = svg(t, unit, marks);
      box.title = t ? `${t.type} ${JSON.stringify(t)}` : "";
    }
    if (dataScale) {  // a data-set scale: the stated numbers do not apply, and after a search they show the one used
      for (const el of row.querySelectorAll(".tt, .p1, .p2")) el.disabled = dataScale.checked;
      if (criterion && cal && cal.separates && t.type === "linear") {
        row.querySelector(".p1").value = t.best; row.querySelector(".p2").value = t.worst;
      }
    }
    const note = row.querySelector(".sep");
    if (note) {
      const parts = [];
      if (criterion && cal) parts.push(cal.text);
      if (criterion && criterion.separation && criterion.separation.text) parts.push(criterion.separation.text);
      note.textContent = parts.join(" · ");
      note.className = "sep small" + (criterion && criterion.separation && !criterion.separation.separates ? " warn" : "");
    }
  }

  window.QingpuCurves = {svg, renderRow, rowTransform};
})();
