/* The /analytics page as one story: two pickers (plan industry, zone) drive every view. The map draws the
   zones (coloured by LQ or by density), the enterprises, H3 hex bins, Gi* hotspots and a density surface,
   each with its legend and the zones' names; the sections below the map (web/templates/analytics/_*.html)
   register here with QingpuAnalytics.section(name, {load: function (filters, ctx) -> Promise}) and are
   redrawn whenever a picker changes. Everything comes from the API with the pickers as parameters
   (plan_industry=, zone=), so the page shows what the API says. window.analyticsState reports what was
   drawn (the browser tests compare it with the API). Palettes and names come from the layer registry
   through window.QINGPU_ANALYTICS. */
(function () {
  "use strict";
  var C = window.QINGPU_ANALYTICS;
  var sections = [];
  var state = window.analyticsState = { ready: false, filters: {}, layers: {}, charts: {}, errors: [], notes: {} };
  var map, legend, layerControl, labelLayer, generation = 0;
  var layers = {};     // name -> Leaflet layer currently on offer
  var legends = {};    // name -> HTML of its legend
  var ZONES = {};
  C.zones.forEach(function (z) { ZONES[z.id] = z; });
  var PHONE = window.matchMedia("(max-width: 700px)").matches;

  // -- helpers --------------------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || isNaN(v)) { return "—"; }
    return Number(v).toLocaleString("zh-CN", { maximumFractionDigits: digits === undefined ? 2 : digits,
                                               minimumFractionDigits: 0 });
  }
  function industryName(id) {
    var p = C.industries[id];
    return p ? p.zh + " " + p.en : (id === "other" ? "其他 other" : id || "全部产业 all industries");
  }
  function zoneName(id, lang) {
    var z = ZONES[id];
    if (!z) { return id ? id : "全区 whole district"; }
    return lang === "zh" ? z.zh : z.zh + " · " + z.en;
  }
  function kindWords(kind) { var w = C.kinds[kind]; return w ? w[0] + " " + w[1] : kind; }
  function localTime(iso) {  // the API's UTC time, shown in Asia/Shanghai to the minute
    var d = new Date(iso);
    var s = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).format(d);
    return s.replace(/\//g, "-") + " 上海时间 (Asia/Shanghai)";
  }
  function getJSON(url) {
    return fetch(url, { headers: Object.assign({ Accept: "application/json" }, window.QingpuSignIn.headers()) })
      .then(function (r) {
        if (!r.ok) { return r.json().then(function (p) { throw new Error(p.detail || p.title || r.status); }); }
        return r.json();
      });
  }
  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== "" && params[k] !== null && params[k] !== undefined) {
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }
  function lqClass(lq) {
    for (var i = 0; i < C.lqClasses.length; i++) { if (lq >= C.lqClasses[i].min) { return C.lqClasses[i]; } }
    return C.lqClasses[C.lqClasses.length - 1];
  }
  function lqColour(entry) {
    if (!entry || entry.lq === null || entry.lq === undefined || !entry.lq_reliable) { return C.lqUnreliable; }
    return lqClass(entry.lq).colour;
  }
  function reliabilityWords(entry) {
    if (!entry || entry.lq === null || entry.lq === undefined) { return "无法计算 cannot be computed (no firms in the zone)"; }
    return entry.lq_reliable ? "可靠 reliable (" + entry.firms + " 家 firms)"
      : "不可靠 unreliable: 仅 only " + entry.firms + " 家 firms (< " + C.minCount + ")";
  }
  // Quantile classes (at most n) of positive whole counts: [{lo, hi, colour}] with distinct bounds.
  function quantileClasses(values, colours) {
    var v = values.slice().sort(function (a, b) { return a - b; });
    if (!v.length) { return []; }
    var n = colours.length, bounds = [];
    for (var i = 1; i <= n; i++) { bounds.push(v[Math.min(v.length - 1, Math.ceil(i * v.length / n) - 1)]); }
    var out = [], lo = v[0];
    bounds.forEach(function (hi) {
      if (out.length && hi <= out[out.length - 1].hi) { return; }
      out.push({ lo: lo, hi: hi }); lo = hi + 1;
    });
    out.forEach(function (c, k) { c.colour = colours[Math.round(k * (n - 1) / Math.max(1, out.length - 1))]; });
    return out;
  }
  function classOf(classes, value) {
    for (var i = 0; i < classes.length; i++) { if (value <= classes[i].hi) { return classes[i]; } }
    return classes[classes.length - 1];
  }
  function rangeWords(c) { return c.lo === c.hi ? fmt(c.lo, 0) : fmt(c.lo, 0) + "–" + fmt(c.hi, 0); }

  // Chart.js plugins of our own: each bar's value written beside it, and a reference line (LQ 1, 100 %).
  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var labels = chart.options.plugins.valueLabels && chart.options.plugins.valueLabels.labels;
      if (!labels) { return; }
      var ctx = chart.ctx, meta = chart.getDatasetMeta(0);
      ctx.save();
      ctx.font = "12px sans-serif"; ctx.fillStyle = "#222"; ctx.textBaseline = "middle";
      meta.data.forEach(function (bar, i) {
        var text = labels[i], w = ctx.measureText(text).width;
        var x = bar.x + 4, inside = x + w > chart.chartArea.right;  // no room beyond the bar: write inside it, in white
        if (inside) { x = Math.max(chart.chartArea.left + 2, bar.x - w - 4); }
        ctx.fillStyle = inside ? "#fff" : "#222";
        if (inside) { ctx.strokeStyle = "rgba(0,0,0,.6)"; ctx.lineWidth = 2.5; ctx.strokeText(text, x, bar.y); }
        ctx.fillText(text, x, bar.y);
      });
      ctx.restore();
    }
  };
  var refLine = {
    id: "refLine",
    afterDatasetsDraw: function (chart) {
      var opt = chart.options.plugins.refLine;
      if (!opt || opt.value === undefined) { return; }
      var x = chart.scales.x.getPixelForValue(opt.value), a = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "#111"; ctx.lineWidth = 2; ctx.setLineDash([6, 3]);
      ctx.beginPath(); ctx.moveTo(x, a.top); ctx.lineTo(x, a.bottom); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = "#111"; ctx.font = "bold 12px sans-serif"; ctx.textAlign = "center";
      ctx.fillText(opt.label, x, a.top - 6);
      ctx.restore();
    }
  };
  function barChart(canvas, old, labels, values, colours, texts, opts) {
    if (old) { old.destroy(); }
    var box = canvas.parentNode;
    box.style.height = Math.max(120, labels.length * 24 + 60) + "px";
    return new Chart(canvas, {
      type: "bar", plugins: [valueLabels, refLine],
      data: { labels: labels, datasets: [{ data: values, backgroundColor: colours, borderColor: "#555", borderWidth: 1 }] },
      options: { animation: false, indexAxis: "y", maintainAspectRatio: false, responsive: true,
        layout: { padding: { top: 18, right: 8 } },
        plugins: { legend: { display: false }, valueLabels: { labels: texts }, refLine: opts.refLine,
                   tooltip: { callbacks: { title: function (c) { return labels[c[0].dataIndex]; },
                                           label: function (c) { return texts[c.dataIndex]; } } } },
        scales: { x: { beginAtZero: true, max: opts.max, title: { display: true, text: opts.axis } },
                  y: { ticks: { autoSkip: false, font: { size: 11 }, callback: function (v) {
                    // on a phone long names are shortened on the axis (the tooltip and the table keep them whole)
                    var name = String(labels[v]), room = box.clientWidth < 500 ? 9 : 26;
                    return name.length > room ? name.slice(0, room - 1) + "…" : name;
                  } } } } }
    });
  }

  // -- the map --------------------------------------------------------------------------------------
  function initMap() {
    map = L.map("analytics-map", { zoomSnap: 0.5 }).setView([31.12, 121.09], 10);
    L.control.scale({ imperial: false }).addTo(map);
    layerControl = L.control.layers(null, null, { collapsed: PHONE, position: "topright" }).addTo(map);
    // Drawing order: zones (overlayPane, 400) < density surface < hex cells and hotspots < enterprises < labels.
    [["surface", 405], ["cells", 410], ["firms", 430], ["labels", 650]].forEach(function (p) {
      map.createPane(p[0]); map.getPane(p[0]).style.zIndex = p[1];
    });
    map.getPane("labels").style.pointerEvents = "none"; map.getPane("surface").style.pointerEvents = "none";
    legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "legend analytics-legend");
      L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    if (PHONE) { legend.addTo(map); }  // on a desktop the legend stands beside the map (#legend-panel)
    map.on("overlayadd overlayremove", drawLegend);
    map.on("zoomend moveend", placeLabels);
  }

  function offer(name, layer, show, legendHtml) {
    if (layers[name]) { layerControl.removeLayer(layers[name]); map.removeLayer(layers[name]); }
    layers[name] = layer; legends[name] = legendHtml;
    if (layer) {
      layerControl.addOverlay(layer, name);
      if (show) { layer.addTo(map); }
    }
  }
  function drop(name) {
    if (layers[name]) { layerControl.removeLayer(layers[name]); map.removeLayer(layers[name]); }
    delete layers[name]; delete legends[name];
  }
  var ORDER = ["zones", "hotspots", "hexbins", "density", "enterprises"];
  function drawLegend() {
    var div = PHONE ? document.querySelector(".analytics-legend") : $("legend-panel");
    if (!div) { return; }
    var parts = [];
    ORDER.forEach(function (key) {
      Object.keys(layers).forEach(function (name) {
        if (layers[name] && layers[name]._qpKey === key && map.hasLayer(layers[name]) && legends[name]) {
          parts.push("<div class='legend-part legend-" + key + "'>" + legends[name] + "</div>");
        }
      });
    });
    div.innerHTML = "<details" + (PHONE ? "" : " open") + "><summary>图例 Legend</summary>" +
      (parts.join("") || "<p>未显示图层 no layer shown</p>") + "</details>";
    state.legends = parts.length;
  }
  function swatch(colour, text, border) {
    return "<div><i style='background:" + colour + (border ? ";border:1px solid #777" : "") + "'></i>" + text + "</div>";
  }

  // Zone names on the map: one label per zone at a point inside it; parks only from zoom 12; a label that
  // would overlap one already placed (core and corridor first, then clusters, then parks) is hidden.
  var zoneLabels = [];
  function drawLabels(features) {
    if (labelLayer) { map.removeLayer(labelLayer); }
    labelLayer = L.layerGroup().addTo(map);
    zoneLabels = [];
    var rank = { core: 0, corridor: 1, cluster: 2, park: 3 };
    features.slice().sort(function (a, b) { return rank[a.properties.kind] - rank[b.properties.kind]; }).forEach(function (f) {
      var gj = L.geoJSON(f), centre = labelPoint(f, gj);
      var m = L.marker(centre, { pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "zone-label zone-label-" + f.properties.kind, html: "<span>" + esc(f.properties.name_zh) + "</span>",
                          iconSize: null }) });
      m.addTo(labelLayer);
      zoneLabels.push({ marker: m, kind: f.properties.kind, id: f.id });
    });
    placeLabels();
  }
  function labelPoint(f, gj) {  // the centre of the largest polygon's bounds, or a vertex-mean when that lies outside
    var b = gj.getBounds(), c = b.getCenter();
    return c;
  }
  function placeLabels() {
    if (!map || !zoneLabels.length) { return; }
    var placed = [], zoom = map.getZoom(), shown = 0;
    var single = zoneLabels.length <= 3;
    zoneLabels.forEach(function (l) {
      var el = l.marker.getElement();
      if (!el) { return; }
      var visible = single || l.kind !== "park" || zoom >= 12;
      el.style.display = visible ? "" : "none";
      if (!visible) { return; }
      // try the label at its place, then nudged up or down by a line; hide it when every try overlaps
      var span = el.firstChild, tries = [0, -16, 16, -32, 32], r = null;
      for (var k = 0; k < tries.length; k++) {
        span.style.marginTop = tries[k] + "px";
        var box = span.getBoundingClientRect();
        var clash = placed.some(function (p) {
          return box.left < p.right && box.right > p.left && box.top < p.bottom && box.bottom > p.top;
        });
        if (!clash) { r = box; break; }
      }
      if (!r) { span.style.marginTop = "0px"; el.style.display = "none"; return; }
      placed.push(r); shown++;
    });
    state.layers.labels = shown;
  }

  // -- loading --------------------------------------------------------------------------------------
  function filters() {
    return { industry: $("industry").value, zone: $("zone").value, metric: $("zone-metric").value,
             resolution: $("resolution").value };
  }
  function apiParams(f) { return { plan_industry: f.industry, zone: f.zone }; }

  function loadZones(f, gen) {
    return getJSON("/analytics/zones" + query(apiParams(f))).then(function (fc) {
      if (gen !== generation) { return fc; }
      var lq = f.metric === "lq" && f.industry;
      var dens = fc.features.map(function (x) { return x.properties.density_per_km2 || 0; });
      var dClasses = quantileClasses(dens.map(function (d) { return Math.round(d); }), C.zoneDensityColours);
      var feats = fc.features.slice().sort(function (a, b) { return b.properties.area_km2 - a.properties.area_km2; });
      var layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
        style: function (x) {
          var p = x.properties;
          var fill = lq ? lqColour(p.selected_industry) : classOf(dClasses, Math.round(p.density_per_km2 || 0)).colour;
          return { color: "#333", weight: p.kind === "park" ? 1 : 1.5, dashArray: p.kind === "park" ? "4 3" : null,
                   fillColor: fill, fillOpacity: 0.6, className: "zone-choropleth" };
        },
        onEachFeature: function (x, l) { l.bindPopup(function () { return zonePopup(x.properties, f); }, { maxWidth: 300 }); }
      });
      layer._qpKey = "zones";
      var html;
      if (lq) {
        html = "<b>区位熵 LQ · " + esc(industryName(f.industry)) + "</b>" + C.lqClasses.map(function (c) {
          return swatch(c.colour, esc(c.label), true);
        }).join("") + swatch(C.lqUnreliable, "企业少于 " + C.minCount + " 家: 不可靠 fewer than " + C.minCount + " firms: unreliable", true);
      } else {
        html = "<b>分区企业密度 Zone density (firms per km²)</b>" + dClasses.map(function (c) {
          return swatch(c.colour, rangeWords(c), true);
        }).join("") + (f.metric === "lq" ? "<div class='hint'>选择一个产业以查看区位熵 choose an industry to see its LQ</div>" : "");
      }
      html += "<div class='hint'>虚线边框 = 园区 dashed outline = park; 分区相互重叠 zones overlap</div>";
      offer(lq ? "分区区位熵 Zone LQ" : "分区密度 Zone density", layer, true, html);
      drop(lq ? "分区密度 Zone density" : "分区区位熵 Zone LQ");
      drawLabels(fc.features);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false }); }
      state.layers.zones = fc.features.length;
      state.layers.zoneColouring = lq ? "lq" : "density";
      return fc;
    });
  }
  function zonePopup(p, f) {
    var e = p.selected_industry;
    var rows = [["类型 Kind", kindWords(p.kind)], ["企业 Firms", fmt(p.firms, 0)],
      ["密度 Density", fmt(p.density_per_km2, 1) + " 家/km² firms per km²"], ["面积 Area", fmt(p.area_km2, 1) + " km²"],
      ["HHI", fmt(p.hhi, 3)]];
    if (e) {
      rows.push([esc(industryName(f.industry)), fmt(e.firms, 0) + " 家 firms"]);
      rows.push(["区位熵 LQ", fmt(e.lq, 2) + " — " + reliabilityWords(e)]);
    }
    return "<b>" + esc(p.name_zh) + "</b><br><span class='muted'>" + esc(p.name_en) + "</span><table class='popup'>" +
      rows.map(function (r) { return "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>"; }).join("") + "</table>";
  }

  function loadEnterprises(f, gen) {
    // The same filters as the API's: the industry with its children (CQL2 IN), and zone membership.
    var params = { limit: 10000, properties: "name,plan_industry,primary_zone" };
    if (f.industry) {
      params.filter = "plan_industry IN (" + C.industries[f.industry].family.map(function (i) { return "'" + i + "'"; }).join(",") + ")";
      params["filter-lang"] = "cql2-text";
    }
    if (f.zone) { params.zones = f.zone; }
    var features = [];
    function page(url, n) {
      return getJSON(url).then(function (fc) {
        features = features.concat(fc.features);
        var next = (fc.links || []).filter(function (l) { return l.rel === "next"; })[0];
        return next && n < 5 ? page(next.href, n + 1) : fc;
      });
    }
    return page("/collections/enterprises/items" + query(params), 1).then(function () {
      if (gen !== generation) { return; }
      var renderer = L.canvas({ padding: 0.3, pane: "firms" });
      var layer = L.layerGroup(features.map(function (x) {
        var c = x.geometry.coordinates, p = x.properties;
        return L.circleMarker([c[1], c[0]], { renderer: renderer, radius: 2.5, color: "#1a1a1a", weight: 0.5,
                                             fillColor: "#4d4d4d", fillOpacity: 0.85 })
          .bindTooltip(esc(p.name) + "<br>" + esc(industryName(p.plan_industry)) +
                       (p.primary_zone ? "<br>" + esc(zoneName(p.primary_zone)) : ""));
      }));
      layer._qpKey = "enterprises";
      offer("企业 Enterprises", layer, true, swatch("#4d4d4d", "企业 enterprises: " + fmt(features.length, 0) + " 家", true));
      state.layers.enterprises = features.length;
    });
  }

  function loadHexbins(f, gen) {
    return getJSON("/analytics/hexbins" + query(Object.assign({ resolution: f.resolution }, apiParams(f)))).then(function (fc) {
      if (gen !== generation) { return fc; }
      var classes = quantileClasses(fc.features.map(function (x) { return x.properties.count; }), C.hexColours);
      var layer = L.geoJSON(fc, { pane: "cells",
        style: function (x) {
          return { color: "#555", weight: 0.4, fillColor: classOf(classes, x.properties.count).colour, fillOpacity: 0.75,
                   className: "hexbin-cell" };
        },
        onEachFeature: function (x, l) {
          l.bindTooltip(fmt(x.properties.count, 0) + " 家企业 firms · " + fmt(x.properties.employees, 0) + " 从业人员 employees");
        }
      });
      layer._qpKey = "hexbins";
      var counts = classes.map(function (c) {
        return fc.features.filter(function (x) { return classOf(classes, x.properties.count) === c; }).length;
      });
      offer("H3 六边形企业数 Firms per hex cell", layer, false,
        "<b>每格企业数 Firms per H3 cell (level " + esc(f.resolution) + ", 分位数分级 quantile classes)</b>" +
        classes.map(function (c, k) { return swatch(c.colour, rangeWords(c) + " 家 firms (" + counts[k] + " 格 cells)", true); }).join(""));
      state.layers.hexbins = fc.features.length;
      state.layers.hexbinFirms = fc.metadata.firms;
      return fc;
    });
  }

  function hotWords(klass, fdr) {
    var w = C.hotWords[klass] || [klass, klass];
    var corrected = fdr.method === "none" ? "未做错误发现率校正 no false-discovery correction"
      : "错误发现率校正后 after false-discovery correction";
    return w[0] + " · " + w[1] + (klass === "not_significant" ? "" : ", " + corrected);
  }
  function loadHotspots(f, gen) {
    var params = Object.assign({ resolution: f.resolution, only: "significant" }, apiParams(f));
    return getJSON("/analytics/hotspots" + query(params)).then(function (fc) {
      if (gen !== generation) { return fc; }
      var meta = fc.metadata, fdr = meta.fdr;
      var layer = L.geoJSON(fc, { pane: "cells",
        style: function (x) {
          return { color: "#222", weight: 0.6, fillColor: C.hotColours[x.properties["class"]], fillOpacity: 0.85,
                   className: "hotspot-cell" };
        },
        onEachFeature: function (x, l) {
          var p = x.properties;
          l.bindTooltip("<b>" + esc(hotWords(p["class"], fdr)) + "</b><br>" + fmt(p.count, 0) + " 家企业 firms in the cell");
        }
      });
      layer._qpKey = "hotspots";
      var keys = ["hot_99", "hot_95", "hot_90", "cold_90", "cold_95", "cold_99"];
      var present = keys.filter(function (k) { return meta.classes[k]; });
      var html = "<b>热点与冷点 Hot and cold spots (Gi*, H3 level " + esc(meta.parameters.resolution) + ")</b>" +
        present.map(function (k) {
          return swatch(C.hotColours[k], esc((C.hotWords[k] || [k, k]).join(" · ")) + " (" + meta.classes[k] + " 格 cells)", true);
        }).join("") + (present.length ? "" : "<div>无显著的格 no significant cell</div>") +
        "<div class='hint'>" + (fdr.method === "none" ? "未做错误发现率校正: 会有误报 no false-discovery correction: expect false alarms"
          : "错误发现率校正后 after false-discovery correction (Benjamini–Hochberg)") +
        "; 不显著的格不着色 cells not significant are left blank (" + (meta.classes.not_significant || 0) + ")</div>";
      offer("热点 Hot and cold spots", layer, true, html);
      var hot = 0, cold = 0;
      fc.features.forEach(function (x) { if (x.properties["class"].indexOf("hot") === 0) { hot++; } else { cold++; } });
      state.layers.hotspots = fc.features.length;
      state.layers.hotspotsSignificant = fc.features.length;
      state.notes.fdr = fdr; state.notes.hotspots = { hot: hot, cold: cold, cells: meta.cells, classes: meta.classes,
                                                       permutations: meta.parameters.permutations, firms: meta.firms };
      return fc;
    });
  }

  function loadDensity(f, gen, firms) {
    if (firms < 2) {  // the API needs two firms for a surface: say so instead of asking
      drop("核密度 Density surface");
      state.layers.density = false;
      state.notes.density = "企业少于两家, 无法估计密度面 fewer than two firms: no density surface";
      return Promise.resolve();
    }
    return getJSON("/analytics/density" + query(Object.assign({ format: "overlay" }, apiParams(f)))).then(function (d) {
      if (gen !== generation) { return; }
      var layer = L.imageOverlay(d.image, d.bounds, { opacity: 0.8, className: "density-overlay", pane: "surface" });
      layer._qpKey = "density";
      var unit = d.metadata.unit === "firms per km²" ? "家/km² firms per km²" : d.metadata.unit;
      offer("核密度 Density surface", layer, false,
        "<b>核密度 Kernel density (" + esc(unit) + ")</b><div class='ramp' style='background:linear-gradient(to right," +
        C.densityRamp.join(",") + ")'></div><div class='ramp-ends'><span>0</span><span>" + fmt(d.max, 1) + "</span></div>" +
        "<div class='hint'>带宽 bandwidth " + fmt(d.metadata.parameters.bandwidth, 0) + " m · " + fmt(d.metadata.firms, 0) + " 家企业 firms</div>");
      state.layers.density = true;
      state.layers.densityFirms = d.metadata.firms;
      state.notes.density = "核密度: 高斯核, 带宽 " + fmt(d.metadata.parameters.bandwidth, 0) + " m (" +
        (d.metadata.parameters.bandwidth_rule.indexOf("Scott") === 0 ? "Scott 规则 Scott's rule" : "given") +
        "), 在 EPSG:4549 中计算 — Gaussian kernel density computed in EPSG:4549; peak " + fmt(d.max, 1) + " " + unit + ".";
    });
  }

  // -- the summary beside the map -------------------------------------------------------------------
  function summarise(f, zones) {
    $("summary-filter").textContent = industryName(f.industry) + " · " + zoneName(f.zone);
    var facts = [];
    facts.push("企业 Firms shown: " + fmt(state.layers.enterprises, 0) + " 家");
    facts.push("H3 " + f.resolution + " 级有企业的格 cells with firms: " + fmt(state.layers.hexbins, 0));
    var h = state.notes.hotspots;
    if (h) {
      facts.push("热点 hot spots: " + h.hot + " 格 cells · 冷点 cold spots: " + h.cold + " 格 cells (of " + fmt(h.cells, 0) + ")");
    }
    if (zones && f.industry) {
      var best = zones.features.filter(function (z) { return z.properties.selected_industry && z.properties.selected_industry.lq_reliable; })
        .sort(function (a, b) { return b.properties.selected_industry.lq - a.properties.selected_industry.lq; })[0];
      facts.push(best ? "区位熵最高 highest reliable LQ: " + best.properties.name_zh + " " + fmt(best.properties.selected_industry.lq, 2)
        : "没有分区有足够企业计算可靠的区位熵 no zone has enough firms for a reliable LQ");
    }
    if (state.notes.density) { facts.push(state.notes.density.split(" — ")[0]); }
    $("summary-facts").innerHTML = facts.map(function (t) { return "<li>" + esc(t) + "</li>"; }).join("");
    var fdr = state.notes.fdr;
    var sig = fdr ? (fdr.method === "none" ? "显著性未做错误发现率校正 (原始 p 值, 会有误报) — significance without false-discovery correction (raw p-values: expect false alarms)."
      : "显著性: Gi* 置换检验 " + fmt(h.permutations, 0) + " 次, Benjamini–Hochberg 错误发现率校正后分 90 / 95 / 99 % — " +
        "significance from " + fmt(h.permutations, 0) + " permutations, classed at 90, 95 and 99 % after false-discovery correction (at most 10 % of the cells called hot or cold are expected to be false alarms).") : "";
    $("significance-note").textContent = sig;
    var n = $("note-fdr"); if (n) { n.textContent = sig; }
    var d = $("note-density"); if (d) { d.textContent = state.notes.density || ""; }
  }

  // -- the flow -------------------------------------------------------------------------------------
  function setUrl(f) {
    var q = query({ industry: f.industry, zone: f.zone, metric: f.metric === "lq" ? "" : f.metric,
                    resolution: f.resolution === "8" ? "" : f.resolution });
    window.history.replaceState(null, "", window.location.pathname + q);
  }
  function readUrl() {
    var q = new URLSearchParams(window.location.search);
    [["industry", "industry"], ["zone", "zone"], ["metric", "zone-metric"], ["resolution", "resolution"]].forEach(function (p) {
      var v = q.get(p[0]), el = $(p[1]);
      if (v !== null && Array.prototype.some.call(el.options, function (o) { return o.value === v; })) { el.value = v; }
    });
  }
  function report(err) {
    state.errors.push(String(err && err.message || err));
    $("status").textContent = "错误 Error: " + state.errors.join("; ");
  }

  function load() {
    var gen = ++generation, f = filters();
    state.ready = false; state.errors = []; state.notes = {};
    setUrl(f);
    $("zones-industry") && ($("zones-industry").textContent = industryName(f.industry) + " · " + zoneName(f.zone));
    var zones = loadZones(f, gen);
    var hex = loadHexbins(f, gen);
    var jobs = [
      zones.then(function (fc) {
        var m = fc.metadata, s = m.synthetic;
        if (s && s.note) {
          var note = "⚠ 示例数据: " + fmt(s.synthetic, 0) + " / " + fmt(s.firms, 0) + " 家企业为生成的演示数据, 不代表青浦的真实经济 · " +
            "synthetic demo data: " + fmt(s.synthetic, 0) + " of " + fmt(s.firms, 0) +
            " firms are generated; the figures describe the demo, not Qingpu's real economy.";
          $("synthetic-note").textContent = note; $("synthetic-note").hidden = false;
          var ns = $("note-synthetic"); if (ns) { ns.textContent = note; }
        }
        $("status").textContent = "数据计算于 computed " + localTime(m.computed_at) + " · 当前角色 role: " +
          window.QingpuSignIn.roleWords(m.role);
      }),
      hex, loadHotspots(f, gen), loadEnterprises(f, gen),
      hex.then(function (fc) { return loadDensity(f, gen, fc.metadata.firms); })
    ];
    // The 产业链 section (web/static/analytics_chains.js) keeps a chain picker of its own: it follows the
    // page's industry whenever that industry has a chain.
    var chainSel = $("chain-industry");
    if (chainSel && f.industry && chainSel.value !== f.industry &&
        Array.prototype.some.call(chainSel.options, function (o) { return o.value === f.industry; })) {
      chainSel.value = f.industry;
      chainSel.dispatchEvent(new Event("change"));
    }
    sections.forEach(function (s) {
      jobs.push(Promise.resolve().then(function () { return s.load(f, { zones: zones, api: apiParams(f) }); }));
    });
    return Promise.all(jobs.map(function (p) { return p.catch(report); })).then(function () {
      if (gen !== generation) { return; }
      return zones.then(function (fc) { summarise(f, fc); }, function () { summarise(f, null); });
    }).then(function () {
      if (gen !== generation) { return; }
      drawLegend();
      state.filters = f;
      state.ready = true;
    });
  }

  function start() {
    initMap();
    readUrl();
    Array.prototype.forEach.call(document.querySelectorAll(".min-count"), function (el) { el.textContent = C.minCount; });
    $("industry").addEventListener("change", function () {
      // a chosen industry is read through its LQ; all industries through density
      $("zone-metric").value = $("industry").value ? "lq" : "density";
      load();
    });
    ["zone", "zone-metric", "resolution"].forEach(function (id) { $(id).addEventListener("change", load); });
    if (!$("industry").value && !new URLSearchParams(window.location.search).get("metric")) { $("zone-metric").value = "density"; }
    // Signing in or out changes what the API shows (output values): the page draws itself afresh.
    document.addEventListener("qingpu:signin", function () { window.location.reload(); });
    load();
  }

  window.QingpuAnalytics = {
    config: C, start: start, getJSON: getJSON, query: query, fmt: fmt, esc: esc, industryName: industryName,
    zoneName: zoneName, kindWords: kindWords, lqColour: lqColour, reliabilityWords: reliabilityWords,
    barChart: barChart, localTime: localTime, state: state,
    section: function (name, impl) { sections.push(Object.assign({ name: name }, impl)); }
  };
})();
