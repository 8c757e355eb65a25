/* /analytics section "2025 targets" (templates/analytics/_targets.html): the plan's targets that count the
   chosen industry, as a table for everyone; progress bars (actual value, % of the 2025 level, a 100 % line,
   values on the bars) for those who may see output values. Otherwise the chart stays hidden and a sentence
   says why: never an empty chart. */
(function () {
  "use strict";
  var A = window.QingpuAnalytics, C = A.config, fmt = A.fmt, esc = A.esc;
  var chart = null;
  var STATUS_WORDS = {
    "not measurable from enterprise data": "企业数据无法衡量 not measurable from enterprise data"
  };

  function goal(t) {
    if (t.target_level !== null) { return fmt(t.target_level, 1) + " " + t.unit + (t.target === null ? " (按年增速推算 implied by the growth rate)" : ""); }
    if (t.growth_per_year !== null) { return "年增 +" + fmt(100 * t.growth_per_year, 0) + " % a year"; }
    return "—";
  }
  function status(t) {
    if (STATUS_WORDS[t.status]) { return STATUS_WORDS[t.status] + (t.note ? ": " + t.note : ""); }
    if (t.current === null && t.measurable) {
      return "产值保密: 招商人员及以上角色登录后可见 output values are confidential: sign in as investment staff or above";
    }
    return "以企业产值估算 estimated from enterprise output values" + (t.note ? " — " + t.note : "");
  }

  A.section("targets", {
    load: function (f, ctx) {
      return A.getJSON("/analytics/targets" + A.query(ctx.api)).then(function (body) {
        var targets = body.targets, scope = body.metadata.scope;
        document.getElementById("targets-scope").textContent = f.zone ? "· " + A.zoneName(f.zone, "zh") +
          " 对全区目标的贡献 this zone's contribution to the district targets" : "· 全区 whole district";
        document.querySelector("#targets-table tbody").innerHTML = targets.length ? targets.map(function (t) {
          return "<tr><td><b>" + esc(t.indicator_zh) + "</b><br><span class='muted small'>" + esc(t.indicator_en) + "</span></td><td>" +
            esc(goal(t)) + "</td><td class='num'>" + (t.current === null ? "—" : fmt(t.current, 1) + " " + esc(t.unit)) +
            "</td><td class='num'>" + (t.progress === null ? "—" : fmt(100 * t.progress, 0) + " %") + "</td><td class='num'>" +
            (t.firms === null ? "—" : fmt(t.firms, 0) + " 家") + "</td><td class='small'>" + esc(status(t)) + "</td></tr>";
        }).join("") : "<tr><td colspan='6'>" + esc(A.industryName(f.industry)) + " 没有计入 2025 量化目标 — no 2025 target counts this industry.</td></tr>";
        var measured = targets.filter(function (t) { return t.progress !== null; });
        var hidden = document.getElementById("targets-hidden"), figure = document.getElementById("targets-figure");
        if (chart) { chart.destroy(); chart = null; }
        A.state.charts.targets = measured.length;
        A.state.charts.targetsShown = false;
        A.state.charts.targetsUnmeasured = targets.length - measured.length;
        if (!measured.length) {
          figure.hidden = true;
          var confidential = !body.metadata.output_visible && targets.some(function (t) { return t.measurable; });
          hidden.textContent = confidential
            ? "未显示完成度图: 完成度按企业产值计算, 产值仅对招商人员及以上角色公开; 登录后可见。 " +
              "The progress chart is not shown: progress is measured from enterprise output values, which only " +
              "investment staff and above may see. Sign in to see it."
            : (targets.length ? "未显示完成度图: 这些目标无法由企业数据衡量。 No progress chart: these targets cannot be measured from enterprise data."
              : "未显示完成度图: 没有目标计入该产业。 No progress chart: no 2025 target counts this industry.");
          hidden.hidden = false;
          A.state.charts.targetsHiddenReason = hidden.textContent;
          return;
        }
        hidden.hidden = true; figure.hidden = false;
        var values = measured.map(function (t) { return 100 * t.progress; });
        var max = Math.max(110, Math.ceil(Math.max.apply(null, values) * 1.25 / 10) * 10);
        chart = A.barChart(document.getElementById("targets-chart"), null,
          measured.map(function (t) { return t.indicator_zh; }), values,
          measured.map(function (t) { return t.progress >= 1 ? "#1b9e77" : "#7570b3"; }),
          measured.map(function (t) {
            return fmt(100 * t.progress, 0) + " % · " + fmt(t.current, 1) + " / " + fmt(t.target_level, 1) + " " + t.unit;
          }), { axis: "占 2025 目标 % of the 2025 level (以产值估算 proxy" + (body.metadata.synthetic.note ? ", 示例数据 synthetic data" : "") + ")",
                max: max, refLine: { value: 100, label: "100 %" } });
        A.state.charts.targetsShown = true;
        A.state.charts.targetsHiddenReason = null;
        return scope;
      });
    }
  });
})();
