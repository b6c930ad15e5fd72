/* geozz unit page and index page (loaded after starmap.js): constant code. Every value from the input arrives as
   JSON data and enters the document through textContent. */
(function () {
  "use strict";
  var STARS = ["\u2014", "★☆☆☆☆", "★★☆☆☆", "★★★☆☆", "★★★★☆", "★★★★★"];
  var STATUS = [["未整改 open", "#d73027"], ["逾期 overdue", "#7b3294"], ["已整改 rectified", "#1a9850"]];
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function esc(s) { var d = document.createElement("span"); d.textContent = s; return d.innerHTML; }
  function shape(g, s, opts) {
    var ll = window.geozzDecodeRings(g.polys, s);  // from starmap.js
    return g.line ? L.polyline(ll.map(function (p) { return p[0]; }), opts) : L.polygon(ll, opts);
  }
  function header(d, root) {
    document.title = d.title;
    document.body.className = "gz-page";
    var h = el("header"); h.appendChild(el("h1", null, d.heading));
    var nav = el("nav");
    (d.nav || []).forEach(function (n) { var a = el("a", null, n[0]); a.href = n[1]; nav.appendChild(a); });
    h.appendChild(nav); root.appendChild(h);
  }
  function footer(d, root) {
    var f = el("footer");
    (d.notes || []).forEach(function (n) { f.appendChild(el("div", n[1] ? "gz-red" : null, n[0])); });
    root.appendChild(f);
  }
  function kv(table, k, v) {
    var tr = table.insertRow(), th = el("th", null, k), td = tr.insertCell();
    tr.insertBefore(th, td); td.textContent = v;
  }
  function chart(history, colours) {
    var NS = "http://www.w3.org/2000/svg", w = 520, h = 180, pad = 34;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("width", w); svg.setAttribute("height", h); svg.id = "gz-history";
    function node(tag, attrs, text) {
      var e = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e); return e;
    }
    var lo = 0, hi = 100, n = history.length;
    history.forEach(function (p) { if (p[1] !== null) lo = Math.min(lo, p[1]); });
    function X(i) { return pad + (n > 1 ? i * (w - 2 * pad) / (n - 1) : (w - 2 * pad) / 2); }
    function Y(v) { return h - pad - (v - lo) * (h - 2 * pad) / (hi - lo || 1); }
    [0, 50, 80, 100].forEach(function (v) {
      node("line", {x1: pad, x2: w - pad, y1: Y(v), y2: Y(v), stroke: "#ddd"});
      node("text", {x: 2, y: Y(v) + 4, "font-size": 10, fill: "#666"}, String(v));
    });
    var path = "";
    history.forEach(function (p, i) {
      if (p[1] === null) return;
      path += (path ? " L" : "M") + X(i).toFixed(1) + " " + Y(p[1]).toFixed(1);
    });
    if (path) node("path", {d: path, fill: "none", stroke: "#555", "stroke-width": 1.5});
    history.forEach(function (p, i) {
      if (p[1] !== null) {
        var c = node("circle", {cx: X(i), cy: Y(p[1]), r: 4, fill: colours[p[2]], stroke: "#333"});
        var t = document.createElementNS(NS, "title"); t.textContent = p[0] + ": " + p[1] + " " + STARS[p[2]];
        c.appendChild(t);
      }
      if (n <= 14 || i % Math.ceil(n / 12) === 0)
        node("text", {x: X(i) - 16, y: h - 8, "font-size": 10, fill: "#444"}, p[0]);
    });
    return svg;
  }

  window.geozzUnitPage = function (d) {
    var root = document.getElementById("gz-root");
    header(d, root);
    var main = el("main"), cols = el("div", "gz-cols");
    var left = el("div"), right = el("div");
    var mapDiv = el("div"); mapDiv.id = "gz-map"; left.appendChild(mapDiv);
    var key = el("div", "gz-keys");
    STATUS.forEach(function (s) {
      var i = el("span", "gz-badge"); i.style.background = s[1]; i.style.borderRadius = "6px";
      key.appendChild(i); key.appendChild(document.createTextNode(s[0] + "  "));
    });
    left.appendChild(key);
    var stars = el("div", "gz-stars", STARS[d.stars]); stars.id = "gz-unit-stars";
    stars.style.color = d.colours[d.stars];
    right.appendChild(stars);
    var info = el("table", "gz-table"); info.id = "gz-info";
    d.info.forEach(function (r) { kv(info, r[0], r[1]); });
    right.appendChild(info);
    right.appendChild(el("h3", null, "扣分明细 Deductions (" + d.period + ")"));
    var ded = el("table", "gz-table"); ded.id = "gz-deductions";
    if (!d.deductions.length) kv(ded, "无扣分", "no deductions");
    d.deductions.forEach(function (r) { kv(ded, r[0], "-" + r[1]); });
    right.appendChild(ded);
    right.appendChild(el("h3", null, "历史得分 Score history"));
    right.appendChild(chart(d.history, d.colours));
    cols.appendChild(left); cols.appendChild(right); main.appendChild(cols);
    /* the problems the period's counts count: found in it, or carried over into it (found
       before, not closed before it began); one row each, the same ones as on the map */
    var carried = d.problems.filter(function (p) { return p[5]; }).length;
    var probs = el("h3", null, "本期问题 Problems in " + d.period + ": " + d.problems.length
      + " (本期发现 found in the period " + (d.problems.length - carried)
      + ", 往期结转 carried over " + carried + ")");
    probs.id = "gz-problems-title";
    main.appendChild(probs);
    var plist = el("table", "gz-table"); plist.id = "gz-problems";
    var ph = plist.createTHead().insertRow();
    ["发现日期 Found", "类别 Category", "期末状态 State at the period's end", "备注 Note"].forEach(function (h) {
      ph.appendChild(el("th", null, h));
    });
    var pbody = plist.createTBody();
    d.problems.forEach(function (p) {
      var tr = pbody.insertRow();
      tr.insertCell().textContent = p[4];
      tr.insertCell().textContent = d.categories[p[3]] || "";
      var st = tr.insertCell(), badge = el("span", "gz-badge");
      badge.style.background = STATUS[p[2]][1]; badge.style.borderRadius = "6px";
      st.appendChild(badge); st.appendChild(document.createTextNode(STATUS[p[2]][0]));
      var note = [];
      if (p[5]) note.push("往期结转 carried over");
      if (p[6]) note.push("本期整改 closed in the period");
      if (p[7]) note.push("超过期限 past its deadline");
      tr.insertCell().textContent = note.join(" · ");
    });
    if (!d.problems.length) {
      var none = pbody.insertRow().insertCell(); none.colSpan = 4; none.textContent = "无 none";
    }
    main.appendChild(plist);
    root.appendChild(main);
    footer(d, root);
    var map = L.map(mapDiv, {preferCanvas: true, maxZoom: 19});
    var s = d.scale;
    var me = shape(d.shape, s, {color: "#000", weight: 3, fillColor: d.colours[d.stars], fillOpacity: 0.75});
    me.feature = {type: "Feature", properties: {id: d.unit_id}};
    map.fitBounds(me.getBounds(), {maxZoom: 17, padding: [30, 30]});  // a view before any layer
    var group = L.featureGroup().addTo(map);
    d.neighbours.forEach(function (g) {
      shape(g, s, {color: "#999", weight: 1, fillColor: "#ddd", fillOpacity: 0.5}).addTo(group);
    });
    me.addTo(group);
    var x = 0, y = 0, b0 = me.getBounds(), view = L.latLngBounds(b0.getSouthWest(), b0.getNorthEast());
    for (var q = 0; q < d.problems.length; q++) {
      var p = d.problems[q]; x += p[0]; y += p[1];
      L.circleMarker([y / s, x / s], {radius: 5, weight: 1, color: "#222", fillColor: STATUS[p[2]][1], fillOpacity: 0.9})
        .bindTooltip(esc(p[4] + " " + (d.categories[p[3]] || "") + " · " + STATUS[p[2]][0])).addTo(map);
      view.extend([y / s, x / s]);
    }
    if (d.problems.length) map.fitBounds(view, {maxZoom: 17, padding: [30, 30]});  // every point listed in view
    if (d.tiles) L.tileLayer(d.tiles, {attribution: ""}).addTo(map);
    map.attributionControl.addAttribution(esc(d.credit));
    window.geozzUnit = {map: map, shape: me};
  };

  window.geozzIndexPage = function (d) {
    var root = document.getElementById("gz-root");
    header(d, root);
    var main = el("main");
    var summary = el("div"); summary.id = "gz-summary";
    d.summary.forEach(function (line) { summary.appendChild(el("div", line[1] ? "gz-red" : null, line[0])); });
    main.appendChild(summary);
    ["red", "black"].forEach(function (which) {
      var rows = d.rows.filter(function (r) { return r[8] === which; });
      var box = el("div"); box.id = "gz-list-" + which;
      box.appendChild(el("h3", "gz-" + which, which === "red" ? "红榜 Red list (best)" : "黑榜 Black list (worst)"));
      /* ties share a place, so a list can be long: the first SHOWN, the rest folded */
      var SHOWN = 10, ul = el("ul"), more = el("ul");
      rows.forEach(function (r, q) {
        var li = el("li"), a = el("a", null, r[1] + " " + STARS[r[5]] + " " + (r[4] === null ? "\u2014" : r[4]));
        a.href = d.pages + r[7]; li.appendChild(a); li.appendChild(document.createTextNode(" · " + r[2]));
        (q < SHOWN ? ul : more).appendChild(li);
      });
      box.appendChild(ul);
      if (rows.length > SHOWN) {
        var fold = el("details"), sum = el("summary", null, "另有 " + (rows.length - SHOWN)
          + " 个并列 and " + (rows.length - SHOWN) + " more (ties share a place)");
        fold.appendChild(sum); fold.appendChild(more); box.appendChild(fold);
      }
      main.appendChild(box);
    });
    var filters = el("div", "gz-filters");
    function select(id, label, values) {
      var lab = el("label", null, label + " "), s = el("select"); s.id = id;
      var all = el("option", null, "全部 all"); all.value = ""; s.appendChild(all);
      values.forEach(function (v) { var o = el("option", null, v); o.value = v; s.appendChild(o); });
      lab.appendChild(s); filters.appendChild(lab); return s;
    }
    function uniq(k) { var seen = {}; d.rows.forEach(function (r) { seen[r[k]] = 1; }); return Object.keys(seen).sort(); }
    var fType = select("gz-f-type", "类型 Type", uniq(2)), fAdmin = select("gz-f-admin", "辖区 Admin", uniq(3));
    var fStars = select("gz-f-stars", "星级 Stars", ["5", "4", "3", "2", "1"]);
    var fText = el("input"); fText.id = "gz-f-text"; fText.placeholder = "名称/编号 name or id";
    filters.appendChild(fText);
    main.appendChild(filters);
    var table = el("table", "gz-table"); table.id = "gz-units";
    var heads = ["编号 ID", "名称 Name", "类型 Type", "辖区 Admin", "得分 Score", "星级 Stars", "排名 Rank"];
    var thead = table.createTHead().insertRow(), body = table.createTBody();
    var sortKey = 6, sortDir = 1;
    heads.forEach(function (h, k) {
      var th = el("th", null, h);
      th.addEventListener("click", function () { sortDir = sortKey === k ? -sortDir : 1; sortKey = k; draw(); });
      thead.appendChild(th);
    });
    function cmp(a, b) {
      var x = a[sortKey], y = b[sortKey];
      if (x === null) return 1; if (y === null) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
    }
    var count = el("div"); count.id = "gz-count";
    function draw() {
      while (body.firstChild) body.removeChild(body.firstChild);
      var q = fText.value.toLowerCase(), shownRows = d.rows.filter(function (r) {
        return (!fType.value || r[2] === fType.value) && (!fAdmin.value || r[3] === fAdmin.value)
          && (!fStars.value || String(r[5]) === fStars.value)
          && (!q || (r[0] + " " + r[1]).toLowerCase().indexOf(q) >= 0);
      }).sort(cmp);
      shownRows.forEach(function (r) {
        var tr = body.insertRow();
        var a = el("a", null, r[0]); a.href = d.pages + r[7];
        tr.insertCell().appendChild(a);
        tr.insertCell().textContent = r[1];
        tr.insertCell().textContent = r[2];
        tr.insertCell().textContent = r[3];
        tr.insertCell().textContent = r[4] === null ? "\u2014" : String(r[4]);
        var st = tr.insertCell(); st.textContent = STARS[r[5] || 0]; st.style.color = d.colours[r[5] || 0];
        tr.insertCell().textContent = r[6] === null ? "\u2014" : String(r[6]);
      });
      count.textContent = shownRows.length + " / " + d.rows.length + " 个单元 units";
    }
    [fType, fAdmin, fStars].forEach(function (s) { s.addEventListener("change", draw); });
    fText.addEventListener("input", draw);
    main.appendChild(count); main.appendChild(table);
    root.appendChild(main);
    footer(d, root);
    draw();
  };
})();
