/* /analytics section "zone metrics" (templates/analytics/_zones.html): a sortable table of the zones the
   pickers select (names, kind in words, firms, density, the industry's firms, LQ with its four counts
   and its reliability in words, HHI, growth) and two bar charts with their values written on them. */
(function () {
  "use strict";
  var A = window.QingpuAnalytics, C = A.config, fmt = A.fmt, esc = A.esc;
  var charts = {}, rows = [], sort = { key: "firms", dir: -1 };

  function pct(v) { return v === null || v === undefined ? "—" : fmt(100 * v, 1) + " %"; }

  function toRows(fc, industry) {
    return fc.features.map(function (f) {
      var p = f.properties, e = p.selected_industry || null, c = e ? e.lq_counts : null;
      return {
        id: f.id, name: p.name_zh, name_en: p.name_en, kind: A.kindWords(p.kind), kindId: p.kind,
        firms: p.firms, density: p.density_per_km2, hhi: p.hhi, effective: p.effective_industries,
        ind_firms: e ? e.firms : null, lq: e ? e.lq : null, reliable: e ? A.reliabilityWords(e) : "—",
        lq_reliable: e ? e.lq_reliable : null, entry: e,
        lq_counts: c ? c.zone_industry : null,
        counts_text: c ? "区内 in zone " + fmt(c.zone_industry, 0) + " / " + fmt(c.zone, 0) + " · 全区 district " +
          fmt(c.district_industry, 0) + " / " + fmt(c.district, 0) : "—",
        new_firms: industry && e ? e.new_firms : p.new_firms,
        growth: industry && e ? e.stock_growth_per_year : p.stock_growth_per_year
      };
    });
  }

  function drawTable() {
    var key = sort.key, dir = sort.dir;
    rows.sort(function (a, b) {
      var x = a[key], y = b[key];
      if (x === null || x === undefined) { return 1; }
      if (y === null || y === undefined) { return -1; }
      return (typeof x === "string" ? x.localeCompare(y, "zh-CN") : x - y) * dir;
    });
    var body = document.querySelector("#zones-table tbody");
    body.innerHTML = rows.map(function (r) {
      return "<tr data-zone='" + esc(r.id) + "'><td><b>" + esc(r.name) + "</b><br><span class='muted small'>" + esc(r.name_en) +
        "</span></td><td>" + esc(r.kind) + "</td><td class='num'>" + fmt(r.firms, 0) + "</td><td class='num'>" + fmt(r.density, 1) +
        "</td><td class='num'>" + (r.entry ? fmt(r.ind_firms, 0) : "—") +
        "</td><td class='num'>" + (r.entry ? "<i class='sw' style='background:" + A.lqColour(r.entry) + "'></i>" + fmt(r.lq, 2) : "—") +
        "</td><td class='small'>" + esc(r.counts_text) + "</td><td class='small'>" + esc(r.reliable) +
        "</td><td class='num'>" + fmt(r.hhi, 3) + (r.effective ? "<br><span class='muted small'>≈ " + fmt(r.effective, 1) +
        " 个产业 industries</span>" : "") + "</td><td class='num'>" + fmt(r.new_firms, 0) + "</td><td class='num'>" + pct(r.growth) + "</td></tr>";
    }).join("");
    Array.prototype.forEach.call(document.querySelectorAll("#zones-table th"), function (th) {
      th.setAttribute("aria-sort", th.dataset.key === key ? (dir > 0 ? "ascending" : "descending") : "none");
    });
    A.state.table = { rows: rows.length, sortedBy: key, direction: dir > 0 ? "ascending" : "descending" };
  }

  function drawCharts(industry) {
    var list = rows.slice().sort(function (a, b) { return (b.density || 0) - (a.density || 0); });
    charts.density = A.barChart(document.getElementById("density-chart"), charts.density,
      list.map(function (r) { return r.name; }), list.map(function (r) { return r.density || 0; }),
      list.map(function (r) { return C.kindColours[r.kindId] || "#888"; }),
      list.map(function (r) { return fmt(r.density, 1) + " /km²"; }), { axis: "家/km² firms per km²" });
    A.state.charts.density = list.length;
    document.getElementById("density-chart-key").innerHTML = "颜色 = 分区类型 colour = zone kind: " +
      ["core", "corridor", "cluster", "park"].map(function (k) {
        return "<i class='sw' style='background:" + C.kindColours[k] + "'></i>" + esc(A.kindWords(k));
      }).join(" ");
    var canvas = document.getElementById("lq-chart");
    var box = canvas.parentNode.parentNode;
    var why = document.getElementById("lq-chart-why");
    why.hidden = !!industry;
    if (!industry) {  // no empty chart: the LQ is of one industry
      if (charts.lq) { charts.lq.destroy(); charts.lq = null; }
      box.hidden = true;
      A.state.charts.lq = 0;
      return;
    }
    box.hidden = false;
    var lq = rows.filter(function (r) { return r.lq !== null; }).sort(function (a, b) { return b.lq - a.lq; });
    charts.lq = A.barChart(canvas, charts.lq, lq.map(function (r) { return r.name; }), lq.map(function (r) { return r.lq; }),
      lq.map(function (r) { return A.lqColour(r.entry); }),
      lq.map(function (r) { return fmt(r.lq, 2) + (r.lq_reliable ? "" : " (不可靠 unreliable)"); }),
      { axis: "区位熵 LQ of " + A.industryName(industry), refLine: { value: 1, label: "1 = 全区平均" } });
    A.state.charts.lq = lq.length;
  }

  document.querySelector("#zones-table thead").addEventListener("click", function (ev) {
    var th = ev.target.closest("th");
    if (!th) { return; }
    sort = { key: th.dataset.key, dir: sort.key === th.dataset.key ? -sort.dir : (th.dataset.type === "text" ? 1 : -1) };
    drawTable();
  });

  A.section("zones", {
    load: function (f, ctx) {
      return ctx.zones.then(function (fc) {
        Array.prototype.forEach.call(document.querySelectorAll(".span-years"), function (el) {
          el.textContent = fc.metadata.parameters.span;
        });
        rows = toRows(fc, f.industry);
        drawTable();
        drawCharts(f.industry);
      });
    }
  });
})();
