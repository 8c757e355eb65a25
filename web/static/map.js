/* The public map's behaviour: enterprises (clustered or vector tiles), registry overlays, name search,
   and a compact layout on phones. Called once by the page with the folium map and layer control. */
(function () {
  'use strict';

  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  function detailsTable(props, fields, title) {
    var rows = fields.filter(function (f) { return props[f.name] !== undefined && props[f.name] !== null && props[f.name] !== ''; })
      .map(function (f) { return '<tr><th>' + esc(f.title) + '</th><td>' + esc(props[f.name]) + '</td></tr>'; });
    return '<b>' + esc(title) + '</b><table class="qp-details">' + rows.join('') + '</table>';
  }

  // A collection page by page (the server caps `limit`), following each page's `next` link.
  function fetchAllPages(url, done) {
    var features = [];
    (function step(u) {
      fetch(u, {headers: {Accept: 'application/geo+json'}}).then(function (r) {
        if (!r.ok) { throw new Error(u + ': HTTP ' + r.status); }
        return r.json();
      }).then(function (page) {
        features = features.concat(page.features || []);
        var next = (page.links || []).filter(function (l) { return l.rel === 'next'; })[0];
        if (next) { step(next.href); } else { done({type: 'FeatureCollection', features: features}); }
      });
    })(url);
  }

  function enterpriseLayer(map, cfg) {
    var ent = cfg.enterprises, st = ent.style || {};
    var pathStyle = {radius: st.radius || 4, color: st.color || '#54278f', fillColor: st.fillColor || '#9e9ac8',
                     fillOpacity: st.fillOpacity || 0.9, weight: st.weight || 1, fill: true};
    if (ent.mode === 'cluster') {
      var group = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50});
      group.once('add', function () {
        fetchAllPages(ent.url, function (data) {
          group.addLayer(L.geoJSON(data, {
            pointToLayer: function (f, ll) { return L.circleMarker(ll, pathStyle); },
            onEachFeature: function (f, layer) {
              layer.bindPopup(detailsTable(f.properties, ent.fields, f.properties.name || f.id));
            }
          }));
        });
      });
      return group;
    }
    var grid = L.vectorGrid.protobuf(ent.url, {
      rendererFactory: L.canvas.tile, interactive: false, maxNativeZoom: 19,
      getFeatureId: function (f) { return f.properties.id; },
      vectorTileLayerStyles: {
        enterprises: function (p) {
          if (p.point_count) {  // merged cell below the detail zoom
            var r = Math.min(1.5 + Math.log(p.point_count + 1), 7);
            return Object.assign({}, pathStyle, {radius: r, weight: 0.5});
          }
          return pathStyle;
        }
      }
    });
    // From the detail zoom on, clicks pass through the zone polygons to the enterprise points below them.
    function detail() { map.getContainer().classList.toggle('qp-detail', map.getZoom() >= (ent.detailZoom || 15)); }
    map.on('zoomend', detail);
    detail();
    // Hit-testing canvas tiles is unreliable across Leaflet versions, so a click at detail zoom asks the
    // server for the enterprises within a few pixels (same role rules as every other request).
    map.on('click', function (e) {
      if (!map.hasLayer(grid) || map.getZoom() < (ent.detailZoom || 15)) { return; }
      var px = map.latLngToContainerPoint(e.latlng), r = 6;
      var sw = map.containerPointToLatLng([px.x - r, px.y + r]), ne = map.containerPointToLatLng([px.x + r, px.y - r]);
      var bbox = [sw.lng, sw.lat, ne.lng, ne.lat].map(function (v) { return v.toFixed(7); }).join(',');
      var names = ent.fields.map(function (f) { return f.name; }).join(',');
      fetch('/collections/enterprises/items?limit=20&bbox=' + bbox + '&properties=' + names,
            {headers: {Accept: 'application/geo+json'}})
        .then(function (res) { return res.json(); })
        .then(function (data) {
          var best = null, bestD = Infinity;
          (data.features || []).forEach(function (f) {
            var d = map.latLngToContainerPoint([f.geometry.coordinates[1], f.geometry.coordinates[0]]).distanceTo(px);
            if (d < bestD) { best = f; bestD = d; }
          });
          if (best) {
            var more = data.features.length > 1 ? '<div class="qp-note">+' + (data.features.length - 1) +
              ' <span class="lang-zh">家相邻企业</span><span class="lang-en">more nearby</span></div>' : '';
            L.popup().setLatLng([best.geometry.coordinates[1], best.geometry.coordinates[0]])
              .setContent(detailsTable(best.properties, ent.fields, best.properties.name || best.id) + more).openOn(map);
          }
        });
    });
    return grid;
  }

  // An overlay served as vector tiles (e.g. H3 hex bins, resolution by zoom on the server): SVG tiles in a
  // pane above the layout polygons, so its cells take the hover tooltip and the click popup.
  function tiledOverlayLayer(map, o) {
    var st = Object.assign({weight: 0.5, fillOpacity: 0.6}, o.style || {});
    var by = st.by, colors = st.colors || {}, t = o.tiles, pane = 'qp-tiled-overlays';
    delete st.by; delete st.colors;
    if (!map.getPane(pane)) { map.createPane(pane).style.zIndex = 450; }
    var styles = {};
    styles[t.layer] = function (p) {
      var c = (by && colors[p[by]]) || '#888';
      return Object.assign({}, st, {fill: true, color: c, fillColor: c});
    };
    var grid = L.vectorGrid.protobuf(t.url, {
      rendererFactory: L.svg.tile, interactive: true, pane: pane, maxNativeZoom: 19,
      vectorTileLayerStyles: styles
    });
    var title = o.title_zh + ' ' + (o.title_en || ''), tip = null;
    grid.on('mouseover', function (e) {
      var p = e.layer.properties || {};
      if (tip) { map.removeLayer(tip); }
      tip = L.tooltip({sticky: true, className: 'qp-cell-tip'}).setLatLng(e.latlng)
        .setContent(esc(p.count) + ' <span class="lang-zh">家企业</span><span class="lang-en">enterprises</span>, ' +
                    esc(p.employees) + ' <span class="lang-zh">人</span><span class="lang-en">employees</span>')
        .addTo(map);
    });
    grid.on('mouseout', function () { if (tip) { map.removeLayer(tip); tip = null; } });
    grid.on('click', function (e) {
      L.popup().setLatLng(e.latlng).setContent(detailsTable(e.layer.properties || {}, t.fields, title)).openOn(map);
    });
    grid.on('remove', function () { if (tip) { map.removeLayer(tip); tip = null; } });
    return grid;
  }

  function overlayLayer(o) {
    var st = Object.assign({weight: 1, fillOpacity: 0.5}, o.style || {});
    var by = st.by, colors = st.colors || {};
    delete st.by; delete st.colors;
    var layer = L.geoJSON(null, {
      style: function (f) {
        var s = Object.assign({}, st);
        if (by) { var c = colors[f.properties[by]] || '#888'; s.color = c; s.fillColor = c; }
        return s;
      },
      pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 4}); },
      onEachFeature: function (f, l) {
        var fields = Object.keys(f.properties).map(function (k) { return {name: k, title: k}; });
        l.bindPopup(detailsTable(f.properties, fields, o.title_zh + ' ' + (o.title_en || '')));
      }
    });
    layer.once('add', function () {
      fetch(o.url, {headers: {Accept: 'application/geo+json'}}).then(function (r) {
        if (!r.ok) { throw new Error(o.url + ': HTTP ' + r.status); }
        return r.json();
      }).then(function (data) { layer.addData(data); }).catch(function (err) { console.warn(err); });
    });
    return layer;
  }

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
        li.innerHTML = '<span class="lang-zh">' + esc(p.name_zh) + '</span><span class="lang-en">' + esc(p.name_en || p.name_zh) +
          '</span><span class="qp-kind"><span class="lang-zh">' + esc(p.layer_zh) + '</span><span class="lang-en">' + esc(p.layer_en) + '</span></span>';
        function go() {
          var b = f.bbox;
          if (b && (b[2] - b[0] > 1e-4 || b[3] - b[1] > 1e-4)) {
            map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: 15, padding: [20, 20]});
          } else {
            map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], 16);
          }
          if (marker) { map.removeLayer(marker); }
          marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]]).addTo(map)
            .bindPopup('<b>' + esc(p.name_zh) + '</b><br>' + esc(p.name_en || '')).openPopup();
          list.innerHTML = '';
        }
        li.addEventListener('click', go);
        li.addEventListener('keydown', function (e) { if (e.key === 'Enter') { go(); } });
        list.appendChild(li);
      });
      if (!features.length && input.value.trim()) {
        list.innerHTML = '<li><span class="lang-zh">没有结果</span><span class="lang-en">No results</span></li>';
      }
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

  window.qpInitMap = function (map, control, cfg) {
    if (!map.options.maxZoom) { map.setMaxZoom(19); }  // marker clustering needs a bound
    var narrow = window.innerWidth < 600;
    if (narrow) {  // a collapsed layer switcher and legend leave the map visible on a phone
      control.remove();
      control.options.collapsed = true;
      control.addTo(map);
      var legend = document.getElementById('qp-legend');
      if (legend) { legend.removeAttribute('open'); }
    }
    if (cfg.enterprises) {
      var ent = enterpriseLayer(map, cfg);
      control.addOverlay(ent, cfg.enterpriseTitle);
      ent.addTo(map);
      window.qpEnterprises = ent;
    }
    var legendOverlays = document.getElementById('qp-legend-overlays');
    (cfg.overlays || []).forEach(function (o) {
      var layer = o.tiles ? tiledOverlayLayer(map, o) : overlayLayer(o);
      control.addOverlay(layer, o.label);
      if (legendOverlays && o.style && o.style.colors) {  // its legend shows while the overlay is on
        var box = document.createElement('div');
        box.style.display = 'none';
        box.innerHTML = '<div class="qp-title">' + o.label + '</div>' + Object.keys(o.style.colors).map(function (k) {
          return '<div><i style="background:' + esc(o.style.colors[k]) + '"></i>' + esc(k) + '</div>';
        }).join('');
        legendOverlays.appendChild(box);
        layer.on('add', function () { box.style.display = ''; });
        layer.on('remove', function () { box.style.display = 'none'; });
      }
    });
    search(map, cfg);
    window.qpMap = map;
  };
})();
