/* The public map's behaviour: labels with a collision pass, one popup listing everything under a click,
   enterprises (counted clusters or vector tiles), registry overlays, the industry and zone filters, the
   map's state in the URL, search, printing, and a compact layout on phones. Called once by the page
   with the folium map, its layer control and the config built from layers/registry.py. */
(function () {
  'use strict';

  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function both(zh, en) {
    return '<span class="lang-zh">' + esc(zh) + '</span><span class="lang-en">' + esc(en === undefined ? zh : en) + '</span>';
  }
  function num(v, digits) {
    var d = digits === undefined ? (Math.abs(v) < 100 ? 1 : 0) : digits;
    return Number(v).toLocaleString('en-US', {maximumFractionDigits: d});
  }

  var W = {towns: {}, zones: {}, industries: {}, values: {}, titlesEn: {}};
  var ID_FIELDS = {town: 'towns', member_towns: 'towns', zones: 'zones', primary_zone: 'zones', parent_zone: 'zones'};
  var UNITS = {employees: ['人', 'people'], output_value: ['万元', '×10,000 yuan'], count: ['家', 'firms']};

  // One value as [Chinese, English] words: names for ids, words for codes and booleans, rounded numbers.
  function words(name, v) {
    if (v === true) { return ['是', 'yes']; }
    if (v === false) { return ['否', 'no']; }
    if ((name === 'plan_industry' || name === 'target_industries') && W.industries[v]) { return W.industries[v]; }
    if (ID_FIELDS[name] && W[ID_FIELDS[name]][v]) { return W[ID_FIELDS[name]][v]; }
    if (W.values[name] && W.values[name][v]) { return W.values[name][v]; }
    if (typeof v === 'number') {
      var t = num(v), u = UNITS[name];
      return u ? [t + ' ' + u[0], t + ' ' + u[1]] : [t, t];
    }
    return [String(v), String(v)];
  }
  function valueHtml(name, v) {
    var list = Array.isArray(v) ? v : [v];
    var w = list.map(function (x) { return words(name, x); });
    return both(w.map(function (x) { return x[0]; }).join('、'), w.map(function (x) { return x[1]; }).join(', '));
  }
  // fields: [{name, title}] with Chinese titles; the English ones come from the registry.
  function detailsTable(props, fields, titleHtml) {
    var rows = fields.filter(function (f) {
      var v = props[f.name];
      return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && !v.length);
    }).map(function (f) {
      var zh = f.title.replace(/\s+[A-Za-z].*$/, ''), en = f.title_en || W.titlesEn[f.name] || f.title;
      return '<tr><th>' + both(zh, en) + '</th><td>' + valueHtml(f.name, props[f.name]) + '</td></tr>';
    });
    return '<b>' + titleHtml + '</b><table class="qp-details">' + rows.join('') + '</table>';
  }
  function section(kindZh, kindEn, body) {
    return '<div class="qp-hit"><div class="qp-hit-kind">' + both(kindZh, kindEn) + '</div>' + body + '</div>';
  }

  // A collection page by page (the server caps `limit`), following each page's `next` link.
  function fetchAllPages(url, done, fail) {
    var features = [], matched = null;
    (function step(u) {
      fetch(u, {headers: {Accept: 'application/geo+json'}}).then(function (r) {
        if (!r.ok) { throw new Error(u + ': HTTP ' + r.status); }
        return r.json();
      }).then(function (page) {
        if (matched === null) { matched = page.numberMatched; }
        features = features.concat(page.features || []);
        var next = (page.links || []).filter(function (l) { return l.rel === 'next'; })[0];
        if (next) { step(next.href); } else { done({type: 'FeatureCollection', features: features, numberMatched: matched}); }
      }).catch(function (err) { if (fail) { fail(err); } else { console.warn(err); } });
    })(url);
  }

  // -- filters ---------------------------------------------------------------------------------------
  var state = {industry: '', zone: ''};
  function cqlFilter() {
    var parts = [];
    if (state.industry) {
      var fam = (CFG.industryFamilies[state.industry] || [state.industry]).map(function (i) { return "'" + i + "'"; });
      parts.push('plan_industry IN (' + fam.join(',') + ')');
    }
    if (state.zone) { parts.push("zones IN ('" + state.zone.replace(/'/g, "''") + "')"); }
    return parts.join(' AND ');
  }
  function withParam(url, key, value) {
    if (!value) { return url; }
    return url + (url.indexOf('?') >= 0 ? '&' : '?') + key + '=' + encodeURIComponent(value);
  }
  // The industry and zone filters as query parameters (tiles, hex bins, hotspots, density all take them).
  function withFilters(url) { return withParam(withParam(url, 'plan_industry', state.industry), 'zone', state.zone); }
  var CFG = null;

  // -- enterprises -------------------------------------------------------------------------------------
  function clusterIcon(cluster) {
    var n = cluster.getChildCount(), size = n < 10 ? 20 : n < 100 ? 25 : n < 1000 ? 30 : 35;
    return L.divIcon({html: '<span>' + n + '</span>', className: 'qp-count', iconSize: [size, size]});
  }

  function enterpriseLayer(map, cfg, onCount) {
    var ent = cfg.enterprises, st = ent.style || {};
    var pathStyle = {radius: st.radius || 4, color: st.color || '#252525', fillColor: st.fillColor || '#fff',
                     fillOpacity: st.fillOpacity || 0.9, weight: st.weight || 1, fill: true};
    var fields = ent.fields;
    var api = {fields: fields, mode: ent.mode};
    if (ent.mode === 'cluster') {
      var group = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
                                        iconCreateFunction: clusterIcon});
      var seq = 0;
      api.reload = function () {
        var mine = ++seq, url = withParam(ent.url, 'filter', cqlFilter());
        group.clearLayers();
        fetchAllPages(url, function (data) {
          if (mine !== seq) { return; }
          group.addLayer(L.geoJSON(data, {pointToLayer: function (f, ll) { return L.circleMarker(ll, pathStyle); }}));
          onCount(data.features.length);
        });
      };
      group.once('add', api.reload);
      // The enterprises drawn as single dots within r pixels of a container point.
      api.near = function (px, r, done) {
        var out = [];
        group.eachLayer(function (m) {
          if (group.getVisibleParent(m) !== m) { return; }
          if (map.latLngToContainerPoint(m.getLatLng()).distanceTo(px) <= r) { out.push(m.feature); }
        });
        done(out);
      };
      api.layer = group;
      return api;
    }
    function tileUrl() { return withFilters(ent.url); }
    var grid = L.vectorGrid.protobuf(tileUrl(), {
      rendererFactory: L.canvas.tile, interactive: false, maxNativeZoom: 19,
      getFeatureId: function (f) { return f.properties.id; },
      vectorTileLayerStyles: {
        enterprises: function (p) {
          if (p.point_count) {  // merged cell below the detail zoom: bigger dot, more firms
            var r = Math.min(2 + 1.6 * Math.log(p.point_count + 1), 11);
            return Object.assign({}, pathStyle, {radius: r, weight: 0.8, fillColor: '#737373', fillOpacity: 0.75, color: '#fff'});
          }
          return pathStyle;
        }
      }
    });
    api.reload = function () {
      grid.setUrl(tileUrl());
      fetch(withParam('/collections/enterprises/items?limit=1', 'filter', cqlFilter()),
            {headers: {Accept: 'application/geo+json'}}).then(function (r) { return r.json(); })
        .then(function (d) { onCount(d.numberMatched); }).catch(function (e) { console.warn(e); });
    };
    grid.once('add', function () { if (state.industry || state.zone) { api.reload(); } });
    // From the detail zoom on, clicks pass through the zone polygons to the enterprise points below them.
    function detail() { map.getContainer().classList.toggle('qp-detail', map.getZoom() >= (ent.detailZoom || 15)); }
    map.on('zoomend', detail);
    detail();
    // Hit-testing canvas tiles is unreliable, so a click at detail zoom asks the server for the enterprises
    // within a few pixels (same role rules as every other request).
    api.near = function (px, r, done) {
      if (!map.hasLayer(grid) || map.getZoom() < (ent.detailZoom || 15)) { done([]); return; }
      var sw = map.containerPointToLatLng([px.x - r, px.y + r]), ne = map.containerPointToLatLng([px.x + r, px.y - r]);
      var bbox = [sw.lng, sw.lat, ne.lng, ne.lat].map(function (v) { return v.toFixed(7); }).join(',');
      var names = fields.map(function (f) { return f.name; }).join(',');
      var url = withParam('/collections/enterprises/items?limit=20&bbox=' + bbox + '&properties=' + names,
                          'filter', cqlFilter());
      fetch(url, {headers: {Accept: 'application/geo+json'}}).then(function (res) { return res.json(); })
        .then(function (data) {
          var feats = (data.features || []).slice();
          feats.sort(function (a, b) {
            function d(f) { return map.latLngToContainerPoint([f.geometry.coordinates[1], f.geometry.coordinates[0]]).distanceTo(px); }
            return d(a) - d(b);
          });
          done(feats);
        }).catch(function () { done([]); });
    };
    api.layer = grid;
    return api;
  }

  // -- overlays ----------------------------------------------------------------------------------------
  function overlayColour(st, p, i) {
    if (st.ramp) { return st.ramp[st.by === '_order' ? Math.min(i, st.ramp.length - 1) : p[st.by]] || '#888'; }
    return (st.by && st.colors && st.colors[p[st.by]]) || '#888';
  }
  function cellHtml(p, title) {
    var rows = [['企业数', 'Enterprises', words('count', p.count)]];
    if (p.employees !== undefined) { rows.push(['从业人员', 'Employees', words('employees', p.employees)]); }
    if (p.output_value !== undefined) { rows.push(['产值', 'Output', words('output_value', p.output_value)]); }
    if (p.band) { rows.push(['分级', 'Class', [p.band + ' 家/格', p.band + ' firms per cell']]); }
    if (p['class']) {
      rows.unshift(['类别', 'Finding', words('class', p['class'])]);
      if (p.gi_z !== undefined) { rows.push(['Gi* z 值', 'Gi* z-score', [num(p.gi_z, 2), num(p.gi_z, 2)]]); }
      if (p.q_value !== undefined) {
        rows.push(['校正后 p 值', 'p after FDR correction', [num(p.q_value, 3), num(p.q_value, 3)]]);
      }
    }
    if (p.fraction_of_max !== undefined) {
      rows = [['密度不低于', 'Density at least', [num(p.level, 1) + ' 家/km²', num(p.level, 1) + ' firms per km²']],
              ['相当于最高值的', 'Share of the peak', [Math.round(p.fraction_of_max * 100) + ' %', Math.round(p.fraction_of_max * 100) + ' %']]];
    }
    return '<b>' + title + '</b><table class="qp-details">' + rows.map(function (r) {
      return '<tr><th>' + both(r[0], r[1]) + '</th><td>' + both(r[2][0], r[2][1]) + '</td></tr>';
    }).join('') + '</table>';
  }

  // An overlay served as vector tiles (the H3 hex bins, resolution by zoom): SVG tiles in a pane above
  // the layout polygons; its legend shows the quantile classes of the resolution in view.
  function tiledOverlay(map, o, legendBox) {
    var st = Object.assign({weight: 0.5, fillOpacity: 0.7}, o.style || {}), t = o.tiles, pane = 'qp-tiled-overlays';
    if (!map.getPane(pane)) { map.createPane(pane).style.zIndex = 450; }
    var styles = {};
    styles[t.layer] = function (p) {
      var c = overlayColour(st, p, 0);
      return {weight: st.weight, fillOpacity: st.fillOpacity, fill: true, color: '#ffffff', fillColor: c};
    };
    function url() { return withFilters(t.url); }
    var grid = L.vectorGrid.protobuf(url(), {rendererFactory: L.svg.tile, interactive: true, pane: pane,
                                             maxNativeZoom: 19, vectorTileLayerStyles: styles});
    var api = {layer: grid, pending: null, meta: null};
    // Switched on after a filter changed: its first tiles already carry the filter.
    var beforeAdd = grid.beforeAdd;
    grid.beforeAdd = function (m) { grid.setUrl(url(), true); return beforeAdd ? beforeAdd.call(grid, m) : grid; };
    grid.on('click', function (e) { api.pending = {props: e.layer.properties || {}, at: Date.now()}; });
    var tip = null;
    grid.on('mouseover', function (e) {
      var p = e.layer.properties || {};
      if (tip) { map.removeLayer(tip); }
      tip = L.tooltip({sticky: true, className: 'qp-cell-tip'}).setLatLng(e.latlng)
        .setContent(both(p.count + ' 家企业，' + p.employees + ' 人', p.count + ' enterprises, ' + p.employees + ' employees'))
        .addTo(map);
    });
    grid.on('mouseout remove', function () { if (tip) { map.removeLayer(tip); tip = null; } });
    function legend() {
      if (!api.meta) { return; }
      var z = map.getZoom(), res = api.meta.resolution;
      if (res && res.by_zoom) {
        res = res.by_zoom.filter(function (r) { return z >= r.minzoom && z <= r.maxzoom; })[0].resolution;
      }
      var c = api.meta.classes[String(res)];
      if (!c) { return; }
      legendBox.innerHTML = '<div class="qp-title">' + o.label + '</div>' +
        '<div class="qp-note">' + both('H3 ' + res + ' 级，分位数分级（每级格数相近），数字为每格企业数',
                                       'H3 resolution ' + res + ', quantile classes (similar cell counts), firms per cell') + '</div>' +
        c.labels.map(function (l, i) { return '<div><i style="background:' + esc(c.colours[i]) + '"></i>' + esc(l) + '</div>'; }).join('');
    }
    api.reload = function () {
      grid.setUrl(url());
      fetch(withFilters(t.url.replace(/\/\{z\}\/\{x\}\/\{y\}$/, '/tilejson.json')))
        .then(function (r) { return r.json(); }).then(function (m) { api.meta = m; legend(); })
        .catch(function (e) { console.warn(e); });
    };
    grid.on('add', api.reload);
    map.on('zoomend', legend);
    return api;
  }

  // A GeoJSON overlay (hotspots, density contours) fetched when switched on and again when a filter changes.
  function geojsonOverlay(map, o, legendBox) {
    var st = Object.assign({weight: 1, fillOpacity: 0.5}, o.style || {});
    var layer = L.geoJSON(null, {
      style: function (f) {
        var c = overlayColour(st, f.properties, f.properties._order || 0);
        return {weight: st.weight, fillOpacity: st.fillOpacity, color: c, fillColor: c};
      }
    });  // clicks bubble to the map, whose one popup lists the cell with everything else under it
    var api = {layer: layer, data: null}, seq = 0;
    function legend(data) {
      var rows;
      if (st.colors) {
        rows = Object.keys(st.colors).map(function (k) {
          var w = words(st.by, k);
          return '<div><i style="background:' + esc(st.colors[k]) + '"></i>' + both(w[0], w[1]) + '</div>';
        });
      } else {
        rows = (data.features || []).map(function (f, i) {
          var p = f.properties;
          return '<div><i style="background:' + esc(overlayColour(st, p, i)) + '"></i>' +
            both('≥ ' + num(p.level, 1) + ' 家/km²', '≥ ' + num(p.level, 1) + ' firms per km²') + '</div>';
        });
      }
      var md = data.metadata || {}, firms = md.firms !== undefined ? md.firms : null;
      legendBox.innerHTML = '<div class="qp-title">' + o.label + '</div>' + rows.join('') +
        (firms !== null && firms !== undefined ? '<div class="qp-note">' + both('基于 ' + firms + ' 家企业', 'from ' + firms + ' firms') + '</div>' : '');
    }
    api.reload = function () {
      var mine = ++seq, url = withFilters(o.url);
      fetch(url, {headers: {Accept: 'application/geo+json'}}).then(function (r) {
        if (!r.ok) { return r.json().then(function (p) { throw new Error(p.detail || ('HTTP ' + r.status)); }); }
        return r.json();
      }).then(function (data) {
        if (mine !== seq) { return; }
        (data.features || []).forEach(function (f, i) { f.properties._order = i; });
        layer.clearLayers();
        layer.addData(data);
        api.data = data;
        legend(data);
      }).catch(function (err) {
        if (mine !== seq) { return; }
        layer.clearLayers();
        api.data = {features: []};
        legendBox.innerHTML = '<div class="qp-title">' + o.label + '</div><div class="qp-note">' + esc(err.message) + '</div>';
      });
    };
    layer.on('add', api.reload);
    return api;
  }

  // -- geometry for "everything under the click" --------------------------------------------------------
  function inRing(x, y, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function inGeometry(lng, lat, g) {
    if (!g) { return false; }
    var polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    return polys.some(function (rings) {
      return inRing(lng, lat, rings[0]) && !rings.slice(1).some(function (h) { return inRing(lng, lat, h); });
    });
  }
  var HIT_ORDER = {park: 2, cluster: 3, core: 4, corridor: 5, towns: 6};
  var HIT_KIND = {park: ['园区', 'Industrial park'], cluster: ['组团', 'Town cluster'], core: ['一核', 'Core'],
                  corridor: ['一线', 'Digital corridor'], towns: ['镇街', 'Town'], stations: ['车站', 'Station']};

  function clickAll(map, refs, ent, overlays) {
    var headerPad = function () {
      var h = document.getElementById('qp-header');
      return [10, (h ? h.getBoundingClientRect().bottom : 60) + 10];
    };
    map.on('click', function (e) {
      var ll = e.latlng, px = map.latLngToContainerPoint(ll), hits = [];
      refs.forEach(function (r) {
        var group = window[r.group], gj = window[r.geojson];
        if (!group || !gj || !map.hasLayer(group) || r.layer === 'district' || r.layer === 'corridor_routes') { return; }
        gj.eachLayer(function (l) {
          var f = l.feature, key = r.layer === 'zones' ? f.properties.kind : r.layer;
          if (r.point) {
            if (map.latLngToContainerPoint(l.getLatLng()).distanceTo(px) <= 10) {
              hits.push({order: 1, html: section(HIT_KIND.stations[0], HIT_KIND.stations[1], f.properties.details)});
            }
          } else if (inGeometry(ll.lng, ll.lat, f.geometry)) {
            var k = HIT_KIND[key] || [key, key];
            hits.push({order: HIT_ORDER[key] || 9, html: section(k[0], k[1], f.properties.details)});
          }
        });
      });
      overlays.forEach(function (o) {
        if (!map.hasLayer(o.api.layer)) { return; }
        if (o.api.pending && Date.now() - o.api.pending.at < 400) {
          hits.push({order: 0.5, html: section('六边形格', 'Hex cell', cellHtml(o.api.pending.props, o.cfg.label))});
          o.api.pending = null;
        } else if (o.api.data) {
          var inner = (o.api.data.features || []).filter(function (f) { return inGeometry(ll.lng, ll.lat, f.geometry); });
          if (inner.length) {  // the innermost contour or the one cell
            var f = inner[inner.length - 1];
            hits.push({order: 0.6, html: section('分析图层', 'Analysis layer', cellHtml(f.properties, o.cfg.label))});
          }
        }
      });
      function show(entHits) {
        var all = hits.slice();
        if (entHits.length) {
          var first = entHits[0], more = entHits.length > 1 ? '<div class="qp-note">' +
            both('另有 ' + (entHits.length - 1) + ' 家相邻企业', '+' + (entHits.length - 1) + ' more nearby') + '</div>' : '';
          all.push({order: 0, html: section('企业', 'Enterprise',
            detailsTable(first.properties, ent.fields, esc(first.properties.name || first.id)) + more)});
        }
        if (!all.length) { return; }
        all.sort(function (a, b) { return a.order - b.order; });
        var at = entHits.length ? L.latLng(entHits[0].geometry.coordinates[1], entHits[0].geometry.coordinates[0]) : ll;
        L.popup({maxHeight: Math.round(window.innerHeight * 0.55), maxWidth: Math.min(340, window.innerWidth - 40),
                 autoPanPaddingTopLeft: headerPad(), className: 'qp-popup'})
          .setLatLng(at).setContent(all.map(function (h) { return h.html; }).join('')).openOn(map);
      }
      if (ent && map.hasLayer(ent.layer)) { ent.near(px, 8, show); } else { show([]); }
    });
  }

  // -- labels with a collision pass ---------------------------------------------------------------------
  var MOVABLE_LABELS = {cluster: true, core: true, corridor: true};
  function labels(map, list) {
    var pane = map.createPane('qp-labels');
    pane.style.zIndex = 640;
    pane.style.pointerEvents = 'none';
    var items = (list || []).slice().sort(function (a, b) { return a.priority - b.priority; }).map(function (l) {
      var style = l.colour ? ' style="--qp-c:' + esc(l.colour) + '"' : '';
      var icon = L.divIcon({className: 'qp-label-anchor', iconSize: null,
                            html: '<span class="qp-label qp-label-' + esc(l.cls) + '"' + style + '>' + both(l.zh, l.en) + '</span>'});
      return {spec: l, marker: L.marker([l.lat, l.lon], {icon: icon, pane: 'qp-labels', interactive: false, keyboard: false})};
    });
    function layout() {
      var z = map.getZoom(), placed = [], view = map.getContainer().getBoundingClientRect();
      items.forEach(function (it) {
        var l = it.spec, group = l.group && window[l.group];
        var want = z >= l.minZoom && z <= l.maxZoom && (!group || map.hasLayer(group));
        if (!want) { if (map.hasLayer(it.marker)) { map.removeLayer(it.marker); } return; }
        if (!map.hasLayer(it.marker)) { it.marker.addTo(map); }
        var el = it.marker.getElement() && it.marker.getElement().firstChild;
        if (!el) { return; }
        el.style.visibility = '';
        el.style.left = el.style.top = '0px';
        var r = el.getBoundingClientRect();
        function clashes(b) {
          return placed.some(function (p) {
            return !(b.right + 3 < p.left || p.right + 3 < b.left || b.bottom + 2 < p.top || p.bottom + 2 < b.top);
          });
        }
        // The layout's own names (clusters, core, corridor) try a place just above, below or beside their
        // point before giving way; towns, stations and parks simply give way.
        var moves = [[0, 0]];
        if (MOVABLE_LABELS[l.cls]) {
          var h = r.height + 4, w = r.width / 2 + 8;
          moves = moves.concat([[0, -h], [0, h], [w, 0], [-w, 0]]);
        }
        var at = null;
        for (var i = 0; i < moves.length && at === null; i++) {
          var b = {left: r.left + moves[i][0], right: r.right + moves[i][0], top: r.top + moves[i][1], bottom: r.bottom + moves[i][1]};
          if (!clashes(b)) { at = moves[i]; placed.push(b); }
        }
        if (at === null) { el.style.visibility = 'hidden'; } else { el.style.left = at[0] + 'px'; el.style.top = at[1] + 'px'; }
        el.dataset.shown = at === null ? '0' : '1';
      });
    }
    map.on('zoomend overlayadd overlayremove', layout);
    document.addEventListener('qp-lang', function () { setTimeout(layout, 0); });
    map.whenReady(function () { setTimeout(layout, 0); });
    return {layout: layout};
  }

  // -- search ------------------------------------------------------------------------------------------
  function search(map, cfg) {
    var input = document.getElementById('qp-search-input');
    var list = document.getElementById('qp-search-results');
    if (!input) { return; }
    var timer = null, marker = null, seq = 0;
    function show(features) {
      list.innerHTML = '';
      features.forEach(function (f) {
        var li = document.createElement('li');
        li.tabIndex = 0;
        var p = f.properties;
        li.innerHTML = both(p.name_zh, p.name_en || p.name_zh) + '<span class="qp-kind">' + both(p.layer_zh, p.layer_en) + '</span>';
        function go() {
          var b = f.bbox;
          if (b && (b[2] - b[0] > 1e-4 || b[3] - b[1] > 1e-4)) {
            map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: 15, padding: [20, 20]});
          } else {
            map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], 16);
          }
          if (marker) { map.removeLayer(marker); }
          marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]]).addTo(map)
            .bindPopup('<b>' + both(p.name_zh, p.name_en || p.name_zh) + '</b>').openPopup();
          list.innerHTML = '';
        }
        li.addEventListener('click', go);
        li.addEventListener('keydown', function (e) { if (e.key === 'Enter') { go(); } });
        list.appendChild(li);
      });
      if (!features.length && input.value.trim()) { list.innerHTML = '<li>' + both('没有结果', 'No results') + '</li>'; }
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { list.innerHTML = ''; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(cfg.searchUrl + '?q=' + encodeURIComponent(q) + '&limit=10').then(function (r) { return r.json(); })
          .then(function (data) { if (mine === seq) { show(data.features || []); } });
      }, 250);
    });
    L.DomEvent.disableClickPropagation(document.getElementById('qp-search'));
    L.DomEvent.disableScrollPropagation(document.getElementById('qp-search'));
  }

  // -- the map's state in the URL -------------------------------------------------------------------------
  function urlState(map, switchable) {
    var params = new URLSearchParams(location.search);
    function write() {
      var p = new URLSearchParams(location.search), c = map.getCenter();
      p.set('view', [c.lat.toFixed(5), c.lng.toFixed(5), map.getZoom()].join(','));
      p.set('layers', switchable.filter(function (s) { return map.hasLayer(s.layer); }).map(function (s) { return s.key; }).join(','));
      ['industry', 'zone'].forEach(function (k) { if (state[k]) { p.set(k, state[k]); } else { p.delete(k); } });
      if (window.qpLang) { p.set('lang', window.qpLang()); }
      history.replaceState(null, '', location.pathname + '?' + p.toString());
    }
    var view = (params.get('view') || '').split(',').map(Number);
    if (view.length === 3 && view.every(isFinite)) { map.setView([view[0], view[1]], view[2], {animate: false}); }
    if (params.has('layers')) {
      var on = params.get('layers').split(',');
      switchable.forEach(function (s) {
        var want = on.indexOf(s.key) >= 0;
        if (want && !map.hasLayer(s.layer)) { map.addLayer(s.layer); }
        if (!want && map.hasLayer(s.layer)) { map.removeLayer(s.layer); }
      });
    }
    map.on('moveend overlayadd overlayremove', write);
    document.addEventListener('qp-lang', write);
    return {write: write, industry: params.get('industry') || '', zone: params.get('zone') || '',
            hasView: view.length === 3 && view.every(isFinite)};
  }

  // -- print / PNG ------------------------------------------------------------------------------------
  function localStamp(t) {  // {date: '2026-12-02', time: '06:30'} in Beijing time
    var parts = {};
    new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
                                      hour: '2-digit', minute: '2-digit', hour12: false})
      .formatToParts(t).forEach(function (p) { parts[p.type] = p.value; });
    return {date: parts.year + '-' + parts.month + '-' + parts.day, time: parts.hour.replace('24', '00') + ':' + parts.minute};
  }
  function printing(map, cfg) {
    function note() {
      var n = document.getElementById('qp-print-note'), s = localStamp(new Date());
      var f = document.getElementById('qp-filter-note');
      if (n) {
        n.innerHTML = both('数据：青浦区产业布局服务（示意边界，示例企业）；' + s.date + ' ' + s.time + ' 北京时间',
                           'Data: Qingpu industrial layout service (schematic boundaries, demo enterprises); ' + s.date + ' ' + s.time + ' China Standard Time') +
          (f && f.textContent ? '<br>' + f.innerHTML : '');
      }
    }
    // The printed page and the PNG show the same frame: title, note, legend open, no controls (map.css).
    function exporting(on) {
      document.body.classList.toggle('qp-exporting', on);
      var legend = document.getElementById('qp-legend');
      if (on && legend) { legend.open = true; }
      if (on) { note(); }
    }
    window.addEventListener('beforeprint', function () { exporting(true); });
    window.addEventListener('afterprint', function () { exporting(false); });
    var btn = document.getElementById('qp-print');
    if (btn) { btn.addEventListener('click', function () { window.print(); }); }
    var png = document.getElementById('qp-png');
    if (png && window.htmlToImage) {
      png.addEventListener('click', function () {
        png.disabled = true;
        exporting(true);
        var s = localStamp(new Date());
        // Two frames so the frame's layout is drawn before the page is copied.
        requestAnimationFrame(function () { requestAnimationFrame(function () {
          window.htmlToImage.toBlob(document.body, {width: window.innerWidth, height: window.innerHeight,
                                                    pixelRatio: 2, backgroundColor: '#ffffff'})
            .then(function (blob) {
              var a = document.createElement('a');
              a.href = URL.createObjectURL(blob);
              a.download = 'qingpu-map-' + s.date.replace(/-/g, '') + '-' + s.time.replace(':', '') + '.png';
              document.body.appendChild(a);
              a.click();
              setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
            })
            .catch(function (err) {
              console.warn(err);
              window.alert(window.qpLang && window.qpLang() === 'en' ? 'The picture could not be made; use Print instead.'
                                                                     : '无法生成图片，请改用“打印”。');
            })
            .then(function () { exporting(false); png.disabled = false; });
        }); });
      });
    } else if (png) { png.hidden = true; }
    note();
  }

  window.qpInitMap = function (map, control, cfg) {
    CFG = cfg;
    window.qpConfig = cfg;
    W = Object.assign(W, cfg.words || {});
    if (!map.options.maxZoom) { map.setMaxZoom(19); }  // marker clustering needs a bound
    var narrow = window.innerWidth < 600;
    if (narrow) {  // a collapsed layer switcher and legend leave the map visible on a phone
      control.remove();
      control.options.collapsed = true;
      control.addTo(map);
      var legendEl = document.getElementById('qp-legend');
      if (legendEl) { legendEl.removeAttribute('open'); }
    }
    var note = document.getElementById('qp-filter-note');
    var switchable = (cfg.refs || []).map(function (r) {
      return {key: r.layer + (r.kind ? '-' + r.kind : ''), layer: window[r.group]};
    }).filter(function (s) { return s.layer; });
    var ent = null;
    function countNote(n) {
      window.qpEnterpriseCount = n;
      if (!note) { return; }
      // Names what is filtered, so a printed or saved map says what it shows.
      var what = [state.industry && W.industries[state.industry], state.zone && W.zones[state.zone]].filter(Boolean);
      var zh = what.map(function (w) { return w[0]; }).join(' · '), en = what.map(function (w) { return w[1]; }).join(' · ');
      note.innerHTML = (state.industry || state.zone) ? both('筛选后 ' + n + ' 家企业（' + zh + '）',
                                                             n + ' enterprises match the filter (' + en + ')') : '';
    }
    if (cfg.enterprises) {
      ent = enterpriseLayer(map, cfg, countNote);
      control.addOverlay(ent.layer, cfg.enterpriseTitle);
      ent.layer.addTo(map);
      switchable.push({key: 'enterprises', layer: ent.layer});
      window.qpEnterprises = ent.layer;
    }
    var legendOverlays = document.getElementById('qp-legend-overlays'), overlays = [];
    (cfg.overlays || []).forEach(function (o) {
      var box = document.createElement('div');
      box.style.display = 'none';
      box.className = 'qp-overlay-legend';
      box.dataset.overlay = o.id;
      if (legendOverlays) { legendOverlays.appendChild(box); }
      var api = o.tiles ? tiledOverlay(map, o, box) : geojsonOverlay(map, o, box);
      control.addOverlay(api.layer, o.label);
      api.layer.on('add', function () { box.style.display = ''; });
      api.layer.on('remove', function () { box.style.display = 'none'; });
      overlays.push({cfg: o, api: api});
      switchable.push({key: o.id, layer: api.layer});
    });
    window.qpOverlays = {};
    overlays.forEach(function (o) { window.qpOverlays[o.cfg.id] = o.api; });
    clickAll(map, cfg.refs || [], ent, overlays);
    var lab = labels(map, cfg.labels);
    var url = urlState(map, switchable);
    var zoneHighlight = null;
    function applyFilters(fit) {
      if (ent && map.hasLayer(ent.layer)) { ent.reload(); } else if (ent) { ent.layer.once('add', ent.reload); }
      overlays.forEach(function (o) { if (map.hasLayer(o.api.layer)) { o.api.reload(); } });
      if (zoneHighlight) { map.removeLayer(zoneHighlight); zoneHighlight = null; }
      if (state.zone) {
        (cfg.refs || []).forEach(function (r) {
          var gj = window[r.geojson];
          if (!gj || r.layer !== 'zones') { return; }
          gj.eachLayer(function (l) {
            if (String(l.feature.id) === state.zone) {
              zoneHighlight = L.geoJSON(l.feature, {interactive: false,
                style: {color: '#000', weight: 3, dashArray: '6 4', fill: false}}).addTo(map);
              if (fit) {
                // A zoom still animating (the page's opening fit) would land on its own target afterwards.
                var go = function () { map.fitBounds(l.getBounds(), {padding: [30, 30]}); };
                if (map._animatingZoom) { map.once('zoomend', go); } else { go(); }
              }
            }
          });
        });
      }
      if (!state.industry && !state.zone && note) { note.innerHTML = ''; }
      if (state.zone && note) {
        note.setAttribute('data-zone', state.zone);
      }
      url.write();
    }
    var selInd = document.getElementById('qp-industry'), selZone = document.getElementById('qp-zone');
    state.industry = (url.industry && cfg.industryFamilies[url.industry]) ? url.industry : '';
    state.zone = url.zone || '';
    if (selInd) {
      selInd.value = state.industry;
      selInd.addEventListener('change', function () { state.industry = selInd.value; applyFilters(false); });
    }
    if (selZone) {
      selZone.value = state.zone;
      selZone.addEventListener('change', function () { state.zone = selZone.value; applyFilters(true); });
    }
    // A link naming a zone but no view opens on that zone.
    if (state.industry || state.zone) { applyFilters(Boolean(state.zone) && !url.hasView); }
    L.DomEvent.disableClickPropagation(document.getElementById('qp-legend'));
    search(map, cfg);
    printing(map, cfg);
    url.write();
    window.qpMap = map;
    window.qpLabels = lab;
    window.qpState = state;
  };
})();
