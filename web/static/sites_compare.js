/* /sites/compare: the sites the finder handed over (localStorage "qingpu.compare": {search, ids}) side by
   side, from POST /sites/compare; XLSX from the same request with format=xlsx. */
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const signin = window.QingpuSignIn;
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const status = (t, err = false) => { const el = $("#status"); el.textContent = t; el.className = err ? "error" : "muted"; };
  const wanted = () => { try { return JSON.parse(localStorage.getItem("qingpu.compare") || "null"); } catch (e) { return null; } };

  async function post(format) {
    const w = wanted();
    if (!w || !w.ids || w.ids.length < 2) throw new Error("no sites to compare: tick 2–4 sites on the site finder first");
    const res = await fetch(`/sites/compare?format=${format}`, {method: "POST",
      headers: signin.headers({"Content-Type": "application/json"}),
      body: JSON.stringify({search: w.search, site_ids: w.ids, lang: $("#lang").value})});
    if (!res.ok) { let d = res.statusText; try { d = (await res.json()).detail || d; } catch (e) { /* not JSON */ } throw new Error(`${res.status}: ${d}`); }
    return res;
  }

  function render(t) {
    const head = `<thead><tr><th class="label"></th>${t.sites.map((n) => `<th>${esc(n)}</th>`).join("")}</tr></thead>`;
    const body = t.sections.map((s) => `<tr class="sec"><td colspan="${t.sites.length + 1}">${esc(s.title)}</td></tr>` +
      s.rows.map((r) => `<tr><th class="label" scope="row">${esc(r.label)}</th>${r.values.map((v) => `<td>${esc(v)}</td>`).join("")}</tr>`).join("")).join("");
    const cards = t.sites.map((n, i) => `<div class="card"><h2>${esc(n)}</h2>` + t.sections.map((s) =>
      `<h3>${esc(s.title)}</h3><dl>${s.rows.map((r) => `<dt>${esc(r.label)}</dt><dd>${esc(r.values[i])}</dd>`).join("")}</dl>`).join("") + "</div>").join("");
    $("#compare").innerHTML = `<table class="side">${head}<tbody>${body}</tbody></table><div class="cards">${cards}</div>`;
    status(`${t.sites.length} sites · ${t.made}`);
  }

  async function load() {
    if (!signin.token()) { status("sign in to compare the sites", true); return; }
    try { status("loading…"); render(await (await post("json")).json()); } catch (e) { status(e.message, true); }
  }
  $("#lang").addEventListener("change", load);
  $("#xlsx").addEventListener("click", async () => {
    try {
      const res = await post("xlsx");
      const name = (res.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(await res.blob()); a.download = name ? name[1] : "sites-compare.xlsx";
      document.body.appendChild(a); a.click(); a.remove();
    } catch (e) { status(e.message, true); }
  });
  document.addEventListener("qingpu:signin", (ev) => { if (ev.detail.token) load(); else $("#compare").replaceChildren(); });
  load();
})();
