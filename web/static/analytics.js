/* The /analytics page: zone choropleths (LQ, density), H3 hex bins, Gi* hotspots, a density
   overlay, and two charts (LQ per zone, progress toward the 2025 targets). Everything comes from
   the /analytics API; after signing in (web/static/signin.js, shared by every page) investment staff
   see output-based target progress. window.analyticsState reports what was drawn
   (the page test reads it). */
(function () {
  "use strict";
  var NAMES = window.QINGPU_INDUSTRY_NAMES || {};
  var HOT_COLOURS = {
    hot_99: "#b2182b", hot_95: "#ef8a62", hot_90: "#fddbc7", not_significant: "#f7f7f7",
    cold_90: "#d1e5f0", cold_95: "#67a9cf", cold_99: "#2166ac"
  };
  var state = window.analyticsState = { ready: false, layers: {}, charts: {}, errors: [] };
  var map = L.map("analytics-map", { preferCanvas: false }).setView([31.12, 121.09], 10);
  var control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  var layers = {};
  var zonesData = null;
  var charts = {};
  var hotspotLegend = null;

  // Signing in or out (web/static/signin.js) changes what the API shows: draw the page afresh.
  function headers() { return window.QingpuSignIn.headers(); }
  document.addEventListener("qingpu:signin", function () { window.location.reload(); });

  function getJSON(url) {
    return fetch(url, { headers: headers() }).then(function (r) {
      if (!r.ok) { return r.json().then(function (p) { throw new Error(url + ": " + (p.detail || r.status)); }); }
      return r.json();
    });
  }

  function setLayer(name, layer, show) {
    if (layers[name]) { control.removeLayer(layers[name]); map.removeLayer(layers[name]); }
    layers[name] = layer;
    control.addOverlay(layer, name);
    if (show) { layer.addTo(map); }
  }

  function ramp(t) {  // 0..1 -> light yellow .. dark red
    var stops = [[255, 255, 204], [254, 217, 118], [253, 141, 60], [227, 26, 28], [128, 0, 38]];
    t = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    var i = Math.min(Math.floor(t), stops.length - 2), f = t - i;
    var c = stops[i].map(function (v, k) { return Math.round(v + (stops[i + 1][k] - v) * f); });
    return "rgb(" + c.join(",") + ")";
  }

  function lqColour(lq) {  // diverging around 1
    if (lq === null || lq === undefined) { return "#dddddd"; }
    if (lq >= 2) { return "#b2182b"; } if (lq >= 1.25) { return "#ef8a62"; } if (lq >= 0.8) { return "#f7f7f7"; }
    if (lq >= 0.5) { return "#67a9cf"; } return "#2166ac";
  }

  function industryEntry(props, industry) {  // an umbrella's rolled-up row first, else the plain row
    var rows = (props.industries || []).filter(function (e) { return e.industry === industry; });
    return rows.filter(function (e) { return e.group; })[0] || rows[0] || null;
  }

  // -- zones ----------------------------------------------------------------------------------------
  function drawZones() {
    var industry = document.getElementById("industry").value;
    var metric = document.getElementById("zone-metric").value;
    var maxDensity = Math.max.apply(null, zonesData.features.map(function (f) { return f.properties.density_per_km2 || 0; }).concat([1e-9]));
    var zones = zonesData.features.slice().sort(function (a, b) { return b.properties.area_km2 - a.properties.area_km2; });
    var layer = L.geoJSON({ type: "FeatureCollection", features: zones }, {
      style: function (f) {
        var e = industryEntry(f.properties, industry);
        var fill = metric === "lq" ? lqColour(e ? e.lq : 0) : ramp((f.properties.density_per_km2 || 0) / maxDensity);
        return { color: "#555", weight: 1, fillColor: fill, fillOpacity: 0.55, className: "zone-choropleth" };
      },
      onEachFeature: function (f, l) {
        var p = f.properties, e = industryEntry(p, industry);
        l.bindTooltip(p.name_zh + " " + p.name_en + "<br>" + p.firms + " firms, " + (p.density_per_km2 || 0).toFixed(2) +
          " /km², HHI " + (p.hhi === null ? "–" : p.hhi.toFixed(3)) + "<br>" + (NAMES[industry] || industry) + ": " +
          (e ? e.firms + " firms, LQ " + (e.lq === null ? "–" : e.lq.toFixed(2)) + (e.lq_reliable ? "" : " (few firms)") : "none"));
      }
    });
    setLayer(metric === "lq" ? "分区区位熵 Zone LQ" : "分区密度 Zone density", layer, true);
    if (layers[metric === "lq" ? "分区密度 Zone density" : "分区区位熵 Zone LQ"]) {
      var other = metric === "lq" ? "分区密度 Zone density" : "分区区位熵 Zone LQ";
      control.removeLayer(layers[other]); map.removeLayer(layers[other]); delete layers[other];
    }
    state.layers.zones = zones.length;
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
    drawLqChart(industry);
  }

  function drawLqChart(industry) {
    var feats = zonesData.features.filter(function (f) { return f.properties.kind !== "park"; });
    var labels = feats.map(function (f) { return f.properties.name_zh; });
    var values = feats.map(function (f) { var e = industryEntry(f.properties, industry); return e && e.lq !== null ? e.lq : 0; });
    var colours = feats.map(function (f) {
      var e = industryEntry(f.properties, industry);
      return e && e.lq_reliable ? lqColour(e.lq) : "#bbbbbb";
    });
    document.getElementById("lq-industry").textContent = NAMES[industry] || industry;
    if (charts.lq) { charts.lq.destroy(); }
    charts.lq = new Chart(document.getElementById("lq-chart"), {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "LQ " + (NAMES[industry] || industry), data: values,
        backgroundColor: colours, borderColor: "#555", borderWidth: 1 }] },
      options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, title: { display: true, text: "区位熵 LQ (1 = district average)" } } } }
    });
    state.charts.lq = values.length;
  }

  function loadZones() {
    return getJSON("/analytics/zones").then(function (fc) {
      zonesData = fc;
      document.getElementById("min-count").textContent = fc.metadata.parameters.min_count;
      var s = fc.metadata.synthetic;
      if (s && s.note) {
        var n = document.getElementById("synthetic-note"); n.textContent = "⚠ " + s.note; n.hidden = false;
      }
      drawZones();
      return fc;
    });
  }

  // -- hex bins and hotspots ------------------------------------------------------------------------
  function loadHexbins(res) {
    return getJSON("/analytics/hexbins?resolution=" + res).then(function (fc) {
      var max = Math.max.apply(null, fc.features.map(function (f) { return f.properties.count; }).concat([1]));
      var layer = L.geoJSON(fc, {
        style: function (f) {
          return { color: "#444", weight: 0.3, fillColor: ramp(Math.sqrt(f.properties.count / max)), fillOpacity: 0.7,
                   className: "hexbin-cell" };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.h3 + ": " + f.properties.count + " firms, " + f.properties.employees + " employees");
        }
      });
      setLayer("H3 企业计数 Hex bins", layer, false);
      state.layers.hexbins = fc.features.length;
    });
  }

  function loadHotspots(res) {
    return getJSON("/analytics/hotspots?resolution=" + res).then(function (fc) {
      var layer = L.geoJSON(fc, {
        filter: function (f) { return f.properties["class"] !== "not_significant"; },
        style: function (f) {
          return { color: "#333", weight: 0.3, fillColor: HOT_COLOURS[f.properties["class"]], fillOpacity: 0.75,
                   className: "hotspot-cell" };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindTooltip(p.h3 + " " + p["class"] + "<br>Gi* z " + p.gi_z.toFixed(2) + ", p " + p.p_value.toFixed(3) +
            ", q " + p.q_value.toFixed(3) + ", " + p.count + " firms");
        }
      });
      setLayer("Gi* 热点 Hotspots", layer, true);
      var meta = fc.metadata, fdr = meta.fdr;
      var shown = fc.features.filter(function (f) { return f.properties["class"] !== "not_significant"; }).length;
      state.layers.hotspots = fc.features.length;
      state.layers.hotspotsSignificant = shown;
      if (hotspotLegend) { map.removeControl(hotspotLegend); }
      hotspotLegend = L.control({ position: "bottomright" });
      hotspotLegend.onAdd = function () {
        var div = L.DomUtil.create("div", "legend hotspot-legend");
        var rows = ["hot_99", "hot_95", "hot_90", "cold_90", "cold_95", "cold_99"].map(function (k) {
          return "<i style='background:" + HOT_COLOURS[k] + "'></i>" + k.replace("_", " ") + "% (" + (meta.classes[k] || 0) + ")";
        });
        div.innerHTML = "<b>Gi* 热点 hotspots, H3 res " + meta.parameters.resolution + "</b><br>" + rows.join("<br>") +
          "<br><span class='fdr'>" + (fdr.method === "none"
            ? "No FDR correction: raw p-values (expect false positives)"
            : "FDR: " + fdr.method + " applied, α = " + fdr.levels.join(" / ")) +
          "; " + meta.parameters.permutations + " permutations, seed " + meta.parameters.seed + ", " + meta.cells + " cells</span>";
        return div;
      };
      hotspotLegend.addTo(map);
    });
  }

  function loadDensity() {
    return getJSON("/analytics/density?format=overlay").then(function (d) {
      var layer = L.imageOverlay(d.image, d.bounds, { opacity: 0.75, className: "density-overlay" });
      setLayer("核密度 Density (" + Math.round(d.metadata.parameters.bandwidth) + " m)", layer, false);
      state.layers.density = true;
    });
  }

  // -- targets --------------------------------------------------------------------------------------
  function loadTargets() {
    return getJSON("/analytics/targets").then(function (body) {
      var measured = body.targets.filter(function (t) { return t.progress !== null; });
      var list = document.getElementById("targets-unmeasured");
      list.innerHTML = "";
      body.targets.filter(function (t) { return t.progress === null; }).forEach(function (t) {
        var li = document.createElement("li");
        li.textContent = t.indicator_zh + " (" + t.indicator_en + "): " + t.status;
        list.appendChild(li);
      });
      if (charts.targets) { charts.targets.destroy(); }
      charts.targets = new Chart(document.getElementById("targets-chart"), {
        type: "bar",
        data: { labels: measured.map(function (t) { return t.indicator_zh; }),
          datasets: [{ label: "% of the 2025 target", data: measured.map(function (t) { return 100 * t.progress; }),
            backgroundColor: "#41ab5d" }] },
        options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: "% of target (proxy)" } } } }
      });
      state.charts.targets = measured.length;
      state.charts.targetsUnmeasured = body.targets.length - measured.length;
    });
  }

  function report(err) {
    state.errors.push(String(err && err.message || err));
    document.getElementById("status").textContent = "错误 Error: " + state.errors.join("; ");
  }

  function loadGrid() {
    var res = document.getElementById("resolution").value;
    return Promise.all([loadHexbins(res), loadHotspots(res)]);
  }

  document.getElementById("industry").addEventListener("change", function () { if (zonesData) { drawZones(); } });
  document.getElementById("zone-metric").addEventListener("change", function () { if (zonesData) { drawZones(); } });
  document.getElementById("resolution").addEventListener("change", function () { loadGrid().catch(report); });

  // Each panel reports its own failure (e.g. no density surface without enterprises) and the rest still draw.
  var zonesLoaded = loadZones().then(function (fc) {
    var meta = fc.metadata;
    document.getElementById("status").textContent = "数据版本 data version: enterprises " + meta.data_version.enterprises +
      ", zones " + meta.data_version.zones + " · role " + meta.role;
  });
  Promise.all([zonesLoaded, loadGrid(), loadDensity(), loadTargets()].map(function (p) { return p.catch(report); }))
    .then(function () { state.ready = true; });
})();
