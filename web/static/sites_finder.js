/* Site finder page: sign in, build the search body, show ranked sites on a map and in a table,
   export the shortlist, open briefs, save and re-run searches. No CDN, no framework. */
(function () {
  "use strict";
  const cfg = window.SITE_FINDER;
  const $ = (sel) => document.querySelector(sel);
  const form = $("#criteria-form");
  const signin = window.QingpuSignIn;  // web/static/signin.js: the one sign-in of every page
  let lastBody = null, lastResult = null;

  // -- auth: a new sign-in brings that user's saved searches --------------------------------------
  document.addEventListener("qingpu:signin", (ev) => {
    if (ev.detail.token) { status(`signed in (${signin.roleWords(ev.detail.role)})`); loadSaved(); }
    else { status("signed out"); $("#saved").replaceChildren(); }
  });

  async function api(path, options = {}) {
    const headers = signin.headers(options.headers || {});
    const res = await fetch(path, Object.assign({}, options, {headers}));
    if (!res.ok) {
      let detail = res.statusText;
      try { detail = (await res.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(`${res.status}: ${detail}`);
    }
    return res;
  }
  function status(text, error = false) { const el = $("#status"); el.textContent = text; el.className = error ? "error" : ""; }

  // -- criteria editor ----------------------------------------------------------------------------
  const PARAMS = {linear: ["best", "worst"], threshold: ["threshold", "better"], ideal: ["ideal", "tolerance"]};
  function criterionRow(c) {
    const row = document.createElement("div");
    row.className = "crit"; row.dataset.id = c.id;
    const t = c.transform;
    row.innerHTML = `<span title="${c.label_en}">${c.label_zh}</span>
      <input class="w" type="number" min="0" step="any" value="${c.weight}" aria-label="weight ${c.id}">
      <span class="t"><select class="tt">${Object.keys(PARAMS).map((k) => `<option ${k === t.type ? "selected" : ""}>${k}</option>`).join("")}</select>
      <input class="p1" size="5"> <input class="p2" size="5">
      ${c.radius_m !== undefined ? `r <input class="r" size="5" value="${c.radius_m}">m` : ""}
      ${c.scale !== undefined ? `<label class="scale"><input type="checkbox" class="scale-data" ${c.scale === "data" ? "checked" : ""}> 按数据定标 scale from the data</label>` : ""}</span>
      <span class="curve"></span><span class="sep small"></span>`;
    row.dataset.unit = c.unit;
    const [a, b] = PARAMS[t.type];
    row.querySelector(".p1").value = t[a]; row.querySelector(".p2").value = t[b];
    row.querySelector(".tt").addEventListener("change", (ev) => {
      const [x, y] = PARAMS[ev.target.value];
      row.querySelector(".p1").placeholder = x; row.querySelector(".p2").placeholder = y;
      row.querySelector(".p1").value = ""; row.querySelector(".p2").value = y === "better" ? "below" : "";
    });
    row.querySelector(".w").addEventListener("input", weightSum);
    for (const el of row.querySelectorAll(".tt, .p1, .p2, .scale-data"))  // the curve follows the inputs
      el.addEventListener(el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input", () => window.QingpuCurves.renderRow(row));
    window.QingpuCurves.renderRow(row);
    return row;
  }
  for (const c of cfg.criteria) $("#criteria").appendChild(criterionRow(c));
  function weightSum() {
    const sum = [...document.querySelectorAll(".crit .w")].reduce((s, el) => s + (parseFloat(el.value) || 0), 0);
    $("#weight-sum").textContent = `= ${Math.round(sum * 100) / 100} %`;
    $("#weight-sum").style.color = Math.abs(sum - 100) > 0.01 ? "#b10026" : "#1a9850";
  }
  weightSum();

  const num = (name) => { const v = form.elements[name].value; return v === "" ? null : Number(v); };
  const checked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((el) => el.value);
  const selected = (name) => [...form.elements[name].selectedOptions].map((o) => o.value);

  function buildBody() {
    const c = {};
    const kinds = checked("kinds"); if (kinds.length) c.kinds = kinds;
    const avail = checked("availability"); if (avail.length) c.availability = avail;
    const uses = selected("land_uses"); if (uses.length) c.land_uses = uses;
    const zones = selected("zones"); if (zones.length) c.zones = zones;
    if (num("area_min") !== null || num("area_max") !== null)
      c.area = {min: num("area_min"), max: num("area_max"), unit: form.elements.area_unit.value};
    for (const k of ["max_station_m", "max_highway_m", "max_corridor_m"]) if (num(k) !== null) c[k] = num(k);
    const polygons = drawnPolygons();
    const excl = form.elements.exclude.value.trim();
    if (excl) {
      const pasted = JSON.parse(excl);
      polygons.push(...(pasted.type === "FeatureCollection" ? pasted.features
                        : [pasted.type === "Feature" ? pasted : {type: "Feature", properties: {}, geometry: pasted}]));
    }
    if (polygons.length) c.exclude = {type: "FeatureCollection", features: polygons};
    const profile = {};
    if (form.elements.industry.value) profile.industry = form.elements.industry.value;
    if (num("investment_wan") !== null) profile.investment_wan = num("investment_wan");
    if (num("land_need_mu") !== null) profile.land_need_mu = num("land_need_mu");
    const criteria = [...document.querySelectorAll(".crit")].map((row) => {
      const type = row.querySelector(".tt").value, [a, b] = PARAMS[type];
      const t = {type};
      t[a] = Number(row.querySelector(".p1").value);
      t[b] = b === "better" ? row.querySelector(".p2").value : Number(row.querySelector(".p2").value);
      const item = {id: row.dataset.id, weight: Number(row.querySelector(".w").value), transform: t};
      const r = row.querySelector(".r"); if (r) item.radius_m = Number(r.value);
      const scale = row.querySelector(".scale-data");
      if (scale) { item.scale = scale.checked ? "data" : "given"; if (scale.checked) delete item.transform; }
      return item;
    });
    return {constraints: c, profile, criteria, limit: 100};
  }

  // -- map ----------------------------------------------------------------------------------------
  const PAL = window.QingpuPalette;  // the one palette of layers/registry.py (/palette.js)
  const map = L.map("sites-map", {preferCanvas: false}).setView([31.15, 121.1], 11);
  const context = L.layerGroup().addTo(map), results = L.featureGroup().addTo(map);
  fetch("/collections/zones/items?limit=1000").then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, {style: (f) => ({color: PAL.clusters[f.id] || PAL.zoneKinds[f.properties.kind] || "#555", weight: 1,
                                   fill: false, dashArray: "4 3"}), interactive: false}).addTo(context);
  });
  fetch("/collections/stations/items?limit=100").then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, {pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 4, color: PAL.routes.metro, fillColor: "#fff", fillOpacity: 1})
      .bindTooltip(f.properties.name_zh)}).addTo(context);
  });
  fetch("/collections/corridor_routes/items?limit=100").then((r) => r.json()).then((fc) => {
    const colors = PAL.routes;
    L.geoJSON(fc, {style: (f) => ({color: colors[f.properties.mode] || "#555", weight: 2, opacity: 0.7}),
                   interactive: false}).addTo(context);
  });

  // Excluded areas drawn with Leaflet-Geoman (served from /vendor/geoman).
  const excluded = L.featureGroup().addTo(map);
  if (map.pm) {
    map.pm.addControls({position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
                        drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false});
    map.pm.setGlobalOptions({layerGroup: excluded, pathOptions: {color: "#b10026", dashArray: "4 3"}});
    map.on("pm:create pm:remove", () => { $("#drawn").textContent = `(${drawnPolygons().length} drawn)`; });
  }
  function drawnPolygons() {
    return excluded.getLayers().filter((l) => l instanceof L.Polygon).map((l) => l.toGeoJSON());
  }
  const siteLayers = {};  // site id -> its polygon on the map
  window.siteFinder = {excluded, siteLayers, map};  // for tests and power users (add areas programmatically)

  // -- search and results -------------------------------------------------------------------------
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[ch]));
  form.addEventListener("submit", async (ev) => { ev.preventDefault(); await runSearch(); });

  async function runSearch(body = null) {
    if (!signin.token()) return status("sign in first", true);
    try { lastBody = body || buildBody(); } catch (e) { return status(`excluded areas: ${e.message}`, true); }
    status("searching…");
    try {
      const res = await api("/sites/search", {method: "POST", headers: {"Content-Type": "application/json"},
                                              body: JSON.stringify(lastBody)});
      show(await res.json());
    } catch (e) { status(e.message, true); }
  }

  function show(r) {
    lastResult = r;
    const funnel = $("#funnel"); funnel.innerHTML = "";
    funnel.insertAdjacentHTML("beforeend", `<li>all sites: ${r.total_sites}</li>`);
    for (const f of r.funnel) funnel.insertAdjacentHTML("beforeend", `<li>${esc(f.label)} → ${f.remaining}</li>`);
    if (r.profile) funnel.insertAdjacentHTML("beforeend", `<li class="muted">${esc(r.profile.rule)}</li>`);
    status(r.emptied_by ? `No site: ${r.emptied_by.message}` : `${r.count} site(s) meet the constraints; top ${r.returned} ranked (${r.elapsed_ms} ms)`,
           !!r.emptied_by);
    results.clearLayers();
    for (const id of Object.keys(siteLayers)) delete siteLayers[id];
    const crit = r.criteria.map((c) => c.id);
    let html = `<table class="data" id="ranked"><thead><tr><th>✓</th><th>#</th><th>编号 ID</th><th>名称</th><th>类型</th><th>用地</th>
      <th>面积 亩</th><th>价格</th><th>最近车站</th><th>总分</th>${r.criteria.map((c) => `<th title="${esc(c.describe)}">${esc(c.label_zh)} ${c.weight}%</th>`).join("")}
      <th>为何排在后面 Why below</th><th></th></tr></thead><tbody>`;
    for (const s of r.results) {
      html += `<tr data-id="${esc(s.id)}"><td><input type="checkbox" class="pick" value="${esc(s.id)}"></td><td>${s.rank}</td><td>${esc(s.id)}</td>
        <td>${esc(s.name)}</td><td>${s.kind}</td><td>${s.land_use}</td><td>${s.area_mu.toFixed(1)}</td><td>${s.price ?? "—"} ${s.price_unit}</td>
        <td>${esc(s.station)} ${s.station_m} m</td><td><b>${s.score.toFixed(1)}</b></td>
        ${s.criteria.map((c) => `<td title="${esc(c.note)}; score ${c.score}">${c.contribution.toFixed(1)}</td>`).join("")}
        <td class="why">${esc(s.why_below ? s.why_below.text : "")}</td><td><button type="button" class="brief" data-id="${esc(s.id)}">简报 Brief</button></td></tr>`;
      const shade = Math.max(0.15, 1 - (s.rank - 1) / Math.max(r.results.length, 1));
      siteLayers[s.id] = L.geoJSON(s.geometry, {style: {color: "#08306b", weight: 1, fillColor: "#1f78b4",
                                                        fillOpacity: 0.25 + 0.6 * shade}})
        .bindPopup(`#${s.rank} ${esc(s.name)}<br>${s.score.toFixed(1)} points`).addTo(results)
        .on("click", () => highlight(s.id));
    }
    html += "</tbody></table>";
    $("#results").innerHTML = r.results.length ? html : "";
    // no animation: a zoom animation still ending would undo a move made meanwhile (a row click)
    if (r.results.length) map.fitBounds(results.getBounds(), {maxZoom: 14, padding: [20, 20], animate: false});
    for (const b of document.querySelectorAll("button.brief")) b.addEventListener("click", () => openBrief(b.dataset.id));
    // table -> map: a click on a row (not on its tick box or button) shows that site on the map
    for (const tr of document.querySelectorAll("#ranked tbody tr")) tr.addEventListener("click", (ev) => {
      if (ev.target.closest("input, button")) return;
      const layer = siteLayers[tr.dataset.id];
      highlight(tr.dataset.id);
      const b = layer.getBounds();
      map.setView(b.getCenter(), Math.min(15, map.getBoundsZoom(b.pad(1))), {reset: true});
      layer.openPopup(layer.getBounds().getCenter());
    });
    showStability(r.sensitivity);
    for (const c of r.criteria) {  // the curves the search used (a data-set scale shows the candidates' percentiles)
      const row = document.querySelector(`.crit[data-id="${c.id}"]`);
      if (row) window.QingpuCurves.renderRow(row, c);
    }
  }

  function highlight(id) {
    for (const tr of document.querySelectorAll("#ranked tr")) tr.classList.toggle("sel", tr.dataset.id === id);
    const row = document.querySelector(`#ranked tr.sel`);  // map -> table: bring the site's row into view
    if (row) row.scrollIntoView({block: "nearest"});
  }

  function showStability(s) {
    const el = $("#stability");
    if (!s || !s.sites.length) { el.innerHTML = ""; return; }
    el.innerHTML = `<h3>前${s.top_n}名稳定性 Top-${s.top_n} stability (weights ±${s.step * 100}%)</h3>
      ${s.deciding ? `<p class="deciding">决定前${s.top_n}名的准则 What decides the top ${s.top_n}: ${esc(s.deciding.text)}.</p>
        <p class="muted small">${esc(s.deciding.method)} (${esc(s.deciding.basis)})</p>` : ""}
      <p class="muted small">${esc(s.method)}. The top-${s.top_n} set is unchanged in ${s.top_set_unchanged} of ${s.scenarios} scenarios.</p>
      <table class="data"><tr><th>#</th><th>ID</th><th>stays in top ${s.top_n}</th><th>worst rank</th></tr>
      ${s.sites.map((x) => `<tr><td>${x.base_rank}</td><td>${esc(x.id)}</td><td>${Math.round(x.stayed_share * 100)} %</td><td>${x.worst_rank}</td></tr>`).join("")}</table>`;
  }

  // -- exports, briefs ----------------------------------------------------------------------------
  const picked = () => { const ids = [...document.querySelectorAll(".pick:checked")].map((el) => el.value); return ids.length ? ids : null; };
  async function download(format) {
    if (!lastBody) return status("run a search first", true);
    try {
      const res = await api("/sites/export", {method: "POST", headers: {"Content-Type": "application/json"},
                                              body: JSON.stringify({search: lastBody, ids: picked(), format})});
      const blob = await res.blob();
      const name = (res.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob); a.download = name ? name[1] : `sites.${format}`;
      document.body.appendChild(a); a.click(); a.remove();
    } catch (e) { status(e.message, true); }
  }
  $("#export-csv").addEventListener("click", () => download("csv"));
  $("#export-gpkg").addEventListener("click", () => download("gpkg"));

  // A brief is saved first (POST /sites/briefs), so it has a link: its PDF downloads from there, and a share
  // link (unguessable, with an expiry, revocable) opens it for an investor without signing in.
  async function saveAs(res, fallback) {
    const name = (res.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob()); a.download = name ? name[1] : fallback;
    document.body.appendChild(a); a.click(); a.remove();
  }
  async function openBrief(id) {
    const panel = $("#brief-panel");
    try {
      const industry = lastBody && lastBody.profile ? lastBody.profile.industry : null;
      const lang = panel.dataset.lang || "zh";
      // the other ticked sites (up to 3) are compared with it inside the brief
      const compare = (picked() || []).filter((x) => x !== id).slice(0, 3);
      const b = await (await api("/sites/briefs", {method: "POST", headers: {"Content-Type": "application/json"},
                                                   body: JSON.stringify({site_id: id, industry, lang, compare})})).json();
      panel.hidden = false;
      panel.innerHTML = `<b>简报 Brief: ${esc(b.site_name)}</b>${compare.length ? ` <span class="muted small">(compared with ${compare.length} ticked site(s))</span>` : ""}
        <button type="button" class="b-pdf">下载 PDF</button> <button type="button" class="b-view">预览 Preview</button>
        <button type="button" class="b-share">分享链接 Share link (30 days)</button>
        <span class="b-link"></span>`;
      panel.querySelector(".b-pdf").addEventListener("click", async () => {
        try { await saveAs(await api(`${b.pdf}`), "site-brief.pdf"); } catch (e) { status(e.message, true); }
      });
      panel.querySelector(".b-view").addEventListener("click", async () => {
        try {
          const url = URL.createObjectURL(await (await api(b.html)).blob());
          window.open(url, "_blank");
        } catch (e) { status(e.message, true); }
      });
      panel.querySelector(".b-share").addEventListener("click", async () => {
        try {
          const s = await (await api(`${b.html}/share`, {method: "PUT", headers: {"Content-Type": "application/json"},
                                                         body: JSON.stringify({days: 30})})).json();
          const box = panel.querySelector(".b-link");
          box.innerHTML = `<input class="share-url" readonly value="${esc(s.share_url)}" size="40">
            <span class="muted small">valid until ${esc(s.share_expires_local)}</span>
            <button type="button" class="b-revoke">撤销 Revoke</button>`;
          box.querySelector("input").select();
          box.querySelector(".b-revoke").addEventListener("click", async () => {
            try { await api(`${b.html}/share`, {method: "DELETE"}); box.textContent = "link withdrawn"; }
            catch (e) { status(e.message, true); }
          });
        } catch (e) { status(e.message, true); }
      });
    } catch (e) { status(e.message, true); }
  }

  $("#compare-picked").addEventListener("click", () => {
    const ids = picked();
    if (!lastBody || !ids || ids.length < 2 || ids.length > 4) return status("tick 2 to 4 sites to compare", true);
    localStorage.setItem("qingpu.compare", JSON.stringify({search: lastBody, ids}));
    window.open("/sites/compare", "_blank");
  });

  // -- saved searches -----------------------------------------------------------------------------
  async function loadSaved() {
    if (!signin.token()) return;
    try {
      const list = (await (await api("/sites/searches")).json()).searches;
      $("#saved").innerHTML = list.length ? "<p><b>Saved searches</b></p>" + list.map((s) =>
        `<div class="small">${esc(s.name)} <span class="muted">(${esc(s.owner)})</span> <button type="button" data-id="${s.id}" class="rerun">运行 Run</button></div>`).join("") : "";
      for (const b of document.querySelectorAll("button.rerun")) b.addEventListener("click", async () => {
        try {
          const res = await api(`/sites/searches/${b.dataset.id}/run`);
          const saved = list.find((s) => String(s.id) === b.dataset.id);
          lastBody = saved.search; show(await res.json());
        } catch (e) { status(e.message, true); }
      });
    } catch (e) { status(e.message, true); }
  }
  $("#save").addEventListener("click", async () => {
    const name = form.elements.save_name.value.trim();
    if (!name) return status("give the search a name", true);
    try {
      await api("/sites/searches", {method: "POST", headers: {"Content-Type": "application/json"},
                                    body: JSON.stringify({name, search: buildBody()})});
      status(`saved “${name}”`); loadSaved();
    } catch (e) { status(e.message, true); }
  });

  loadSaved();
})();
