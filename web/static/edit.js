// The planner's zone editor: pick a zone, move vertices (snapping to the district, towns, other zones and
// reference layers), redraw, or read a boundary from a file; preview the impact (which enterprises move,
// drawn on the map, overlaps between clusters), confirm a large change, save with a comment (If-Match with
// the zone's ETag); browse the history, preview a rollback and confirm it.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var signin = window.QingpuSignIn;  // web/static/signin.js: the one sign-in of every page
  var CONFIG = JSON.parse($('editor-config').textContent);
  var state = { zone: null, etag: null, original: null, layer: null, shown: null, markers: [], zones: {},
                zoneNames: {}, draft: null };
  var map = L.map('map', { zoomControl: true }).setView([31.12, 121.09], 11);
  L.control.scale({ imperial: false }).addTo(map);
  map.attributionControl.setPrefix(false);

  // Panes: context under the edited zone, impact drawings above it, firms above those.
  map.createPane('context').style.zIndex = 390;
  map.createPane('impact').style.zIndex = 420;
  map.createPane('firms').style.zIndex = 450;  // under the vertex handles (marker pane, 600)
  var canvas = L.canvas({ pane: 'firms' });

  var basemaps = {}, overlays = {};
  (CONFIG.basemap || []).forEach(function (b) {
    var layer = L.tileLayer(b.url, { attribution: b.attribution, maxZoom: 19, pmIgnore: true });
    if (b.overlay) { overlays[b.name_zh + ' ' + b.name_en] = layer; } else { basemaps[b.name_zh + ' ' + b.name_en] = layer; }
    layer.addTo(map);
  });
  var districtLayer = L.featureGroup().addTo(map);
  var townsLayer = L.featureGroup().addTo(map);
  var zonesLayer = L.featureGroup().addTo(map);
  var referenceGroups = {};
  var firmsLayer = L.featureGroup().addTo(map);
  var impactLayer = L.featureGroup().addTo(map);
  var editing = L.featureGroup().addTo(map);
  overlays['区界 District'] = districtLayer;
  overlays['镇街 Towns'] = townsLayer;
  overlays['其他分区 Other zones'] = zonesLayer;
  overlays['区内企业 Enterprises in the zone'] = firmsLayer;
  overlays['影响预览 Impact preview'] = impactLayer;
  var layersControl = L.control.layers(basemaps, overlays, { collapsed: window.innerWidth < 700 }).addTo(map);

  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'legend');
    var rows = [
      '<i class="sw line" style="border-color:#e6550d"></i>正在编辑 zone being edited',
      '<i class="sw" style="background:#31a354"></i>新增范围 gained area',
      '<i class="sw" style="background:#de2d26"></i>移出范围 lost area',
      '<i class="dot" style="background:#31a354"></i>迁入企业 firms moving in',
      '<i class="dot" style="background:#de2d26"></i>迁出企业 firms moving out',
      '<i class="dot" style="background:#756bb1"></i>区内企业 firms in the zone'];
    Object.keys(CONFIG.kindColors).forEach(function (k) {
      rows.push('<i class="sw line" style="border-color:' + CONFIG.kindColors[k] + '"></i>' +
                CONFIG.kinds[k][0] + ' ' + CONFIG.kinds[k][1]);
    });
    rows.push('<span id="legend-reference"></span>');
    // Folded on a phone, where it would hide half the map.
    div.innerHTML = '<details' + (window.innerWidth < 700 ? '' : ' open') + '><summary><b>图例 Legend</b></summary>' +
      rows.join('<br>') + '</details>';
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);

  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function say(text, ok) { var m = $('message'); m.textContent = text; m.className = ok ? 'ok' : 'error'; }
  function authHeaders(extra) {
    var h = Object.assign({ 'Content-Type': 'application/json', 'Accept': 'application/json' }, extra || {});
    return signin.headers(h);
  }
  function problemText(body) { return (body.title || '错误 Error') + ': ' + (body.detail || ''); }
  function kindWords(kind) { var w = CONFIG.kinds[kind]; return w ? w[0] + ' ' + w[1] : kind; }
  function zoneName(id) { return id ? (state.zoneNames[id] || id) : '无 none'; }
  function km2(v) { return v.toFixed(3) + ' km²'; }
  function mu(v) { return Math.round(v * 1e6 / 666.67).toLocaleString('zh-CN') + ' 亩'; }
  function pct(v) { return (v * 100).toFixed(0) + ' %'; }
  var TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
                                                day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  function localTime(iso) { return TIME.format(new Date(iso)).replace(/\//g, '-') + ' 北京时间'; }

  function updateButtons() {
    var can = !!(signin.allowed() && state.zone);
    ['edit-vertices', 'redraw', 'reset', 'preview', 'save', 'upload'].forEach(function (id) { $(id).disabled = !can; });
    document.querySelectorAll('#history button.rollback').forEach(function (b) { b.disabled = !can; });
  }
  document.addEventListener('qingpu:signin', function () { updateButtons(); loadReference(); });
  $('snap-label').textContent = '吸附 Snap to district, towns, zones and reference layers (' + CONFIG.snapPixels + ' px)';

  // -- context: district, towns, zones (snapped to), reference layers -------------------------------
  function contextStyle(color, weight, dash) {
    return { color: color, weight: weight, fill: false, dashArray: dash, interactive: false, pane: 'context' };
  }
  function loadContext() {
    fetch('/collections/district/items?limit=1').then(function (r) { return r.json(); }).then(function (fc) {
      L.geoJSON(fc, { style: contextStyle('#333', 2, '6 4') }).eachLayer(function (l) { districtLayer.addLayer(l); });
    });
    fetch('/collections/towns/items?limit=100').then(function (r) { return r.json(); }).then(function (fc) {
      L.geoJSON(fc, { style: contextStyle('#888', 1, '2 3') }).eachLayer(function (l) { townsLayer.addLayer(l); });
    });
    loadZones(true);
  }
  function collectionUrl() {
    return state.draft ? '/collections/zones.draft-' + state.draft.id + '/items' : '/collections/zones/items';
  }
  function loadZones(first) {
    var url = collectionUrl() + '?limit=500';
    fetch(url, { headers: signin.headers({ Accept: 'application/geo+json' }) })
      .then(function (r) { return r.json(); }).then(function (fc) {
        var select = $('zone-select'), keep = select.value;
        select.querySelectorAll('option[value]:not([value=""])').forEach(function (o) { o.remove(); });
        zonesLayer.clearLayers(); state.zones = {};
        fc.features.forEach(function (f) {
          var p = f.properties;
          state.zoneNames[f.id] = p.name_zh;
          var opt = document.createElement('option');
          opt.value = f.id; opt.textContent = p.name_zh + ' · ' + p.name_en + '（' + kindWords(p.kind) + '）';
          select.appendChild(opt);
          L.geoJSON(f, { style: contextStyle(CONFIG.kindColors[p.kind] || '#555', 1.5) }).eachLayer(function (l) {
            l.zoneId = f.id; zonesLayer.addLayer(l); state.zones[f.id] = l;
          });
        });
        markEditedZone();
        var wanted = first ? new URLSearchParams(location.search).get('zone') : keep;
        if (wanted) { select.value = wanted; if (first) selectZone(wanted); }
      });
  }
  // The zone being edited is not snapped to its own old outline.
  function markEditedZone() {
    Object.keys(state.zones).forEach(function (id) {
      state.zones[id].options.snapIgnore = !!(state.zone && id === state.zone.id);
    });
  }

  function loadReference() {
    Object.keys(referenceGroups).forEach(function (k) {
      map.removeLayer(referenceGroups[k]); layersControl.removeLayer(referenceGroups[k]);
    });
    referenceGroups = {};
    $('legend-reference').innerHTML = '';
    if (!signin.allowed()) return;
    fetch('/reference-layers', { headers: signin.headers({ Accept: 'application/json' }) })
      .then(function (r) { return r.ok ? r.json() : { layers: [] }; }).then(function (body) {
        var legendRows = [];
        body.layers.forEach(function (layer) {
          var group = L.featureGroup().addTo(map);
          referenceGroups[layer.name] = group;
          var color = CONFIG.referenceColors[layer.kind] || '#636363';
          layersControl.addOverlay(group, '参考 Reference: ' + esc(layer.title) + ' (' + layer.features + ')');
          legendRows.push('<i class="sw line" style="border-color:' + color + '"></i>参考 ' + esc(layer.title));
          (layer.links || []).forEach(function (link) {
            fetchAll(link.href + '&limit=10000', function (fc) {
              L.geoJSON(fc, { style: { color: color, weight: 1.5, fillOpacity: 0.05, interactive: false, pane: 'context' } })
                .eachLayer(function (l) { group.addLayer(l); });
            });
          });
        });
        $('legend-reference').innerHTML = legendRows.length ? legendRows.join('<br>') : '';
        window.QingpuEditor.referenceLoaded = body.layers.length;
      });
  }
  function fetchAll(url, each) {  // follow the items' next links
    fetch(url, { headers: signin.headers({ Accept: 'application/geo+json' }) }).then(function (r) { return r.json(); })
      .then(function (fc) {
        each(fc);
        var next = (fc.links || []).filter(function (l) { return l.rel === 'next'; })[0];
        if (next) fetchAll(next.href, each);
      });
  }

  // -- the zone being edited -------------------------------------------------------------------------
  function drawEditable(geometry) {
    editing.clearLayers();
    state.layer = null;
    L.geoJSON(geometry, { style: { color: '#e6550d', weight: 3, fillOpacity: 0.12 } }).eachLayer(function (l) {
      editing.addLayer(l); state.layer = l;
    });
  }
  function clearImpact() { impactLayer.clearLayers(); $('impact').innerHTML = ''; clearMarkers(); }

  function selectZone(id) {
    state.zone = null; updateButtons(); clearImpact(); firmsLayer.clearLayers();
    if (!id) { markEditedZone(); return; }
    fetch(zoneUrl(id), { headers: signin.headers({ Accept: 'application/geo+json' }) })
      .then(function (r) {
        var tag = r.headers.get('ETag');
        return r.json().then(function (f) { return { feature: f, etag: tag }; });
      }).then(function (res) {
        state.zone = res.feature; state.etag = res.etag;
        state.original = JSON.parse(JSON.stringify(res.feature.geometry));
        markEditedZone();
        drawEditable(res.feature.geometry);
        map.fitBounds(editing.getBounds(), { padding: [30, 30] });
        var p = res.feature.properties;
        $('zone-info').textContent = kindWords(p.kind) + (p.area_km2 != null ? ' · ' + km2(p.area_km2) + '（' + mu(p.area_km2) + '）' : '') +
          ' · 版本 version ' + p.version + (p.updated_at ? ' · 更新 updated ' + localTime(p.updated_at) : '') +
          (state.draft ? ' · 方案中 in draft ' + state.draft.id + (p.draft_state === 'unchanged' ? '（未改 unchanged）' : '（已改 changed）') : '');
        updateButtons(); loadHistory(); loadFirms(id);
      });
  }
  $('zone-select').addEventListener('change', function (ev) { selectZone(ev.target.value); });

  function zoneUrl(id) { return collectionUrl() + '/' + encodeURIComponent(id); }
  function historyUrl(id) { return '/collections/zones/items/' + encodeURIComponent(id); }  // the published history

  // Enterprises whose zones include this one, drawn under it.
  function loadFirms(id) {
    var url = '/collections/enterprises/items?zones=' + encodeURIComponent(id) + '&limit=5000&properties=name,primary_zone';
    fetch(url, { headers: signin.headers({ Accept: 'application/geo+json' }) }).then(function (r) { return r.json(); })
      .then(function (fc) {
        if (!state.zone || state.zone.id !== id) return;
        firmsLayer.clearLayers();
        var primary = 0;
        fc.features.forEach(function (f) {
          if (f.properties.primary_zone === id) primary += 1;
          L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]],
            { renderer: canvas, radius: 3, color: '#54278f', weight: 1, fillColor: '#9e9ac8', fillOpacity: 0.8,
              snapIgnore: true, pmIgnore: true })
            .bindTooltip(esc(f.properties.name) + '<br>主分区 primary: ' + esc(zoneName(f.properties.primary_zone)))
            .addTo(firmsLayer);
        });
        var total = fc.numberMatched != null ? fc.numberMatched : fc.features.length;
        state.members = total;
        $('zone-info').textContent += ' · 区内企业 ' + total + ' 家 enterprises (以此为主分区 counted here first: ' + primary + ')' +
          (total > fc.features.length ? '；地图显示前 ' + fc.features.length + ' 家 the map shows the first ' + fc.features.length : '');
      });
  }

  function vertexCount(layer) {
    var n = 0, walk = function (a) { a.forEach(function (x) { if (Array.isArray(x)) walk(x); else n += 1; }); };
    walk(layer.getLatLngs()); return n;
  }
  function snapOptions() {
    var opts = { allowSelfIntersection: true, snappable: $('snap').checked, snapDistance: CONFIG.snapPixels,
                 snapSegment: true, snapVertex: true };
    // A zone traced along the district border has hundreds of vertices: show only the handles near the pointer.
    if (state.layer && vertexCount(state.layer) > 150) opts.limitMarkersToCount = 40;
    return opts;
  }
  $('edit-vertices').addEventListener('click', function () {
    if (!state.layer) return;
    // Self-intersections are allowed while drawing: the server explains them instead of
    // the editor silently refusing the move.
    state.layer.pm.enable(snapOptions());
    say('拖动顶点后预览或保存 Drag vertices, then preview or save' +
        ($('snap').checked ? '；靠近区界、镇街、其他分区或参考图层时自动吸附 vertices snap to nearby outlines' : ''), true);
  });
  $('snap').addEventListener('change', function () {
    if (state.layer && state.layer.pm.enabled()) { state.layer.pm.disable(); state.layer.pm.enable(snapOptions()); }
  });
  $('redraw').addEventListener('click', function () {
    map.pm.enableDraw('Polygon', snapOptions());
    say('在地图上点击绘制新边界，点击首点结束 Click the new boundary; click the first point to finish', true);
  });
  map.on('pm:create', function (ev) {
    editing.clearLayers(); editing.addLayer(ev.layer); state.layer = ev.layer;
  });
  $('reset').addEventListener('click', function () {
    if (state.original) { drawEditable(state.original); clearImpact(); say('已撤销 Discarded', true); }
  });

  // -- a boundary from a file ------------------------------------------------------------------------
  $('upload').addEventListener('click', function () {
    var files = $('upload-file').files;
    if (!files.length) { say('请选择文件 Choose a file first', false); return; }
    var form = new FormData();
    Array.prototype.forEach.call(files, function (f) { form.append('file', f, f.name); });
    if ($('upload-crs').value) form.append('crs', $('upload-crs').value);
    fetch('/zones/boundary-file', { method: 'POST', headers: signin.headers({ Accept: 'application/geo+json' }), body: form })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { say('无法读取边界 Cannot use the file — ' + problemText(res.body), false); return; }
        var p = res.body.properties;
        drawEditable(res.body.geometry);
        map.fitBounds(editing.getBounds(), { padding: [30, 30] });
        say('已读取 Read ' + p.features + ' 个多边形 polygon(s) from ' + p.file + '（' + p.source_crs + '）, ' +
            km2(p.area_km2) + '：尚未保存，请预览后保存 not saved yet — preview, then save', true);
      });
  });

  // -- preview, confirm, save --------------------------------------------------------------------------
  function currentFeature() {
    var gj = state.layer.toGeoJSON(false);  // full precision: unchanged vertices go back as read
    var props = Object.assign({}, state.zone.properties);
    return { type: 'Feature', id: state.zone.id, geometry: gj.geometry, properties: props,
             comment: $('comment').value.trim() };
  }
  function sendChange(method, url, body, dryRun) {
    return fetch(url + (url.indexOf('?') < 0 ? '?' : '&') + 'details=true' + (dryRun ? '&dryRun=true' : ''),
      { method: method, headers: authHeaders(state.etag ? { 'If-Match': state.etag } : {}), body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); });
  }

  // What share of the zone a change moves: the larger of the area gained or lost and of the firms entering or leaving.
  function largeShare(impact) {
    var a = impact.area, d = impact.details || {}, zone = impact.zone;
    var areaShare = a.before_km2 > 0 ? Math.max(a.gained_km2, a.lost_km2) / a.before_km2 : 1;
    var entered = ((impact.enterprises.entered || {})[zone] || []).length;
    var left = ((impact.enterprises.left || {})[zone] || []).length;
    var firmShare = d.members_before > 0 ? Math.max(entered, left) / d.members_before : (entered ? 1 : 0);
    return { area: areaShare, firms: firmShare, entered: entered, left: left,
             large: areaShare > CONFIG.confirmShare || firmShare > CONFIG.confirmShare };
  }

  function put(dryRun) {
    if (state.draft) { return saveToDraft(dryRun); }
    var feature = currentFeature();
    if (!dryRun && !feature.comment) { say('请填写修改说明 A change comment is required', false); return; }
    if (!feature.comment) feature.comment = 'preview';
    clearMarkers();
    var url = zoneUrl(state.zone.id);
    sendChange('PUT', url, feature, true).then(function (res) {
      if (res.status !== 200) { return refused(res); }
      showImpact(res.body);
      if (dryRun) { say('预览：尚未保存 Preview only: nothing saved', true); return; }
      var share = largeShare(res.body);
      var commit = function () {
        sendChange('PUT', url, feature, false).then(function (saved) {
          if (saved.status !== 200) { return refused(saved); }
          say('已保存为版本 ' + saved.body.version + ' Saved as version ' + saved.body.version, true);
          $('comment').value = ''; showImpact(saved.body); reloadAfterSave();
        });
      };
      if (share.large) {
        ask('确认较大修改 Confirm a large change',
            '<p>此修改涉及该分区 This change moves <b>' + pct(share.area) + '</b> 的面积 of the zone\'s area and <b>' +
            pct(share.firms) + '</b> 的企业 of its enterprises（迁入 in ' + share.entered + '，迁出 out ' + share.left +
            '），超过 ' + pct(CONFIG.confirmShare) + '。 That is more than ' + pct(CONFIG.confirmShare) + '.</p>' +
            overlapWarning(res.body) + '<p>确认保存？Save it?</p>', '确认保存 Save the change', commit,
            function () { say('未保存 Not saved: the preview stays on the map', false); });
      } else {
        commit();
      }
    });
  }
  function refused(res) {
    if (res.status === 412) {
      say('该分区已被他人修改（现为版本 ' + res.body.current_version + '）。你的绘制仍保留，请重新加载后再保存。' +
          ' Someone else changed this zone; your drawing is kept — reload and re-apply.', false);
      return;
    }
    say(problemText(res.body), false);
    (res.body.violations || []).forEach(function (v) {
      if (v.where) {
        state.markers.push(L.circleMarker([v.where[1], v.where[0]], { radius: 9, color: '#c00', weight: 3, pmIgnore: true })
          .bindTooltip(esc(v.rule + ': ' + v.message), { permanent: true }).addTo(map));
      }
    });
  }
  function reloadAfterSave() { var id = state.zone.id; loadZones(false); selectZone(id); }
  function clearMarkers() { state.markers.forEach(function (m) { map.removeLayer(m); }); state.markers = []; }
  $('preview').addEventListener('click', function () { put(true); });
  $('save').addEventListener('click', function () { put(false); });

  // -- the confirmation dialog -----------------------------------------------------------------------
  var pending = null;
  function ask(title, html, okText, onOk, onCancel) {
    $('confirm-title').textContent = title;
    $('confirm-body').innerHTML = html;
    $('confirm-ok').textContent = okText;
    pending = { ok: onOk, cancel: onCancel };
    $('confirm').showModal();
  }
  $('confirm-ok').addEventListener('click', function () {
    var p = pending; pending = null; $('confirm').close(); if (p && p.ok) p.ok();
  });
  $('confirm-cancel').addEventListener('click', function () { $('confirm').close(); });
  $('confirm').addEventListener('close', function () { var p = pending; pending = null; if (p && p.cancel) p.cancel(); });

  // -- the impact: table, list of moving firms, drawings -------------------------------------------------
  function overlapWarning(impact) {
    var o = (impact.details || {}).new_overlaps || [];
    if (!o.length) return '';
    return '<div class="warning">⚠ 与其他组团新增重叠 New overlap with other clusters: ' + o.map(function (x) {
      return esc(x.name_zh) + ' ' + x.before_km2.toFixed(2) + ' → ' + x.after_km2.toFixed(2) + ' km²';
    }).join('；') + '</div>';
  }
  function showImpact(impact) {
    var a = impact.area, e = impact.enterprises, d = impact.details || {}, rows = [];
    if (d.zone_names) Object.assign(state.zoneNames, d.zone_names);
    rows.push('<tr><th>面积 Area</th><td>' + a.before_km2.toFixed(3) + ' → ' + a.after_km2.toFixed(3) +
              ' km² (+' + a.gained_km2.toFixed(3) + ' / −' + a.lost_km2.toFixed(3) + ')<br><span class="muted">+' +
              mu(a.gained_km2) + ' / −' + mu(a.lost_km2) + '</span></td></tr>');
    if (d.members_before != null) {
      rows.push('<tr><th>区内企业 Enterprises in the zone</th><td>' + d.members_before + ' → ' + d.members_after + '</td></tr>');
    }
    Object.keys(e.entered || {}).forEach(function (z) {
      rows.push('<tr><th>进入 enter ' + esc(zoneName(z)) + '</th><td class="entered">' + e.entered[z].length + '</td></tr>'); });
    Object.keys(e.left || {}).forEach(function (z) {
      rows.push('<tr><th>离开 leave ' + esc(zoneName(z)) + '</th><td class="left">' + e.left[z].length + '</td></tr>'); });
    rows.push('<tr><th>主分区变化 primary changes</th><td class="primary">' + (e.primary_changed || []).length + '</td></tr>');
    var html = '<table>' + rows.join('') + '</table>' + overlapWarning(impact);
    var firms = d.enterprises || [];
    if (firms.length) {
      html += '<h3>受影响企业 Enterprises affected (' + d.moving + ')</h3><table class="firms"><tr><th>企业 Enterprise</th>' +
        '<th>主分区 Primary zone<br>原 from → 新 to</th></tr>' + firms.map(function (f) {
          var cls = f.direction === 'in' ? 'entered' : f.direction === 'out' ? 'left' : 'primary';
          var arrow = f.direction === 'in' ? '↘ 迁入 in' : f.direction === 'out' ? '↗ 迁出 out' : '⇄';
          var joins = f.zones_after.filter(function (z) { return f.zones_before.indexOf(z) < 0; });
          var leaves = f.zones_before.filter(function (z) { return f.zones_after.indexOf(z) < 0; });
          return '<tr class="firm ' + cls + '"><td>' + esc(f.name) + ' <span class="muted">' + arrow + '</span></td><td>' +
            movedWords(f.primary_before, f.primary_after, joins, leaves) + '</td></tr>';
        }).join('') + '</table>' + (d.moving > d.listed ? '<p class="muted">仅列出前 ' + d.listed + ' 家 first ' + d.listed + ' listed</p>' : '');
    }
    $('impact').innerHTML = html;
    drawImpact(d);
  }
  // "from → to" of the primary zone; when it stays, which zones the firm joins or leaves instead.
  function movedWords(before, after, joins, leaves) {
    if (before !== after) return esc(zoneName(before)) + ' → ' + esc(zoneName(after));
    var parts = [];
    if ((joins || []).length) parts.push('进入 joins ' + joins.map(zoneName).map(esc).join('、'));
    if ((leaves || []).length) parts.push('离开 leaves ' + leaves.map(zoneName).map(esc).join('、'));
    return esc(zoneName(before)) + '（主分区不变 primary unchanged）' + (parts.length ? '<br><span class="muted">' + parts.join('；') + '</span>' : '');
  }
  function drawImpact(d) {
    impactLayer.clearLayers();
    if (d.gained) L.geoJSON(d.gained, { pane: 'impact', pmIgnore: true, style: { color: '#31a354', weight: 1, fillColor: '#31a354', fillOpacity: 0.35, interactive: false } }).addTo(impactLayer);
    if (d.lost) L.geoJSON(d.lost, { pane: 'impact', pmIgnore: true, style: { color: '#de2d26', weight: 1, fillColor: '#de2d26', fillOpacity: 0.35, interactive: false } }).addTo(impactLayer);
    (d.enterprises || []).forEach(function (f) {
      var color = f.direction === 'in' ? '#31a354' : f.direction === 'out' ? '#de2d26' : '#fd8d3c';
      L.circleMarker([f.lat, f.lon], { renderer: canvas, radius: 6, color: '#fff', weight: 1.5, fillColor: color,
                                       fillOpacity: 1, pmIgnore: true, snapIgnore: true, className: 'moving-firm' })
        .bindTooltip(esc(f.name) + '<br>' + esc(zoneName(f.primary_before)) + ' → ' + esc(zoneName(f.primary_after)))
        .addTo(impactLayer);
    });
    window.QingpuEditor.movingDrawn = (d.enterprises || []).length;
  }

  // -- history and rollback ------------------------------------------------------------------------
  var ACTIONS = { load: '初始载入 loaded', create: '新建 created', update: '修改 changed', rollback: '回滚 rolled back',
                  'delete': '删除 deleted', publish: '发布 published' };
  function loadHistory() {
    fetch(historyUrl(state.zone.id) + '/versions', { headers: signin.headers({}) })
      .then(function (r) { return r.ok ? r.json() : { versions: [] }; }).then(function (body) {
        var list = $('history'); list.innerHTML = '';
        if (!body.versions.length) { list.innerHTML = '<li class="muted">尚未发布 not published yet</li>'; return; }
        var latest = body.versions[body.versions.length - 1].version;
        body.versions.slice().reverse().forEach(function (v) {
          var li = document.createElement('li');
          li.className = 'version';
          li.innerHTML = '<b>v' + v.version + '</b> ' + esc(ACTIONS[v.action] || v.action) + (v.author ? ' · ' + esc(v.author) : '') + ' · ' +
            esc(localTime(v.created_at)) + '<br>' + esc(v.comment) +
            (v.area_km2 != null ? ' · ' + v.area_km2.toFixed(3) + ' km²' : '') + ' ';
          var view = document.createElement('button'); view.textContent = '查看 view';
          view.addEventListener('click', function () { showVersion(v.version); });
          li.appendChild(view);
          if (v.version !== latest && v.action !== 'delete') {
            var back = document.createElement('button'); back.textContent = '回滚到此 roll back'; back.className = 'rollback';
            back.addEventListener('click', function () { rollback(v.version); });
            li.appendChild(back);
          }
          list.appendChild(li);
        });
        updateButtons();
      });
  }
  function showVersion(version) {
    fetch(historyUrl(state.zone.id) + '/versions/' + version, { headers: signin.headers({}) })
      .then(function (r) { return r.json(); }).then(function (f) {
        if (state.shown) map.removeLayer(state.shown);
        state.shown = L.geoJSON(f, { pmIgnore: true, style: { color: '#555', dashArray: '4 4', weight: 2, fill: false } }).addTo(map);
      });
  }
  function rollback(version) {
    var comment = $('comment').value.trim();
    if (!comment) { say('请填写修改说明 A change comment is required', false); return; }
    if (state.draft) { say('回滚作用于已发布方案：请先切换到已发布方案 Rollback changes the published plan: pick it above first', false); return; }
    var url = historyUrl(state.zone.id) + '/rollback', body = { version: version, comment: comment };
    showVersion(version);
    sendChange('POST', url, body, true).then(function (res) {
      if (res.status !== 200) { return refused(res); }
      showImpact(res.body);
      var a = res.body.area, share = largeShare(res.body);
      ask('确认回滚 Confirm the rollback',
          '<p>回滚到版本 Roll back to version <b>' + version + '</b>：面积 area ' + km2(a.before_km2) + ' → ' + km2(a.after_km2) +
          '，企业迁入 ' + share.entered + ' / 迁出 ' + share.left + ' firms in / out（地图已显示 shown on the map）。</p>' +
          overlapWarning(res.body) + '<p>确认回滚？Roll back?</p>', '确认回滚 Roll back', function () {
            sendChange('POST', url, body, false).then(function (done) {
              if (done.status === 200) {
                say('已回滚到版本 ' + version + ' Rolled back to version ' + version, true);
                $('comment').value = ''; reloadAfterSave();
              } else { refused(done); }
            });
          }, function () { say('未回滚 Not rolled back', false); });
    });
  }

  // -- drafts (方案): pick one, edit its zones (no If-Match needed, no comment), compare, publish ---------
  function loadDrafts(select) {
    if (!signin.allowed()) { $('draft-box').hidden = true; return; }
    fetch('/drafts', { headers: signin.headers({ Accept: 'application/json' }) })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
        if (!body) { $('draft-box').hidden = true; return; }
        $('draft-box').hidden = false;
        var box = $('draft-select');
        box.querySelectorAll('option:not([value=""])').forEach(function (o) { o.remove(); });
        body.drafts.forEach(function (d) {
          var opt = document.createElement('option');
          opt.value = d.id; opt.textContent = '方案 Draft ' + d.id + '：' + d.name + '（' + d.owner + '，' + localTime(d.updated_at) + '）';
          box.appendChild(opt);
        });
        box.value = select != null ? String(select) : (state.draft ? String(state.draft.id) : '');
        $('draft-new').disabled = false;
        pickDraft(box.value, body.drafts);
      });
  }
  function pickDraft(value, drafts) {
    var found = (drafts || []).filter(function (d) { return String(d.id) === value; })[0] || null;
    if (value && !found && state.draft && String(state.draft.id) === value) found = state.draft;
    var changed = (state.draft && state.draft.id) !== (found && found.id);
    state.draft = found;
    $('draft-compare').disabled = $('draft-publish').disabled = !found;
    $('save').textContent = found ? '保存到方案 Save to the draft' : '保存 Save';
    $('preview').textContent = found ? '对比方案 Compare the draft' : '预览影响 Preview impact';
    $('comment').placeholder = found ? '方案内可不填；发布时作为说明 optional in a draft; used when publishing' : '必填 required';
    $('draft-info').textContent = found
      ? '正在编辑方案 Editing draft ' + found.id + ' «' + found.name + '»：保存只改方案，公众看不到，发布后才生效。' +
        ' Saves change the draft only; the public sees them after publishing.'
      : '未选方案：保存立即生效。 No draft: saves go live at once.';
    document.body.classList.toggle('in-draft', !!found);
    if (changed) { clearImpact(); loadZones(false); if (state.zone) selectZone(state.zone.id); }
  }
  $('draft-select').addEventListener('change', function (ev) { loadDrafts(ev.target.value); });
  $('draft-new').addEventListener('click', function () {
    var name = $('draft-name').value.trim();
    if (!name) { say('请填写方案名称 Give the draft a name', false); return; }
    fetch('/drafts', { method: 'POST', headers: authHeaders(), body: JSON.stringify({ name: name, from: 'published' }) })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { say(problemText(res.body), false); return; }
        $('draft-name').value = '';
        say('已新建方案 Draft ' + res.body.id + ' «' + res.body.name + '» created from the published plan', true);
        loadDrafts(res.body.id);
      });
  });

  function saveToDraft(compareOnly) {
    if (compareOnly) { return compareDraft(); }
    var feature = currentFeature();
    delete feature.comment;
    clearMarkers();
    fetch(zoneUrl(state.zone.id), { method: 'PUT', body: JSON.stringify(feature),
      headers: authHeaders(state.etag ? { 'If-Match': state.etag } : {}) })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b, etag: r.headers.get('ETag') }; }); })
      .then(function (res) {
        if (res.status !== 200) { return refused(res); }
        state.etag = res.etag;
        var v = res.body.violations || [];
        say('已保存到方案 Saved in draft ' + state.draft.id + (v.length ? '；注意 note: ' + v.map(function (x) { return x.message; }).join('；') +
            '（发布前须解决 must be fixed before publishing）' : ''), !v.length);
        loadZones(false);
        selectZone(state.zone.id);  // its new ETag and state in the draft
        compareDraft();
      });
  }

  function compareDraft(then) {
    fetch('/drafts/' + state.draft.id + '/compare', { headers: signin.headers({ Accept: 'application/json' }) })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { say(problemText(res.body), false); return; }
        showComparison(res.body);
        if (then) then(res.body);
      });
  }
  // Per changed zone, the share of its area and of its firms the draft moves.
  function zoneShares(z) {
    var a = z.area, firms = (z.metrics.before && z.metrics.before.firms) || 0;
    var moved = Math.max(z.enterprises.entered.length, z.enterprises.left.length);
    var area = a.before_km2 > 0 ? Math.max(a.gained_km2, a.lost_km2) / a.before_km2 : 1;
    var firmShare = firms > 0 ? moved / firms : (moved ? 1 : 0);
    return { area: area, firms: firmShare, large: area > CONFIG.confirmShare || firmShare > CONFIG.confirmShare };
  }
  function overlapsText(c) {
    var grown = (c.overlaps || []).filter(function (o) { return o.change === 'created' || o.change === 'grown'; });
    if (!grown.length) return '';
    return '<div class="warning">⚠ 组团新增重叠 New overlaps between clusters: ' + grown.map(function (o) {
      return esc(zoneName(o.zones[0])) + ' × ' + esc(zoneName(o.zones[1])) + ' ' + o.before_km2.toFixed(2) + ' → ' +
        o.after_km2.toFixed(2) + ' km²';
    }).join('；') + '</div>';
  }
  function showComparison(c) {
    Object.assign(state.zoneNames, c.zone_names || {});
    var rows = c.zones.map(function (z) {
      var sh = zoneShares(z);
      return '<tr class="' + (sh.large ? 'large' : '') + '"><td>' + esc(z.name_zh) + (sh.large ? ' ⚠' : '') + '</td><td>' +
        z.area.before_km2.toFixed(3) + ' → ' + z.area.after_km2.toFixed(3) + ' km²<br><span class="muted">+' +
        z.area.gained_km2.toFixed(3) + ' / −' + z.area.lost_km2.toFixed(3) + '（' + pct(sh.area) + '）</span></td><td>' +
        '<span class="entered">+' + z.enterprises.entered.length + '</span> / <span class="left">−' +
        z.enterprises.left.length + '</span></td></tr>';
    });
    var html = '<h3>方案对比 Draft ' + c.draft.id + ' «' + esc(c.draft.name) + '» against the published plan</h3>' +
      '<table><tr><th>分区 Zone</th><th>面积 Area</th><th>企业 Firms in/out</th></tr>' + rows.join('') + '</table>' +
      overlapsText(c);
    (c.validation || []).filter(function (v) { return !v.valid; }).forEach(function (v) {
      html += '<div class="warning">✗ ' + esc(v.name_zh) + '：' + v.violations.map(function (x) { return esc(x.message); }).join('；') + '</div>';
    });
    (c.conflicts || []).forEach(function (k) {
      html += '<div class="warning">✗ 已发布方案已变 published since: ' + esc(zoneName(k.zone)) + '</div>';
    });
    var firms = c.enterprises || [];
    html += '<h3>迁移企业 Enterprises that would move (' + firms.length + ')</h3>';
    if (firms.length) {
      html += '<table class="firms"><tr><th>企业 Enterprise</th><th>主分区 Primary zone<br>原 from → 新 to</th></tr>' +
        firms.map(function (f) {
          var dir = f.entered.length && !f.left.length ? 'entered' : f.left.length && !f.entered.length ? 'left' : 'primary';
          return '<tr class="firm ' + dir + '"><td>' + esc(f.name) + '</td><td>' +
            movedWords(f.primary_before, f.primary_after, f.entered, f.left) + '</td></tr>';
        }).join('') + '</table>';
    }
    $('impact').innerHTML = html;
    var drawn = { enterprises: firms.map(function (f) {
      return Object.assign({}, f, { direction: f.entered.length && !f.left.length ? 'in' : f.left.length && !f.entered.length ? 'out' : 'primary' });
    }) };
    drawImpact(drawn);
    c.zones.forEach(function (z) {
      if (z.gained) L.geoJSON(z.gained, { pane: 'impact', pmIgnore: true, style: { color: '#31a354', weight: 1, fillColor: '#31a354', fillOpacity: 0.35, interactive: false } }).addTo(impactLayer);
      if (z.lost) L.geoJSON(z.lost, { pane: 'impact', pmIgnore: true, style: { color: '#de2d26', weight: 1, fillColor: '#de2d26', fillOpacity: 0.35, interactive: false } }).addTo(impactLayer);
    });
    impactLayer.eachLayer(function (l) { if (l.bringToFront && l instanceof L.CircleMarker) l.bringToFront(); });
  }
  $('draft-compare').addEventListener('click', function () { if (state.draft) compareDraft(); });

  $('draft-publish').addEventListener('click', function () {
    if (!state.draft) return;
    var draft = state.draft;
    compareDraft(function (c) {
      if (!c.zones.length) { say('方案没有修改，无需发布 The draft changes nothing: there is nothing to publish', false); return; }
      var large = c.zones.filter(function (z) { return zoneShares(z).large; });
      var body = '<p>发布方案 Publish draft ' + draft.id + ' «' + esc(draft.name) + '»：' + c.zones.length + ' 个分区 zone(s) change, ' +
        (c.enterprises || []).length + ' 家企业迁移 enterprises move. 公众地图立即更新 The public map changes at once.</p>';
      if (large.length) {
        body += '<div class="warning">⚠ 较大修改 Large change (more than ' + pct(CONFIG.confirmShare) + '): ' + large.map(function (z) {
          var sh = zoneShares(z);
          return esc(z.name_zh) + ' 面积 area ' + pct(sh.area) + '，企业 firms ' + pct(sh.firms);
        }).join('；') + '</div>';
      }
      body += overlapsText(c) + '<p>确认发布？Publish it?</p>';
      ask(large.length ? '确认较大修改并发布 Confirm a large change and publish' : '确认发布 Confirm publishing', body,
          '确认发布 Publish', function () { publishDraft(draft); }, function () { say('未发布 Not published', false); });
    });
  });
  function publishDraft(draft) {
    var comment = $('comment').value.trim();
    fetch('/drafts/' + draft.id + '/publish', { method: 'POST', headers: authHeaders(),
      body: JSON.stringify(comment ? { comment: comment } : {}) })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); })
      .then(function (res) {
        if (res.status === 200) {
          say('已发布 Published draft ' + draft.id + ': ' + res.body.versions.map(function (v) {
            return zoneName(v.zone) + ' v' + v.version; }).join('、') + '；' + res.body.enterprises_reassigned +
            ' 家企业已重新归属 enterprises re-assigned', true);
          $('comment').value = ''; state.draft = null; loadDrafts(''); clearImpact();
          if (state.zone) selectZone(state.zone.id);
          return;
        }
        var words = res.status === 409 && res.body.zones
          ? '无法发布：方案创建后，已发布方案中这些分区被修改 Cannot publish: since the draft was made these zones changed in the published plan: ' +
            res.body.zones.map(zoneName).join('、') + '。请更新方案（保留你的修改）后再发布 Rebase the draft (your changes are kept), then publish. '
          : '无法发布 Cannot publish: ';
        say(words + (res.body.detail || ''), false);
        if (res.status === 409 && res.body.zones) {
          var btn = document.createElement('button'); btn.id = 'draft-rebase'; btn.textContent = '更新方案 Rebase the draft';
          btn.addEventListener('click', function () {
            fetch('/drafts/' + draft.id + '/rebase', { method: 'POST', headers: authHeaders(), body: '{}' })
              .then(function (r) { return r.json(); }).then(function () {
                say('方案已更新到最新发布版本 Draft rebased on the published plan; compare, then publish again', true);
                loadZones(false); compareDraft();
              });
          });
          $('message').appendChild(btn);
        }
      });
  }
  document.addEventListener('qingpu:signin', function () { loadDrafts(); });

  window.QingpuEditor = { map: map, state: state, editing: editing };
  updateButtons();
  loadContext();
  loadReference();
  loadDrafts();
})();
