/* The 产业链 section of /analytics: per zone (clusters by default) the links of a plan industry's chain, the
   firms and employees in each, the leading firms and the gaps in words, from /analytics/chains. The gap list
   downloads from /analytics/chains/gaps (XLSX, CSV). window.chainState reports what was drawn (the page test
   reads it). */
(function () {
  "use strict";
  var state = window.chainState = { ready: false, errors: [], zones: {}, gaps: 0 };
  var STATUS = { present: ["已有", "present"], thin: ["薄弱", "thin"], absent: ["缺失", "absent"] };
  var industrySel = document.getElementById("chain-industry");
  var kindSel = document.getElementById("chain-kind");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }

  function leaderText(ld) {
    return ld.name + " (" + (ld.employees || 0) + " 人)";
  }

  function gapSentence(zone, link, industry) {
    var words = STATUS[link.status];
    var why = link.status === "absent"
      ? (link.district_firms ? "本分区无企业, 全区有 " + link.district_firms + " 家 · no firm here, " + link.district_firms + " in the district"
                             : "全区均无企业 · no firm anywhere in the district")
      : link.firms + " 家, 按全区结构应约 " + link.expected.toFixed(1) + " 家 · " + link.firms + " firms against " +
        link.expected.toFixed(1) + " expected from the district mix";
    var li = el("li", {}, [el("b", { text: words[0] + " " + words[1] + ": " }), link.link_zh + " " + link.link_en +
      " (" + link.stage_zh + " " + link.stage_en + ") — " + why + "."]);
    if (link.plan_note) { li.appendChild(el("span", { "class": "muted", text: " 规划 The plan: " + link.plan_note })); }
    return li;
  }

  function stageStrip(zone, stages) {
    var strip = el("div", { "class": "chain-strip", "aria-label": "chain links by stage" });
    stages.forEach(function (s) {
      var links = zone.links.filter(function (l) { return l.stage === s.id; });
      if (!links.length) { return; }
      var box = el("div", { "class": "stage" }, [el("b", { text: s.zh + " " + s.en })]);
      links.forEach(function (l) {
        box.appendChild(el("span", { "class": "link status-" + l.status, title: STATUS[l.status][1],
                                     text: l.link_zh + " " + l.firms }));
      });
      strip.appendChild(box);
    });
    return strip;
  }

  function zoneCard(zone, body) {
    var industry = body.industry_zh + " " + body.industry_en;
    var intent = zone.targets_industry ? "规划目标产业 · the plan targets " + body.industry_en + " here"
      : "非规划目标产业 · not a plan target here";
    var card = el("article", { "class": "chain-zone", "data-zone": zone.zone }, [
      el("h3", {}, [zone.name_zh + " ", el("span", { "class": "muted", text: zone.name_en })]),
      el("p", { "class": "chain-summary", text: intent + " — " + industry + ": " + zone.firms + " 家企业 firms, " +
        zone.employees + " 名从业人员 employees, " + zone.links_present + " / " + zone.links.length + " 个环节已有 links present" }),
      stageStrip(zone, body.stages)]);
    var rows = zone.links.map(function (l) {
      var tr = el("tr", { "data-link": l.link, "class": "status-row-" + l.status }, [
        el("td", {}, [l.link_zh, el("br"), el("span", { "class": "muted", text: l.stage_zh + " · " + l.link_en })]),
        el("td", { "class": "num firms", text: String(l.firms) }),
        el("td", { "class": "num emp", text: String(l.employees) }),
        el("td", { "class": "leaders", text: l.leaders.length ? l.leaders.map(leaderText).join("; ") : "—" }),
        el("td", {}, [el("i", { "class": "chip " + l.status }), STATUS[l.status][0] + " " + STATUS[l.status][1]])]);
      return tr;
    });
    card.appendChild(el("table", { "class": "chain-links" }, [
      el("thead", {}, [el("tr", {}, [el("th", { "class": "link-col", text: "环节 Link" }),
        el("th", { "class": "num", text: "企业 Firms" }), el("th", { "class": "num emp", text: "人员 Staff" }),
        el("th", { text: "龙头企业 Leading firms (by employees)" }),
        el("th", { "class": "status-col", text: "状态 Status" })])]),
      el("tbody", {}, rows)]));
    var gaps = zone.links.filter(function (l) { return l.status !== "present"; });
    if (!zone.in_scope) {
      card.appendChild(el("p", { "class": "chain-gaps muted", text: "不列缺口: 非规划目标且该链企业少于 " +
        body.rule.min_chain_firms + " 家 · no gaps listed: not a plan target and fewer than " + body.rule.min_chain_firms +
        " firms of the chain." }));
    } else if (!gaps.length) {
      card.appendChild(el("p", { "class": "chain-gaps", text: "无缺口: 各环节均有企业 · no gap: every link has firms." }));
    } else {
      card.appendChild(el("p", { "class": "chain-gaps" }, [el("b", { text: "缺口 Gaps (" + gaps.length + ")" })]));
      card.appendChild(el("ul", { "class": "chain-gaps" }, gaps.map(function (l) { return gapSentence(zone, l, industry); })));
    }
    return card;
  }

  function draw(body) {
    var district = document.getElementById("chain-district");
    district.textContent = "全区 District: " + body.industry_zh + " " + body.industry_en + " — " + body.district.firms +
      " 家 firms, " + body.district.employees + " 人 employees · " + body.district.links.map(function (l) {
        return l.link_zh + " " + l.firms;
      }).join(" · ");
    var box = document.getElementById("chain-zones");
    box.innerHTML = "";
    state.zones = {};
    body.zones.forEach(function (z) {
      box.appendChild(zoneCard(z, body));
      var links = {};
      z.links.forEach(function (l) { links[l.link] = { firms: l.firms, employees: l.employees, status: l.status }; });
      state.zones[z.zone] = { name: z.name_zh, links: links, inScope: z.in_scope };
    });
    state.gaps = body.gaps.length;
    document.getElementById("chain-rule-zh").textContent = body.rule.zh;
    document.getElementById("chain-rule-en").textContent = body.rule.en;
    var sources = document.getElementById("chain-sources");
    sources.innerHTML = "";
    body.sources.forEach(function (s) { sources.appendChild(el("li", { text: s })); });
    var s = body.metadata.synthetic;
    document.getElementById("chain-status").textContent = body.zones.length + " 个分区 zones, " + body.gaps.length +
      " 个缺口 gaps (招商目标 targets)" + (s && s.note ? " · ⚠ " + s.note : "");
  }

  function query() {
    var q = "industry=" + encodeURIComponent(industrySel.value);
    if (kindSel.value) { q += "&kind=" + encodeURIComponent(kindSel.value); }
    return q;
  }

  function load() {
    state.ready = false;
    var q = query();
    document.getElementById("chain-xlsx").href = "/analytics/chains/gaps?" + q + "&format=xlsx";
    document.getElementById("chain-csv").href = "/analytics/chains/gaps?" + q + "&format=csv";
    var headers = window.QingpuSignIn ? window.QingpuSignIn.headers() : {};
    return fetch("/analytics/chains?" + q, { headers: headers }).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) { throw new Error(b.detail || r.status); } return b; });
    }).then(draw).catch(function (err) {
      state.errors.push(String(err && err.message || err));
      document.getElementById("chain-status").textContent = "错误 Error: " + state.errors.join("; ");
    }).then(function () { state.ready = true; });
  }

  industrySel.addEventListener("change", load);
  kindSel.addEventListener("change", load);
  load();
})();
