// The planner's zone editor: pick a zone, move vertices or redraw, preview the impact, save
// with a comment (If-Match with the zone's ETag), browse the history and roll back.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var signin = window.QingpuSignIn;  // web/static/signin.js: the one sign-in of every page
  var state = { zone: null, etag: null, original: null, layer: null, shown: null, markers: [] };
  var map = L.map('map', { zoomControl: true }).setView([31.12, 121.09], 11);
  L.control.scale({ imperial: false }).addTo(map);
  var context = L.layerGroup().addTo(map);
  var editing = L.featureGroup().addTo(map);
  var KIND_COLORS = { core: '#d7301f', corridor: '#2b8cbe', cluster: '#41ab5d', park: '#8856a7' };

  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function say(text, ok) { var m = $('message'); m.textContent = text; m.className = ok ? 'ok' : 'error'; }
  function authHeaders(extra) {
    var h = Object.assign({ 'Content-Type': 'application/json', 'Accept': 'application/json' }, extra || {});
    return signin.headers(h);
  }
  function problemText(body) {
    var text = (body.title || 'Error') + ': ' + (body.detail || '');
    return text;
  }

  function updateButtons() {
    var can = !!(signin.allowed() && state.zone);
    ['edit-vertices', 'redraw', 'reset', 'preview', 'save'].forEach(function (id) { $(id).disabled = !can; });
  }

  document.addEventListener('qingpu:signin', updateButtons);

  function loadContext() {
    fetch('/collections/district/items?limit=1').then(function (r) { return r.json(); }).then(function (fc) {
      L.geoJSON(fc, { style: { color: '#333', weight: 2, fill: false, dashArray: '6 4' }, interactive: false }).addTo(context);
    });
    fetch('/collections/zones/items?limit=500').then(function (r) { return r.json(); }).then(function (fc) {
      var select = $('zone-select');
      fc.features.forEach(function (f) {
        var opt = document.createElement('option');
        opt.value = f.id; opt.textContent = f.properties.name_zh + ' · ' + f.properties.name_en + ' (' + f.properties.kind + ')';
        select.appendChild(opt);
      });
      L.geoJSON(fc, { style: function (f) { return { color: KIND_COLORS[f.properties.kind] || '#555', weight: 1,
                                                      fillOpacity: 0.05 }; }, interactive: false }).addTo(context);
      var wanted = new URLSearchParams(location.search).get('zone');
      if (wanted) { select.value = wanted; selectZone(wanted); }
    });
  }

  function drawEditable(geometry) {
    editing.clearLayers();
    state.layer = null;
    L.geoJSON(geometry, { style: { color: '#e6550d', weight: 3, fillOpacity: 0.15 } }).eachLayer(function (l) {
      editing.addLayer(l); state.layer = l;
    });
  }

  function selectZone(id) {
    state.zone = null; updateButtons();
    if (!id) return;
    fetch('/collections/zones/items/' + encodeURIComponent(id), { headers: { Accept: 'application/geo+json' } })
      .then(function (r) {
        var tag = r.headers.get('ETag');
        return r.json().then(function (f) { return { feature: f, etag: tag }; });
      }).then(function (res) {
        state.zone = res.feature; state.etag = res.etag;
        state.original = JSON.parse(JSON.stringify(res.feature.geometry));
        drawEditable(res.feature.geometry);
        map.fitBounds(editing.getBounds(), { padding: [30, 30] });
        var p = res.feature.properties;
        $('zone-info').textContent = p.kind + ' · ' + p.area_km2.toFixed(2) + ' km² · 版本 version ' + p.version;
        $('impact').innerHTML = '';
        updateButtons(); loadHistory();
      });
  }
  $('zone-select').addEventListener('change', function (ev) { selectZone(ev.target.value); });

  $('edit-vertices').addEventListener('click', function () {
    if (!state.layer) return;
    // Self-intersections are allowed while drawing: the server explains them instead of
    // the editor silently refusing the move.
    state.layer.pm.enable({ allowSelfIntersection: true, snappable: false });
    say('拖动顶点后预览或保存 Drag vertices, then preview or save', true);
  });
  $('redraw').addEventListener('click', function () {
    map.pm.enableDraw('Polygon', { allowSelfIntersection: true, snappable: false });
    say('在地图上点击绘制新边界，点击首点结束 Click the new boundary; click the first point to finish', true);
  });
  map.on('pm:create', function (ev) {
    editing.clearLayers(); editing.addLayer(ev.layer); state.layer = ev.layer;
  });
  $('reset').addEventListener('click', function () {
    if (state.original) { drawEditable(state.original); say('已撤销 Discarded', true); }
  });

  function currentFeature() {
    var gj = state.layer.toGeoJSON(false);  // full precision: unchanged vertices go back as read
    var props = Object.assign({}, state.zone.properties);
    return { type: 'Feature', id: state.zone.id, geometry: gj.geometry, properties: props,
             comment: $('comment').value.trim() };
  }

  function put(dryRun) {
    var feature = currentFeature();
    if (!dryRun && !feature.comment) { say('请填写修改说明 A change comment is required', false); return; }
    if (dryRun && !feature.comment) feature.comment = 'preview';
    clearMarkers();
    var url = '/collections/zones/items/' + encodeURIComponent(state.zone.id) + (dryRun ? '?dryRun=true' : '');
    fetch(url, { method: 'PUT', headers: authHeaders({ 'If-Match': state.etag }), body: JSON.stringify(feature) })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b, etag: r.headers.get('ETag') }; }); })
      .then(function (res) {
        if (res.status === 200) {
          showImpact(res.body);
          if (dryRun) { say('预览：尚未保存 Preview only: nothing saved', true); }
          else {
            say('已保存为版本 ' + res.body.version + ' Saved as version ' + res.body.version, true);
            $('comment').value = ''; selectZone(state.zone.id);
          }
        } else if (res.status === 412) {
          say('该分区已被他人修改（现为版本 ' + res.body.current_version + '）。你的绘制仍保留，请重新加载后再保存。' +
              ' Someone else changed this zone; your drawing is kept — reload and re-apply.', false);
        } else {
          say(problemText(res.body), false);
          (res.body.violations || []).forEach(function (v) {
            if (v.where) {
              state.markers.push(L.circleMarker([v.where[1], v.where[0]], { radius: 9, color: '#c00', weight: 3 })
                .bindTooltip(esc(v.rule + ': ' + v.message), { permanent: true }).addTo(map));
            }
          });
        }
      });
  }
  function clearMarkers() { state.markers.forEach(function (m) { map.removeLayer(m); }); state.markers = []; }
  $('preview').addEventListener('click', function () { put(true); });
  $('save').addEventListener('click', function () { put(false); });

  function showImpact(impact) {
    var a = impact.area, e = impact.enterprises, rows = [];
    rows.push('<tr><th>面积 Area</th><td>' + a.before_km2.toFixed(3) + ' → ' + a.after_km2.toFixed(3) +
              ' km² (+' + a.gained_km2.toFixed(3) + ' / −' + a.lost_km2.toFixed(3) + ')</td></tr>');
    Object.keys(e.entered || {}).forEach(function (z) {
      rows.push('<tr><th>进入 enter ' + esc(z) + '</th><td class="entered">' + e.entered[z].length + '</td></tr>'); });
    Object.keys(e.left || {}).forEach(function (z) {
      rows.push('<tr><th>离开 leave ' + esc(z) + '</th><td class="left">' + e.left[z].length + '</td></tr>'); });
    rows.push('<tr><th>主分区变化 primary changes</th><td class="primary">' + (e.primary_changed || []).length + '</td></tr>');
    $('impact').innerHTML = '<table>' + rows.join('') + '</table>';
  }

  function loadHistory() {
    fetch('/collections/zones/items/' + encodeURIComponent(state.zone.id) + '/versions')
      .then(function (r) { return r.json(); }).then(function (body) {
        var list = $('history'); list.innerHTML = '';
        body.versions.slice().reverse().forEach(function (v) {
          var li = document.createElement('li');
          li.className = 'version';
          li.innerHTML = '<b>v' + v.version + '</b> ' + esc(v.action) + ' · ' + esc(v.author) + ' · ' +
            esc(v.created_at.replace('T', ' ').slice(0, 19)) + '<br>' + esc(v.comment) +
            (v.area_km2 != null ? ' · ' + v.area_km2.toFixed(3) + ' km²' : '') + ' ';
          var view = document.createElement('button'); view.textContent = '查看 view';
          view.addEventListener('click', function () { showVersion(v.version); });
          li.appendChild(view);
          if (v.version !== body.versions[body.versions.length - 1].version && v.action !== 'delete') {
            var back = document.createElement('button'); back.textContent = '回滚到此 roll back'; back.className = 'rollback';
            back.addEventListener('click', function () { rollback(v.version); });
            li.appendChild(back);
          }
          list.appendChild(li);
        });
      });
  }
  function showVersion(version) {
    fetch('/collections/zones/items/' + encodeURIComponent(state.zone.id) + '/versions/' + version)
      .then(function (r) { return r.json(); }).then(function (f) {
        if (state.shown) map.removeLayer(state.shown);
        state.shown = L.geoJSON(f, { style: { color: '#555', dashArray: '4 4', weight: 2, fill: false } }).addTo(map);
      });
  }
  function rollback(version) {
    var comment = $('comment').value.trim();
    if (!comment) { say('请填写修改说明 A change comment is required', false); return; }
    fetch('/collections/zones/items/' + encodeURIComponent(state.zone.id) + '/rollback', {
      method: 'POST', headers: authHeaders({ 'If-Match': state.etag }),
      body: JSON.stringify({ version: version, comment: comment })
    }).then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); })
      .then(function (res) {
        if (res.status === 200) { say('已回滚到版本 ' + version + ' Rolled back to version ' + version, true);
                                  $('comment').value = ''; selectZone(state.zone.id); }
        else { say(problemText(res.body), false); }
      });
  }

  updateButtons();
  loadContext();
})();
