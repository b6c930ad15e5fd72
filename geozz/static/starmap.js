/* geozz star map: constant code. Every value from the input arrives in `cfg` as JSON data
   and enters the document through textContent (esc() is textContent read back as HTML, for
   the two Leaflet calls that take HTML: layer names and attribution). */
(function () {
  "use strict";
  var NONE = -1000000000;
  var STARS = ["\u2014", "★☆☆☆☆", "★★☆☆☆", "★★★☆☆", "★★★★☆", "★★★★★"];

  function esc(s) { var d = document.createElement("span"); d.textContent = s; return d.innerHTML; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function ints(v, n) {
    if (typeof v === "number") { var c = new Int32Array(n); c.fill(v); return c; }
    if (typeof v === "string") return u16(v, n);
    return v;
  }
  function u16(b64, n) {
    var bin = atob(b64), out = new Int32Array(n);
    for (var k = 0; k < n; k++) out[k] = bin.charCodeAt(2 * k) | (bin.charCodeAt(2 * k + 1) << 8);
    return out;
  }
  function text(enc, k) {
    if (!enc) return "";
    if (!enc._codes) { enc._codes = ints(enc.codes, enc.n); enc._group = ints(enc.group, enc.n); }
    return (enc.prefix[enc._group[k]] || "") + enc.values[enc._codes[k]];
  }
  /* the file name of a unit's page, as geozz.maps.page_name writes it */
  function pageName(id) {
    var out = "", bytes = new TextEncoder().encode(id), chars = Array.from(id), k = 0;
    chars.forEach(function (ch, pos) {
      var n = new TextEncoder().encode(ch).length;
      if (/[A-Za-z0-9_+\-]/.test(ch) || (ch === "." && pos > 0)) out += ch;
      else for (var q = 0; q < n; q++) out += "~" + ("0" + bytes[k + q].toString(16)).slice(-2);
      k += n;
    });
    return out + ".html";
  }
  function pad3(v) { var t = String(v); while (t.length < 3) t = "0" + t; return t; }
  function quad(c, i, j) { return c[0] + c[1] * i + c[2] * j + c[3] * i * i + c[4] * i * j + c[5] * j * j; }

  /* polygons of delta-encoded integer rings -> Leaflet latlngs */
  function decodeRings(polys, s) {
    return polys.map(function (rings) {
      return rings.map(function (flat) {
        var pts = [], x = 0, y = 0;
        for (var q = 0; q < flat.length; q += 2) { x += flat[q]; y += flat[q + 1]; pts.push([y / s, x / s]); }
        return pts;
      });
    });
  }

  /* shapes in page order: [[latlngs, id]] */
  function decodeGeometry(geom) {
    var out = [];
    geom.grids.forEach(function (g) {
      g.runs.forEach(function (run) {
        var jj = run[0] - g.j0;
        for (var c = 0; c < run[2]; c++) {
          var ii = run[1] + c - g.i0;
          var ring = [[0, 0], [1, 0], [1, 1], [0, 1]].map(function (d) {
            return [quad(g.lat, ii + d[0], jj + d[1]), quad(g.lon, ii + d[0], jj + d[1])];
          });
          out.push({ll: ring, id: g.prefix + "-E" + (run[1] + c) + "-N" + run[0], line: false,
                    name: g.names ? g.names[0] + " " + pad3(run[1] + c - g.names[1] + 1) + "-" + pad3(run[0] - g.names[2] + 1) : null});
        }
      });
    });
    geom.shapes.forEach(function (polys, k) {
      var line = geom.lines[k] === 1, ll = decodeRings(polys, geom.scale);
      out.push({ll: line ? ll.map(function (p) { return p[0]; }) : ll, id: null, line: line, name: null});
    });
    return out;
  }

  /* per period: score (x100, -1 none), stars, found, deductions [[cat, points x100]] */
  function decodePeriod(p, n) {
    var score = u16(p.score, n), stars = new Int8Array(n), found = u16(p.found, n), ded = {}, k, q;
    for (k = 0; k < n; k++) {
      if (score[k] === 65535) { score[k] = NONE; continue; }
      score[k] -= p.offset;
      if (p.cuts) {
        for (q = 0; q < p.cuts.length; q++) if (score[k] >= p.cuts[q][0]) { stars[k] = p.cuts[q][1]; break; }
      }
    }
    if (p.stars) for (k = 0; k < n; k++) stars[k] = p.stars.charCodeAt(k) - 48;
    p.ded.forEach(function (c, ci) {
      if (!c) return;
      if (c.d) {
        var v = u16(c.d, n);
        for (k = 0; k < n; k++) if (v[k]) (ded[k] = ded[k] || []).push([ci, v[k]]);
      } else {
        k = -1;
        for (q = 0; q < c.s.length; q += 2) { k += c.s[q]; (ded[k] = ded[k] || []).push([ci, c.s[q + 1]]); }
      }
    });
    return {score: score, stars: stars, found: found, ded: ded};
  }

  /* rank 1 = best within unit type; ties share the best place (method "min") */
  function ranks(st, types, n) {
    var rank = new Int32Array(n), byType = {};
    for (var k = 0; k < n; k++) {
      if (st.score[k] === NONE) continue;
      (byType[types[k]] = byType[types[k]] || []).push(k);
    }
    Object.keys(byType).forEach(function (t) {
      var ks = byType[t].sort(function (a, b) { return st.score[b] - st.score[a]; });
      for (var q = 0; q < ks.length; q++) {
        rank[ks[q]] = q > 0 && st.score[ks[q]] === st.score[ks[q - 1]] ? rank[ks[q - 1]] : q + 1;
      }
    });
    return rank;
  }

  var STATUS = [["未整改 open", "#d73027"], ["逾期 overdue", "#7b3294"], ["已整改 rectified", "#1a9850"]];
  function shareColour(v) {
    return v === null ? "#bdbdbd" : v >= 0.9 ? "#1a9850" : v >= 0.8 ? "#91cf60" : v >= 0.7 ? "#fee08b"
      : v >= 0.6 ? "#fc8d59" : "#d73027";
  }
  var EXTRA = {
    /* problem points of the period by status, clustered at low zoom; a heat view beside */
    problems: function (map, control, x, cfg) {
      var pts = [], px = 0, py = 0, s = x.scale;
      for (var q = 0; q < x.points.length; q += 5) {
        px += x.points[q]; py += x.points[q + 1];
        pts.push({lat: py / s, lon: px / s, period: x.points[q + 2], status: x.points[q + 3], cat: x.points[q + 4]});
      }
      if (!map.options.maxZoom) map.options.maxZoom = 19;  // clustering needs a zoom range
      var cluster = L.markerClusterGroup({maxClusterRadius: 40, disableClusteringAtZoom: 17});
      var heat = L.heatLayer([], {radius: 18, blur: 15, maxZoom: 17});
      control.addOverlay(cluster, esc(x.label));
      control.addOverlay(heat, esc(x.heat_label));
      if (x.show) cluster.addTo(map);
      return function (period) {
        cluster.clearLayers();
        var markers = [], heatPts = [];
        pts.forEach(function (p) {
          if (p.period !== period) return;
          var m = L.circleMarker([p.lat, p.lon], {radius: 5, weight: 1, color: "#222",
            fillColor: STATUS[p.status][1], fillOpacity: 0.9});
          m.bindTooltip(function () {
            var d = el("div"); d.appendChild(el("b", null, x.categories[p.cat]));
            d.appendChild(el("div", null, STATUS[p.status][0])); return d;
          });
          markers.push(m); heatPts.push([p.lat, p.lon, 1]);
        });
        cluster.addLayers(markers);
        heat.setLatLngs(heatPts);
      };
    },
    /* a raster surface (density, classes, hot spots): a PNG placed by its corners, with
       its own legend box, shown while the layer is on */
    image: function (map, control, x, cfg) {
      // above the units (their fills would hide it), never catching the mouse
      if (!map.getPane("gzRaster")) {
        var pane = map.createPane("gzRaster");
        pane.style.zIndex = 450; pane.style.pointerEvents = "none";
      }
      var layer = L.imageOverlay(x.url, x.bounds, {opacity: 1, interactive: false, pane: "gzRaster"});
      layer.geozzLabel = x.label;
      var stack = document.getElementById("gz-raster-legends");
      if (!stack) {
        stack = el("div", "gz-raster-legends"); stack.id = "gz-raster-legends";
        document.body.appendChild(stack);
      }
      var box = el("div", "gz-legend gz-raster-legend");
      box.appendChild(el("div", "gz-title", x.label));
      if (x.units) box.appendChild(el("div", "gz-note", x.units));
      x.legend.forEach(function (r) {
        var line = el("div"), swatch = el("i");
        swatch.style.background = r[0];
        line.appendChild(swatch); line.appendChild(document.createTextNode(r[1]));
        box.appendChild(line);
      });
      box.style.display = "none";
      stack.appendChild(box);
      (window.geozzImageLayers = window.geozzImageLayers || []).push({layer: layer, legend: box, cfg: x});
      layer.on("add", function () { box.style.display = ""; });
      layer.on("remove", function () { box.style.display = "none"; });
      control.addOverlay(layer, esc(x.label));
      if (x.show) layer.addTo(map);
      return function () {};
    },
    /* admin areas coloured by their share of units at 3 stars or better */
    areas: function (map, control, x, cfg) {
      var group = L.featureGroup(), s = x.scale;
      x.shapes.forEach(function (polys, a) {
        var layer = L.polygon(decodeRings(polys, s), {weight: 2, color: "#333", fillOpacity: 0.55});
        layer.area = a;
        group.addLayer(layer);
      });
      var period = cfg.shown;
      group.bindTooltip(function (layer) {
        var a = layer.area, v = x.values[period][a], t = el("table", "gz-tip");
        function r(h, val) { var tr = t.insertRow(), th = el("th", null, h), td = tr.insertCell(); tr.insertBefore(th, td); td.textContent = val; }
        r("辖区 Area", x.names[a]);
        r("3★+ 占比 Share", v[0] === null ? "\u2014" : Math.round(v[0] * 100) + "%");
        r("目标 Target " + Math.round(x.target * 100) + "%", v[2] ? "达标 meets" : "未达标 below");
        r("平均分 Mean", v[1] === null ? "\u2014" : String(v[1]));
        r("排名 Rank", v[3] === null ? "\u2014" : String(v[3]));
        return t;
      }, {sticky: true});
      control.addOverlay(group, esc(x.label));
      if (x.show) group.addTo(map);
      return function (p) {
        period = p;
        group.eachLayer(function (layer) { layer.setStyle({fillColor: shareColour(x.values[p][layer.area][0])}); });
      };
    }
  };

  window.geozzPageName = pageName;
  window.geozzDecodeRings = decodeRings;
  window.geozzStarMap = function (map, cfg) {
    var t0 = performance.now(), times = window.geozzTimes = {};
    var n = cfg.units.n, types = cfg.units.types, shapes = decodeGeometry(cfg.geometry);
    times.geometry = performance.now() - t0;
    var ids = cfg.units.ids, states = {}, current = cfg.shown;
    function state(pi) {
      if (!states[pi]) {
        var st = decodePeriod(cfg.ratings[pi], n);
        st.rank = ranks(st, types, n);
        states[pi] = st;
      }
      return states[pi];
    }
    function nameOf(k) { return shapes[k].name || text(cfg.units.names, k); }
    function idOf(k) { return shapes[k].id !== null ? shapes[k].id : ids[k - cfg.geometry.n_grid]; }
    function fmt(v) { return v === NONE ? "\u2014" : (v / 100).toFixed(Math.abs(v) % 10 === 0 ? 1 : 2); }
    function row(table, head, value) {
      var tr = table.insertRow(), th = el("th", null, head), td = tr.insertCell();
      tr.insertBefore(th, td); td.textContent = value;
    }
    function tip(layer) {
      var k = layer.feature.properties.k, st = state(current), table = el("table", "gz-tip");
      var t = cfg.types[types[k]];
      row(table, "名称 Name", nameOf(k) || idOf(k));
      row(table, "编号 ID", idOf(k));
      row(table, "类型 Type", t.label);
      row(table, "辖区 Admin", text(cfg.units.admin, k) || "\u2014");
      row(table, "责任人 Responsible", text(cfg.units.responsible, k) || "\u2014");
      row(table, "得分 Score", fmt(st.score[k]));
      row(table, "星级 Stars", STARS[st.stars[k]]);
      row(table, "排名 Rank", st.rank[k] ? st.rank[k] + " / " + cfg.type_counts[types[k]] : "\u2014");
      var trend = "\u2014";
      if (current > 0) {
        var prev = state(current - 1);
        if (prev.score[k] !== NONE && st.score[k] !== NONE) {
          var d = st.score[k] - prev.score[k];
          trend = d > 0 ? "▲ +" + fmt(d) : d < 0 ? "▼ -" + fmt(-d) : "= 0";
        }
      }
      row(table, "趋势 Trend", trend);
      row(table, "问题数 Problems", String(st.found[k]));
      return table;
    }
    function pop(layer) {
      var k = layer.feature.properties.k, st = state(current), box = el("div", "gz-pop");
      box.appendChild(el("b", null, (nameOf(k) || idOf(k)) + "  " + STARS[st.stars[k]]));
      box.appendChild(el("div", null, cfg.periods[current] + " · 得分 Score " + fmt(st.score[k])));
      var list = st.ded[k] || [];
      var table = el("table", "gz-ded");
      if (!list.length) box.appendChild(el("div", null, "无扣分 no deductions"));
      list.forEach(function (d) { row(table, cfg.categories[d[0]], "-" + fmt(d[1])); });
      if (list.length) box.appendChild(table);
      if (cfg.pages) {
        var a = el("a", null, "单元页面 Unit page »");
        a.href = cfg.pages + pageName(idOf(k));
        box.appendChild(a);
      }
      return box;
    }
    var groups = cfg.types.map(function () { return L.featureGroup(); });
    shapes.forEach(function (s, k) {
      var t = cfg.types[types[k]];
      var opts = {weight: t.weight, color: "#555", fillOpacity: 0.7};
      var layer = s.line ? L.polyline(s.ll, opts) : L.polygon(s.ll, opts);
      layer.feature = {type: "Feature", properties: {k: k, id: null, n: null, s: 0, c: "\u2014", f: 0}};
      groups[types[k]].addLayer(layer);
    });
    times.layers = performance.now() - t0;
    function restyle(layer, st) {
      var k = layer.feature.properties.k, c = cfg.colours[st.stars[k]], pr = layer.feature.properties;
      var o = layer.options, t = cfg.types[types[k]];
      pr.id = idOf(k); pr.n = nameOf(k) || pr.id; pr.s = st.stars[k];
      pr.c = fmt(st.score[k]); pr.f = st.found[k];
      if (shapes[k].line) { o.color = c; o.weight = t.weight + 2; }
      else { o.fillColor = c; o.color = "#555"; o.weight = t.weight; }
    }
    /* recolour every shape: options set directly, then one redraw of each canvas (a
       setStyle per shape would schedule 50,000 redraws) */
    function paint() {
      var st = state(current), renderers = [];
      groups.forEach(function (g) {
        g.eachLayer(function (layer) {
          restyle(layer, st);
          var r = layer._renderer;
          if (r && renderers.indexOf(r) < 0) renderers.push(r);
        });
      });
      renderers.forEach(function (r) {
        if (r._redraw) r._redraw();
        else groups.forEach(function (g) { g.eachLayer(function (l) { l.redraw(); }); });
      });
      legendCounts(st);
      hooks.forEach(function (h) { h(current); });
      if (periodLabel) periodLabel.textContent = "评价期 Period: " + cfg.periods[current];
    }
    groups.forEach(function (g) { g.eachLayer(function (layer) { restyle(layer, state(current)); }); });
    var control = L.control.layers(null, null, {collapsed: false}), hooks = [];
    groups.forEach(function (g, t) {
      g.bindTooltip(tip, {sticky: true});
      g.bindPopup(pop);
      g.on("mouseover", function (e) { e.layer.setStyle({weight: 3, color: "#000"}); });
      g.on("mouseout", function (e) {
        var k = e.layer.feature.properties.k;
        e.layer.setStyle(shapes[k].line ? {weight: cfg.types[types[k]].weight + 2, color: cfg.colours[state(current).stars[k]]}
                                        : {weight: cfg.types[types[k]].weight, color: "#555"});
      });
      if (g.getLayers().length) { g.addTo(map); control.addOverlay(g, esc(cfg.types[t].label)); }
    });
    (cfg.extra_layers || []).forEach(function (x) { hooks.push(EXTRA[x.kind](map, control, x, cfg)); });
    control.addTo(map);
    if (cfg.tiles) L.tileLayer(cfg.tiles, {attribution: ""}).addTo(map);
    map.attributionControl.addAttribution(esc(cfg.credit));
    // ---- heading, legend, period switcher
    if (cfg.heading) {
      document.title = cfg.heading;
      var head = el("div", "gz-heading", cfg.heading); head.id = "gz-heading";
      document.body.appendChild(head);
    }
    var box = el("div", "gz-legend"); box.id = "gz-legend";
    box.appendChild(el("div", "gz-title", cfg.legend.title));
    var countCells = [];
    cfg.legend.rows.forEach(function (r) {
      var line = el("div"), swatch = el("i"), num = el("span", "gz-n", String(r[2]));
      swatch.style.background = r[0];
      line.appendChild(swatch); line.appendChild(document.createTextNode(r[1] + " "));
      line.appendChild(num); box.appendChild(line); countCells.push(num);
    });
    function legendCounts(st) {
      var c = [0, 0, 0, 0, 0, 0];
      for (var k = 0; k < n; k++) c[st.stars[k]] += 1;
      [5, 4, 3, 2, 1, 0].forEach(function (s, q) { if (countCells[q]) countCells[q].textContent = String(c[s]); });
    }
    var periodLabel = null;
    if (cfg.periods.length > 1) {
      var sw = el("div", "gz-switch");
      sw.appendChild(el("span", null, "评价期 Period "));
      var select = el("select"); select.id = "gz-period";
      cfg.periods.forEach(function (p, q) {
        var o = el("option", null, p); o.value = String(q); if (q === current) o.selected = true;
        select.appendChild(o);
      });
      select.addEventListener("change", function () { current = Number(select.value); paint(); });
      sw.appendChild(select); box.appendChild(sw);
    }
    var note = el("div", "gz-note");
    cfg.legend.notes.forEach(function (item, q) {
      if (q) note.appendChild(document.createElement("br"));
      var node = item[1] ? el("b", null, item[0]) : document.createTextNode(item[0]);
      if (q === 0) { periodLabel = el("span", null, item[0]); node = periodLabel; }
      note.appendChild(node);
    });
    box.appendChild(note);
    document.body.appendChild(box);
    paint();
    times.painted = performance.now() - t0;
    window.geozzMap = {map: map, setPeriod: function (p) {
      var q = cfg.periods.indexOf(p); if (q < 0) return false;
      current = q; if (select) select.value = String(q); paint(); return true;
    }, groups: groups, state: function () { return state(current); }};
  };
})();
