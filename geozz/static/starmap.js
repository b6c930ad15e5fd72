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
  /* the file name of a unit's page, as geozz.maps.page_name writes it (its twin: the
     same characters kept, the same ~hh escapes, the same ~x case mask) */
  var JAMO = [[0x1100, 0x11FF], [0xA960, 0xA97F], [0xD7B0, 0xD7FF]];
  var RESERVED = {con: 1, prn: 1, aux: 1, nul: 1};
  ["com", "lpt"].forEach(function (p) { Array.from("0123456789¹²³").forEach(function (d) { RESERVED[p + d] = 1; }); });
  function kept(ch) {
    if (!/^[\p{L}\p{Nd}]$/u.test(ch) || ch.normalize("NFC") !== ch) return false;
    var c = ch.codePointAt(0);
    if (JAMO.some(function (r) { return c >= r[0] && c <= r[1]; })) return false;
    var lo = ch.toLowerCase(), up = ch.toUpperCase();
    if (lo === ch && up === ch) return true;
    return Array.from(lo).length === 1 && Array.from(up).length === 1 && lo !== up &&
      (ch === lo || ch === up) && up.toLowerCase() === lo && lo.toUpperCase() === up;
  }
  function pageName(id) {
    id = String(id);
    var chars = Array.from(id), n = chars.length, hex = [], k = 0, j, q;
    var ALNUM = /^[A-Za-z0-9]$/, HEX = /^[0-9a-fA-F]$/;
    while (k < n) {
      if (ALNUM.test(chars[k])) {
        for (j = k; j < n && ALNUM.test(chars[j]); j++);
        var run = chars.slice(k, j);
        var isHex = j - k >= 8 && run.every(function (c) { return HEX.test(c); }) &&
          run.some(function (c) { return /[A-Za-z]/.test(c); });
        for (q = k; q < j; q++) hex[q] = isHex;
        k = j;
      } else k++;
    }
    var out = "", bits = [], enc = new TextEncoder();
    var reserved = RESERVED[id.split(".")[0].toLowerCase()] === 1;
    chars.forEach(function (ch, pos) {
      var keep = ch.charCodeAt(0) < 128 ? /^[A-Za-z0-9_+\-]$/.test(ch) || (ch === "." && pos > 0) : kept(ch);
      if (keep && pos === 0 && reserved) keep = false;
      if (!keep) {
        enc.encode(ch).forEach(function (b) { out += "~" + ("0" + b.toString(16)).slice(-2); });
        return;
      }
      out += ch;
      if (ch.toLowerCase() !== ch.toUpperCase()) {
        var expected = hex[pos] || ch.charCodeAt(0) >= 128 ? ch.toLowerCase() : ch.toUpperCase();
        bits.push(ch !== expected ? 1 : 0);
      }
    });
    var mask = "";
    for (q = 0; q < bits.length; q += 4)
      mask = ((bits[q] || 0) + 2 * (bits[q + 1] || 0) + 4 * (bits[q + 2] || 0) + 8 * (bits[q + 3] || 0)).toString(16) + mask;
    mask = mask.replace(/^0+/, "");
    if (!id) return "~x0.html";  // never ".html", a hidden file
    return out + (mask ? "~x" + mask : "") + ".html";
  }
  /* a unit page's address relative to the folder of pages: the name URL-encoded (as
     geozz.maps.printed.board_url writes it) */
  function pageHref(id) { return encodeURIComponent(pageName(id)).replace(/%2B/g, "+"); }
  function cellId(g, c) { return g.prefix + "-E" + (g.I[c] + g.i0) + "-N" + (g.J[c] + g.j0); }
  function cellName(g, c) {
    return g.names ? g.names[0] + " " + pad3(g.I[c] + g.i0 - g.names[1] + 1) + "-" + pad3(g.J[c] + g.j0 - g.names[2] + 1) : null;
  }
  function pad3(v) { var t = String(v); while (t.length < 3) t = "0" + t; return t; }
  function quad(c, i, j) { return c[0] + c[1] * i + c[2] * j + c[3] * i * i + c[4] * i * j + c[5] * j * j; }

  /* The transverse Mercator (UTM, Gauss-Krüger) of a grid's CRS from its parameters (a, f,
     lon0, lat0, k0, x0, y0): Krüger's series to sixth order in n (Karney 2011, the method
     of PROJ's tmerc), exact to well under a micrometre within a zone. The twin of
     geozz/maps/tmerc.py. inverse(x, y, out): out = [lon, lat]; forward(lon, lat, out):
     out = [x, y]. */
  function TransverseMercator(p) {
    var f = p.f, n = f / (2 - f), n2 = n * n, e2 = f * (2 - f), e = Math.sqrt(e2), m = 1 - e2;
    var scale = p.k0 * p.a * (1 + n2 * (1 / 4 + n2 * (1 / 64 + n2 / 256))) / (1 + n);
    var alpha = [
      n * (1 / 2 + n * (-2 / 3 + n * (5 / 16 + n * (41 / 180 + n * (-127 / 288 + n * 7891 / 37800))))),
      n2 * (13 / 48 + n * (-3 / 5 + n * (557 / 1440 + n * (281 / 630 + n * -1983433 / 1935360)))),
      n2 * n * (61 / 240 + n * (-103 / 140 + n * (15061 / 26880 + n * 167603 / 181440))),
      n2 * n2 * (49561 / 161280 + n * (-179 / 168 + n * 6601661 / 7257600)),
      n2 * n2 * n * (34729 / 80640 + n * -3418889 / 1995840),
      n2 * n2 * n2 * 212378941 / 319334400];
    var beta = [
      n * (1 / 2 + n * (-2 / 3 + n * (37 / 96 + n * (-1 / 360 + n * (-81 / 512 + n * 96199 / 604800))))),
      n2 * (1 / 48 + n * (1 / 15 + n * (-437 / 1440 + n * (46 / 105 + n * -1118711 / 3870720)))),
      n2 * n * (17 / 480 + n * (-37 / 840 + n * (-209 / 4480 + n * 5569 / 90720))),
      n2 * n2 * (4397 / 161280 + n * (-11 / 504 + n * -830251 / 7257600)),
      n2 * n2 * n * (4583 / 161280 + n * -108847 / 3991680),
      n2 * n2 * n2 * 20648693 / 638668800];
    var sum = [0, 0];
    /* sum[0] + i sum[1] = the sum of c[k-1] sin(2k (xi + i eta)), k = 1..6 (Clenshaw) */
    function clenshaw(c, xi, eta) {
      var s = Math.sin(2 * xi), co = Math.cos(2 * xi), sh = Math.sinh(2 * eta), ch = Math.cosh(2 * eta);
      var ar = 2 * co * ch, ai = -2 * s * sh, yr = 0, yi = 0, zr = 0, zi = 0, tr, ti;
      for (var k = c.length - 1; k >= 0; k--) {
        tr = ar * yr - ai * yi - zr + c[k]; ti = ar * yi + ai * yr - zi;
        zr = yr; zi = yi; yr = tr; yi = ti;
      }
      var sr = s * ch, si = co * sh;
      sum[0] = sr * yr - si * yi; sum[1] = sr * yi + si * yr;
    }
    function taup(tau) {  // tan of the conformal latitude from tan of the latitude
      var t1 = Math.sqrt(1 + tau * tau), sig = Math.sinh(e * Math.atanh(e * tau / t1));
      return Math.sqrt(1 + sig * sig) * tau - sig * t1;
    }
    function tauOf(tp) {  // and back (Newton, Karney's)
      var tau = tp / m, stop = 1.5e-9 * Math.max(1, Math.abs(tp));
      for (var k = 0; k < 5; k++) {
        var t = taup(tau), d = (tp - t) * (1 + m * tau * tau) / (m * Math.sqrt(1 + tau * tau) * Math.sqrt(1 + t * t));
        tau += d;
        if (Math.abs(d) < stop) break;
      }
      return tau;
    }
    var chi0 = Math.atan(taup(Math.tan(p.lat0 * RAD)));
    clenshaw(alpha, chi0, 0);
    var north0 = p.y0 - scale * (chi0 + sum[0]);  // northing of the equator
    return {
      inverse: function (x, y, out) {
        var xi = (y - north0) / scale, eta = (x - p.x0) / scale;
        clenshaw(beta, xi, eta);
        xi -= sum[0]; eta -= sum[1];
        var she = Math.sinh(eta), cxi = Math.cos(xi);
        out[0] = p.lon0 + Math.atan2(she, cxi) / RAD;
        out[1] = Math.atan(tauOf(Math.sin(xi) / Math.sqrt(she * she + cxi * cxi))) / RAD;
      },
      forward: function (lon, lat, out) {
        var lam = (((lon - p.lon0 + 540) % 360) - 180) * RAD, tp = taup(Math.tan(lat * RAD)), cl = Math.cos(lam);
        var xi = Math.atan2(tp, cl), eta = Math.asinh(Math.sin(lam) / Math.sqrt(tp * tp + cl * cl));
        clenshaw(alpha, xi, eta);
        out[0] = p.x0 + scale * (eta + sum[1]);
        out[1] = north0 + scale * (xi + sum[0]);
      }
    };
  }

  /* GCJ-02 (the base map of tiles="gaode"), as geozz.coords computes it: the offset at a
     WGS-84 position inside the China box, added to it; taken off again by fixed-point
     iteration */
  var GCJ_A = 6378245.0, GCJ_EE = 0.00669342162296594323, gcjD = [0, 0];
  function gcjInside(lon, lat) { return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271; }
  function gcjOffset(lon, lat) {
    var x = lon - 105, y = lat - 35, P = Math.PI, sin = Math.sin;
    var common = 20 * sin(6 * P * x) + 20 * sin(2 * P * x), sq = Math.sqrt(Math.abs(x)), xy = 0.1 * x * y;
    var tLat = (common + 20 * sin(P * y) + 40 * sin(P * y / 3) + 160 * sin(P * y / 12) + 320 * sin(P * y / 30)) * (2 / 3)
      + (-100 + 2 * x + 3 * y + 0.2 * y * y + xy + 0.2 * sq);
    var tLon = (common + 20 * sin(P * x) + 40 * sin(P * x / 3) + 150 * sin(P * x / 12) + 300 * sin(P * x / 30)) * (2 / 3)
      + (300 + x + 2 * y + 0.1 * x * x + xy + 0.1 * sq);
    var sp = sin(lat * RAD), magic = 1 - GCJ_EE * sp * sp, sm = Math.sqrt(magic);
    gcjD[0] = tLon * (sm / Math.cos(lat * RAD)) * (180 / (P * GCJ_A));
    gcjD[1] = tLat * (magic * sm) * (180 / (P * GCJ_A * (1 - GCJ_EE)));
  }
  function toGcj(ll) {
    if (!gcjInside(ll[0], ll[1])) return;
    gcjOffset(ll[0], ll[1]); ll[0] += gcjD[0]; ll[1] += gcjD[1];
  }
  function fromGcj(ll) {
    if (!gcjInside(ll[0], ll[1])) return;
    var g0 = ll[0], g1 = ll[1];
    gcjOffset(g0, g1);
    var e0 = -gcjD[0], e1 = -gcjD[1];
    for (var k = 0; k < 10; k++) {
      gcjOffset(g0 + e0, g1 + e1);
      var r0 = e0 + gcjD[0], r1 = e1 + gcjD[1];
      e0 -= r0; e1 -= r1;
      if (Math.max(Math.abs(r0), Math.abs(r1)) < 1e-10) break;
    }
    ll[0] = g0 + e0; ll[1] = g1 + e1;
  }

  /* Where a grid's lattice points are: ll(i, j, out) puts the [lon, lat] of the corner
     (i, j) (counted from i0, j0) in out; ij(lon, lat, out) the fractional (i, j) of a
     position. By the CRS's transverse Mercator (g.tm, at any extent; corners then
     shifted to GCJ-02 when g.shift says so), or by the quadratic fit (g.lon, g.lat). */
  function placement(g) {
    if (g.tm) {
      var tm = TransverseMercator(g.tm), size = g.size, gcj = g.shift === "gcj02";
      return {
        exact: true,
        ll: function (i, j, out) { tm.inverse((g.i0 + i) * size, (g.j0 + j) * size, out); if (gcj) toGcj(out); },
        ij: function (lon, lat, out) {
          out[0] = lon; out[1] = lat;
          if (gcj) fromGcj(out);
          tm.forward(out[0], out[1], out);
          out[0] = out[0] / size - g.i0; out[1] = out[1] / size - g.j0;
        }
      };
    }
    var cx = g.lon, cy = g.lat;
    return {
      exact: false,
      ll: function (i, j, out) { out[0] = quad(cx, i, j); out[1] = quad(cy, i, j); },
      ij: function (lon, lat, out) {
        // start from the linear part, then Newton steps on the quadratic fit
        var det = cx[1] * cy[2] - cx[2] * cy[1];
        var i = ((lon - cx[0]) * cy[2] - (lat - cy[0]) * cx[2]) / det;
        var j = ((lat - cy[0]) * cx[1] - (lon - cx[0]) * cy[1]) / det;
        for (var step = 0; step < 4; step++) {
          var fx = quad(cx, i, j) - lon, fy = quad(cy, i, j) - lat;
          var a = cx[1] + 2 * cx[3] * i + cx[4] * j, b = cx[2] + cx[4] * i + 2 * cx[5] * j;
          var c = cy[1] + 2 * cy[3] * i + cy[4] * j, d = cy[2] + cy[4] * i + 2 * cy[5] * j;
          var dt = a * d - b * c;
          i -= (fx * d - fy * b) / dt; j -= (fy * a - fx * c) / dt;
        }
        out[0] = i; out[1] = j;
      }
    };
  }

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

  /* shapes in page order: {ll, id, name, line}; the cells of a grid of at least
     `canvasMin` cells are {grid, c} (drawn by GridCanvas, id and name on demand) */
  function decodeGeometry(geom, canvasMin) {
    var out = [];
    geom.grids.forEach(function (g) {
      var I = [], J = [];
      g.runs.forEach(function (run) { for (var c = 0; c < run[2]; c++) { I.push(run[1] + c - g.i0); J.push(run[0] - g.j0); } });
      g.I = Int32Array.from(I); g.J = Int32Array.from(J); g.first = out.length;
      g.canvas = g.n >= canvasMin;
      g.place = placement(g);
      var ll = [0, 0];
      for (var c = 0; c < g.n; c++) {
        if (g.canvas) { out.push({grid: g, c: c, line: false}); continue; }
        var ii = I[c], jj = J[c];
        var ring = [[0, 0], [1, 0], [1, 1], [0, 1]].map(function (d) {
          g.place.ll(ii + d[0], jj + d[1], ll);
          return [ll[1], ll[0]];
        });
        out.push({ll: ring, id: cellId(g, c), line: false, name: cellName(g, c)});
      }
    });
    geom.shapes.forEach(function (polys, k) {
      var line = geom.lines[k] === 1, ll = decodeRings(polys, geom.scale);
      out.push({ll: line ? ll.map(function (p) { return p[0]; }) : ll, id: null, line: line, name: null});
    });
    return out;
  }

  /* the packed buffer (deflate, base64) inflated by the browser: then(bytes) */
  function unpack(b64, then) {
    if (!b64) { then(new Uint8Array(0)); return; }
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    new Response(stream).arrayBuffer().then(function (buf) { then(new Uint8Array(buf)); });
  }
  /* an array of the packed buffer: byte planes (low bytes, then high bytes) */
  function planes(buf, ref, n) {
    var out = new Int32Array(n), b = ref.b, k, v;
    if (ref.w === 1) {
      for (k = 0; k < n; k++) out[k] = ref.s ? (buf[b + k] << 24) >> 24 : buf[b + k];
    } else {
      for (k = 0; k < n; k++) {
        v = buf[b + k] | (buf[b + n + k] << 8);
        out[k] = ref.s ? (v << 16) >> 16 : v;
      }
    }
    return out;
  }

  /* per period: score (x100, NONE: none), stars, found, deductions per category (an
     Int32Array of every unit, a sparse {unit: points x100}, or null) */
  function decodePeriod(p, n, buf) {
    var raw = planes(buf, p.score, n), score = new Int32Array(n), stars = new Int8Array(n);
    var found = planes(buf, p.found, n), base = new Int32Array(n), others = new Int32Array(n), k, q;
    for (k = 0; k < n; k++) {
      if (raw[k] === 65535) { score[k] = NONE; continue; }
      score[k] = raw[k] - p.offset;
      base[k] = 10000 - score[k];
      if (p.cuts) {
        for (q = 0; q < p.cuts.length; q++) if (score[k] >= p.cuts[q][0]) { stars[k] = p.cuts[q][1]; break; }
      }
    }
    if (p.stars) for (k = 0; k < n; k++) stars[k] = p.stars.charCodeAt(k) - 48;
    var cats = p.ded.map(function (c) {
      if (!c || c.rest) return null;
      if (c.d) { var v = planes(buf, c.d, n); for (k = 0; k < n; k++) others[k] += v[k]; return v; }
      var sparse = {};
      k = -1;
      for (q = 0; q < c.s.length; q += 2) { k += c.s[q]; sparse[k] = c.s[q + 1]; others[k] += c.s[q + 1]; }
      return sparse;
    });
    p.ded.forEach(function (c, ci) {  // what the score lost that the others do not explain
      if (!c || !c.rest) return;
      var resid = planes(buf, c.rest, n), v = new Int32Array(n);
      for (k = 0; k < n; k++) v[k] = base[k] - others[k] - resid[k];
      cats[ci] = v;
    });
    return {score: score, stars: stars, found: found, cats: cats};
  }
  /* [[category, points x100]] of one unit, in category order */
  function deductions(st, k) {
    var out = [];
    st.cats.forEach(function (c, ci) { var v = c ? c[k] : 0; if (v) out.push([ci, v]); });
    return out;
  }

  /* Leaflet's own Web Mercator (EPSG:3857) pixel coordinates at zoom 0 */
  var MAXLAT = 85.0511287798, RAD = Math.PI / 180;
  function mercX(lon) { return 256 * (lon / 360 + 0.5); }
  function mercY(lat) {
    var s = Math.sin(Math.max(Math.min(lat, MAXLAT), -MAXLAT) * RAD);
    return 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
  }

  /* A large regular grid as one canvas: each cell a quadrilateral of its four corners,
     placed from its column and row (placement(): the CRS's transverse Mercator, or the
     quadratic fit) once, kept as Web Mercator at zoom 0, filled by colour in short paths;
     the cell under the mouse found by arithmetic (the position projected back to column
     and row, floored), not by a search. */
  var CHUNK = 12;
  var GridCanvas = L.Layer.extend({
    initialize: function (g, opts) {
      this.g = g; this.first = g.first; this.opts = opts; this.I = g.I; this.J = g.J; this.n = g.n;
      var imax = 0, jmax = 0, k, n = this.n, I = this.I, J = this.J;
      for (k = 0; k < n; k++) { imax = Math.max(imax, I[k]); jmax = Math.max(jmax, J[k]); }
      var ni = this.ni = imax + 1, nj = this.nj = jmax + 1;
      this.dense = ni * nj <= 4 * n + 4096;
      this.at = this.dense ? new Int32Array(ni * nj).fill(-1) : new Map();
      for (k = 0; k < n; k++) {
        var key = J[k] * ni + I[k];
        if (this.dense) this.at[key] = k; else this.at.set(key, k);
      }
      // the corners: of the lattice the cells use, (ni + 1) x (nj + 1) points, or per cell
      this.lattice = (ni + 1) * (nj + 1) <= 4 * n + 4096;
      var m = this.lattice ? (ni + 1) * (nj + 1) : 4 * n, ll = [0, 0], place = g.place;
      var lon = this.lon = new Float64Array(m), lat = this.lat = new Float64Array(m);
      function put(i, j, q) { place.ll(i, j, ll); lon[q] = ll[0]; lat[q] = ll[1]; }
      if (this.lattice) {
        for (var jj = 0; jj <= nj; jj++) for (var ii = 0; ii <= ni; ii++) put(ii, jj, jj * (ni + 1) + ii);
      } else {
        for (k = 0; k < n; k++) {
          put(I[k], J[k], 4 * k); put(I[k] + 1, J[k], 4 * k + 1);
          put(I[k] + 1, J[k] + 1, 4 * k + 2); put(I[k], J[k] + 1, 4 * k + 3);
        }
      }
      this.mx = new Float64Array(m); this.my = new Float64Array(m);
      for (k = 0; k < m; k++) { this.mx[k] = mercX(lon[k]); this.my[k] = mercY(lat[k]); }
      this.X = new Float64Array(m); this.Y = new Float64Array(m);
    },
    /* index of corner 0..3 (sw, se, ne, nw) of cell k (of this grid) in the corner arrays */
    corner: function (k, c) {
      if (!this.lattice) return 4 * k + c;
      var i = this.I[k] + (c === 1 || c === 2 ? 1 : 0), j = this.J[k] + (c >= 2 ? 1 : 0);
      return j * (this.ni + 1) + i;
    },
    getBounds: function () {
      var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (var k = 0; k < this.lon.length; k++) {
        x0 = Math.min(x0, this.lon[k]); x1 = Math.max(x1, this.lon[k]);
        y0 = Math.min(y0, this.lat[k]); y1 = Math.max(y1, this.lat[k]);
      }
      return L.latLngBounds([[y0, x0], [y1, x1]]);
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "gz-grid-canvas leaflet-zoom-animated");
      this._canvas.style.position = "absolute";
      this._canvas.style.pointerEvents = "none";
      this._canvas.style.opacity = "0.7";  // the whole layer: no seams where cells meet
      if (!map.getPane("gzGrid")) map.createPane("gzGrid").style.zIndex = 390;
      map.getPane("gzGrid").appendChild(this._canvas);
      map.on("moveend viewreset resize", this.redraw, this);
      if (map._zoomAnimated) map.on("zoomanim", this._zoomAnim, this);
      this.redraw();
    },
    /* draw at the next frame (several calls before it: one drawing) */
    redraw: function () {
      if (this._frame || !this._map) return;
      this._frame = L.Util.requestAnimFrame(function () { this._frame = null; this.draw(); }, this);
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend viewreset resize", this.redraw, this);
      if (this._frame) { L.Util.cancelAnimFrame(this._frame); this._frame = null; }
      map.off("zoomanim", this._zoomAnim, this);
    },
    _zoomAnim: function (e) {
      var scale = this._map.getZoomScale(e.zoom);
      var offset = this._map._latLngToNewLayerPoint(this._nw, e.zoom, e.center);
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    /* the cell (page index) at a lat/lon, or -1 */
    cellAt: function (lat, lon) {
      var ij = [0, 0];
      this.g.place.ij(lon, lat, ij);
      var ii = Math.floor(ij[0]), jj = Math.floor(ij[1]);
      if (!(ii >= 0 && jj >= 0 && ii < this.ni && jj < this.nj)) return -1;
      var key = jj * this.ni + ii, k = this.dense ? this.at[key] : this.at.get(key);
      return k === undefined || k < 0 ? -1 : this.first + k;
    },
    /* the four corners of a cell (page index), as Leaflet lat/lngs: the positions drawn */
    corners: function (k) {
      var lon = this.lon, lat = this.lat, self = this;
      return [0, 1, 2, 3].map(function (c) { var q = self.corner(k - self.first, c); return [lat[q], lon[q]]; });
    },
    draw: function () {
      var map = this._map, tDraw = performance.now();
      if (!map) return;
      var size = map.getSize(), ratio = window.devicePixelRatio || 1, cv = this._canvas;
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      this._nw = map.containerPointToLatLng([0, 0]);
      L.DomUtil.setPosition(cv, topLeft);
      cv.width = size.x * ratio; cv.height = size.y * ratio;
      cv.style.width = size.x + "px"; cv.style.height = size.y + "px";
      var ctx = cv.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      // container pixel = zoom-0 Mercator pixel x scale - offset (one reference point)
      var scale = Math.pow(2, map.getZoom());
      var ref = map.getCenter(), rp = map.latLngToContainerPoint(ref);
      var ox = mercX(ref.lng) * scale - rp.x, oy = mercY(ref.lat) * scale - rp.y;
      var n = this.n, X = this.X, Y = this.Y, mx = this.mx, my = this.my, k, q, c;
      for (k = 0; k < X.length; k++) { X[k] = mx[k] * scale - ox; Y[k] = my[k] * scale - oy; }
      var self = this;
      function at(k, c) { return self.corner(k, c); }
      var stars = this.opts.stars(), colours = this.opts.colours, w = size.x, h = size.y;
      var byColour = colours.map(function () { return []; });
      for (k = 0; k < n; k++) {
        var a0 = at(k, 0), a2 = at(k, 2);
        var x0 = Math.min(X[a0], X[a2]), x1 = Math.max(X[a0], X[a2]);
        var y0 = Math.min(Y[a0], Y[a2]), y1 = Math.max(Y[a0], Y[a2]);
        if (x1 < -2 || y1 < -2 || x0 > w + 2 || y0 > h + 2) continue;  // off screen
        byColour[stars[this.first + k]].push(k);
      }
      var px = Math.abs(X[at(0, 1)] - X[at(0, 0)]) + Math.abs(Y[at(0, 3)] - Y[at(0, 0)]);
      ctx.lineWidth = this.opts.weight; ctx.strokeStyle = "#555";
      for (c = 0; c < colours.length; c++) {
        var ks = byColour[c];
        if (!ks.length) continue;
        ctx.fillStyle = colours[c];
        for (var from = 0; from < ks.length; from += CHUNK) {  // small paths: Skia fills them fast
          ctx.beginPath();
          for (q = from; q < Math.min(from + CHUNK, ks.length); q++) {
            k = ks[q];
            var p0 = at(k, 0), p1 = at(k, 1), p2 = at(k, 2), p3 = at(k, 3);
            ctx.moveTo(X[p0], Y[p0]); ctx.lineTo(X[p1], Y[p1]); ctx.lineTo(X[p2], Y[p2]); ctx.lineTo(X[p3], Y[p3]);
            ctx.closePath();
          }
          ctx.fill();
          if (px > 12) ctx.stroke();  // outlines once cells are big enough
        }
      }
      this.drawn = n;
      window.geozzTimes.drawn = window.geozzTimes.drawn || [performance.now(), performance.now() - tDraw];
      this.fire("drawn");
    }
  });

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
  /* a legend box of a switchable layer, in the stack at the lower right, shown while the
     layer is on; rows are [colour, text] */
  function sideLegend(layer, cls, title, note, rows) {
    var stack = document.getElementById("gz-raster-legends");
    if (!stack) {
      stack = el("div", "gz-raster-legends"); stack.id = "gz-raster-legends";
      document.body.appendChild(stack);
    }
    var box = el("div", "gz-legend " + cls);
    box.appendChild(el("div", "gz-title", title));
    if (note) box.appendChild(el("div", "gz-note", note));
    rows.forEach(function (r) {
      var line = el("div"), swatch = el("i");
      swatch.style.background = r[0];
      line.appendChild(swatch); line.appendChild(document.createTextNode(r[1]));
      box.appendChild(line);
    });
    box.style.display = "none";
    stack.appendChild(box);
    layer.on("add", function () { box.style.display = ""; });
    layer.on("remove", function () { box.style.display = "none"; });
    return box;
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
      sideLegend(cluster, "gz-problem-legend", x.label, "本期 this period",
                 STATUS.map(function (st) { return [st[1], st[0]]; }));
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
      var box = sideLegend(layer, "gz-raster-legend", x.label, x.units, x.legend);
      (window.geozzImageLayers = window.geozzImageLayers || []).push({layer: layer, legend: box, cfg: x});
      control.addOverlay(layer, esc(x.label));
      if (x.show) layer.addTo(map);
      return function () {};
    },
    /* the forecast of the next period (geozz.forecast.risk): the units in the top 25 %
       of their layer's area, by class; every text through textContent */
    risk: function (map, control, x, cfg) {
      var group = L.featureGroup(), s = x.scale;
      x.shapes.forEach(function (polys, k) {
        var layer = L.polygon(decodeRings(polys, s), {weight: 1, color: "#222",
          fillColor: x.classes[x.values[k][3]][0], fillOpacity: 0.75});
        layer.unit = k;
        group.addLayer(layer);
      });
      group.bindTooltip(function (layer) {
        var k = layer.unit, v = x.values[k], t = el("table", "gz-tip");
        function r(h, val) { var tr = t.insertRow(), th = el("th", null, h), td = tr.insertCell(); tr.insertBefore(th, td); td.textContent = val; }
        r("单元 Unit", x.names[k] ? x.names[k] + " (" + x.ids[k] + ")" : x.ids[k]);
        r("预测 Forecast", x.period);
        r("预计问题 Expected", String(v[0]));
        r("回潮概率 p(recurrence)", Math.round(v[1] * 100) + "%");
        r("风险排名 Risk rank", String(v[2]));
        r("原因 Why", x.reasons[k]);
        return t;
      }, {sticky: true});
      if (cfg.pages) group.on("click", function (e) {
        window.location.href = cfg.pages + pageHref(x.ids[e.layer.unit]);
      });
      sideLegend(group, "gz-risk-legend", x.label, "按预测密度 by forecast density",
                 x.classes);
      control.addOverlay(group, esc(x.label));
      if (x.show) group.addTo(map);
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
      /* each area's name and share, on it; and a legend of the share bins while shown */
      function label(a) {
        var v = x.values[period][a];
        return x.names[a] + " " + (v[0] === null ? "\u2014" : Math.round(v[0] * 100) + "%")
          + (v[0] !== null && !v[2] ? " \u2717" : "");
      }
      var labels = L.layerGroup();
      group.eachLayer(function (layer) {
        var tipLabel = L.tooltip({permanent: true, direction: "center", className: "gz-area-label",
                                  interactive: false});
        tipLabel.setLatLng(x.label_at && x.label_at[layer.area] ? x.label_at[layer.area] : layer.getBounds().getCenter());
        tipLabel.setContent(esc(label(layer.area)));
        layer.gzLabel = tipLabel;
        labels.addLayer(tipLabel);
      });
      sideLegend(group, "gz-area-legend", x.label, "目标 target " + Math.round(x.target * 100)
                 + "%; \u2717 未达标 below it",
                 [[0.9, "\u2265 90%"], [0.8, "80\u201390%"], [0.7, "70\u201380%"], [0.6, "60\u201370%"],
                  [0, "< 60%"], [null, "无评分 no rating"]].map(function (b) { return [shareColour(b[0]), b[1]]; }));
      group.on("add", function () { labels.addTo(map); });
      group.on("remove", function () { labels.remove(); });
      control.addOverlay(group, esc(x.label));
      if (x.show) group.addTo(map);
      return function (p) {
        period = p;
        group.eachLayer(function (layer) {
          layer.setStyle({fillColor: shareColour(x.values[p][layer.area][0])});
          layer.gzLabel.setContent(esc(label(layer.area)));
        });
      };
    }
  };

  window.geozzPageName = pageName;
  window.geozzPageHref = pageHref;
  window.geozzTransverseMercator = TransverseMercator;
  window.geozzGcj = {to: toGcj, from: fromGcj};
  window.geozzDecodeRings = decodeRings;
  /* the page's entry: inflates the packed ratings, then draws (window.geozzMap is set
     once the map is drawn) */
  window.geozzStarMap = function (map, cfg) {
    var t0 = performance.now();
    unpack(cfg.packed, function (buf) { starMap(map, cfg, buf, t0); });
  };
  function starMap(map, cfg, buf, t0) {
    var times = window.geozzTimes = {unpacked: performance.now() - t0};
    var canvasMin = cfg.canvas_cells === null || cfg.canvas_cells === undefined ? Infinity : cfg.canvas_cells;
    var n = cfg.units.n, types = cfg.units.types, shapes = decodeGeometry(cfg.geometry, canvasMin);
    times.geometry = performance.now() - t0;
    var ids = cfg.units.ids, states = {}, current = cfg.shown;
    function state(pi) {
      if (!states[pi]) {
        var st = decodePeriod(cfg.ratings[pi], n, buf);
        states[pi] = st;
      }
      return states[pi];
    }
    function nameOf(k) {
      var s = shapes[k];
      return (s.grid ? cellName(s.grid, s.c) : s.name) || text(cfg.units.names, k);
    }
    function idOf(k) {
      var s = shapes[k];
      return s.grid ? cellId(s.grid, s.c) : s.id !== null ? s.id : ids[k - cfg.geometry.n_grid];
    }
    function fmt(v) { return v === NONE ? "\u2014" : (v / 100).toFixed(Math.abs(v) % 10 === 0 ? 1 : 2); }
    function row(table, head, value) {
      var tr = table.insertRow(), th = el("th", null, head), td = tr.insertCell();
      tr.insertBefore(th, td); td.textContent = value;
    }
    function tip(k) {
      var st = state(current), table = el("table", "gz-tip");
      var t = cfg.types[types[k]];
      row(table, "名称 Name", nameOf(k) || idOf(k));
      row(table, "编号 ID", idOf(k));
      row(table, "类型 Type", t.label);
      row(table, "辖区 Admin", text(cfg.units.admin, k) || "\u2014");
      row(table, "责任人 Responsible", text(cfg.units.responsible, k) || "\u2014");
      row(table, "得分 Score", fmt(st.score[k]));
      row(table, "星级 Stars", STARS[st.stars[k]]);
      if (!st.rank) st.rank = ranks(st, types, n);  // on the first tooltip of the period
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
    function pop(k) {
      var st = state(current), box = el("div", "gz-pop");
      box.appendChild(el("b", null, (nameOf(k) || idOf(k)) + "  " + STARS[st.stars[k]]));
      box.appendChild(el("div", null, cfg.periods[current] + " · 得分 Score " + fmt(st.score[k])));
      var list = deductions(st, k);
      var table = el("table", "gz-ded");
      if (!list.length) box.appendChild(el("div", null, "无扣分 no deductions"));
      list.forEach(function (d) { row(table, cfg.categories[d[0]], "-" + fmt(d[1])); });
      if (list.length) box.appendChild(table);
      if (cfg.pages) {
        var a = el("a", null, "单元页面 Unit page »");
        a.href = cfg.pages + pageHref(idOf(k));
        box.appendChild(a);
      }
      return box;
    }
    var groups = cfg.types.map(function () { return L.featureGroup(); }), canvases = [];
    cfg.geometry.grids.forEach(function (g) {
      if (!g.canvas) return;
      var layer = new GridCanvas(g, {colours: cfg.colours, weight: cfg.types[types[g.first]].weight,
                                     stars: function () { return state(current).stars; }});
      canvases.push(layer);
      groups[types[g.first]].addLayer(layer);
    });
    shapes.forEach(function (s, k) {
      if (s.grid) return;
      var t = cfg.types[types[k]];
      var opts = {weight: t.weight, color: "#555", fillOpacity: 0.7};
      var layer = s.line ? L.polyline(s.ll, opts) : L.polygon(s.ll, opts);
      layer.feature = {type: "Feature", properties: {k: k, id: null, n: null, s: 0, c: "\u2014", f: 0}};
      groups[types[k]].addLayer(layer);
    });
    times.layers = performance.now() - t0;
    function restyle(layer, st) {
      if (!layer.feature) return;  // a GridCanvas: drawn from the stars directly
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
        else groups.forEach(function (g) { g.eachLayer(function (l) { if (l.feature) l.redraw(); }); });
      });
      canvases.forEach(function (c) { c.redraw(); });
      legendCounts(st);
      hooks.forEach(function (h) { h(current); });
      if (periodLabel) periodLabel.textContent = "评价期 Period: " + cfg.periods[current];
    }
    groups.forEach(function (g) { g.eachLayer(function (layer) { restyle(layer, state(current)); }); });
    /* the layer list open on a wide map, folded into its button on a narrow one (a phone) */
    var control = L.control.layers(null, null, {collapsed: map.getSize().x < 700}), hooks = [];
    groups.forEach(function (g, t) {
      g.bindTooltip(function (l) { return tip(l.feature.properties.k); }, {sticky: true});
      g.bindPopup(function (l) { return pop(l.feature.properties.k); });
      g.on("mouseover", function (e) { overShape = true; e.layer.setStyle({weight: 3, color: "#000"}); });
      g.on("mouseout", function (e) {
        overShape = false;
        var k = e.layer.feature.properties.k;
        e.layer.setStyle(shapes[k].line ? {weight: cfg.types[types[k]].weight + 2, color: cfg.colours[state(current).stars[k]]}
                                        : {weight: cfg.types[types[k]].weight, color: "#555"});
      });
      if (g.getLayers().length) {
        if (cfg.show_units !== false) g.addTo(map);
        control.addOverlay(g, esc(cfg.types[t].label));
      }
    });
    /* the canvas grids: the cell under the mouse by arithmetic, its tooltip, outline and popup */
    var overShape = false, hovered = -1, gridTip = L.tooltip({sticky: true}), outline = null;
    function cellAt(latlng) {
      for (var q = 0; q < canvases.length; q++) {
        if (!canvases[q]._map) continue;
        var k = canvases[q].cellAt(latlng.lat, latlng.lng);
        if (k >= 0) return {k: k, layer: canvases[q]};
      }
      return null;
    }
    function unhover() {
      if (hovered < 0) return;
      hovered = -1; map.closeTooltip(gridTip);
      if (outline) { outline.remove(); outline = null; }
    }
    if (canvases.length) {
      map.on("mousemove", function (e) {
        var hit = overShape ? null : cellAt(e.latlng);
        if (!hit) { unhover(); return; }
        if (hit.k !== hovered) {
          unhover(); hovered = hit.k;
          outline = L.polygon(hit.layer.corners(hit.k), {weight: 3, color: "#000", fill: false,
                                                        interactive: false}).addTo(map);
          gridTip.setContent(tip(hit.k));
          map.openTooltip(gridTip, e.latlng);
        } else gridTip.setLatLng(e.latlng);
      });
      map.on("mouseout", unhover);
      map.on("click", function (e) {
        var hit = overShape ? null : cellAt(e.latlng);
        if (hit) L.popup().setLatLng(e.latlng).setContent(pop(hit.k)).openOn(map);
      });
    }
    (cfg.extra_layers || []).forEach(function (x) { hooks.push(EXTRA[x.kind](map, control, x, cfg)); });
    control.addTo(map);
    times.added = performance.now() - t0;
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
    times.legend = performance.now() - t0;
    paint();
    fitClear();
    times.painted = performance.now() - t0;
    /* the first view: the units fitted into the part of the map that no control, legend or
       heading covers. Each box is taken off one side of the map (the side it lies on, left
       or right, top or bottom): of every choice, the one that shows the units largest. */
    function fitClear() {
      if (!cfg.fit || !cfg.bounds) return;
      var size = map.getSize(), W = size.x, H = size.y, M = 8;
      var rect = map.getContainer().getBoundingClientRect(), boxes = [];
      [".leaflet-control-layers", ".leaflet-control-zoom", ".leaflet-control-attribution",
       ".leaflet-control-scale", "#gz-legend", "#gz-heading", "#gz-raster-legends"].forEach(function (sel) {
        Array.prototype.forEach.call(document.querySelectorAll(sel), function (e) {
          var b = e.getBoundingClientRect();
          var x0 = b.left - rect.left, x1 = b.right - rect.left, y0 = b.top - rect.top, y1 = b.bottom - rect.top;
          if (!b.width || !b.height || x1 <= 0 || y1 <= 0 || x0 >= W || y0 >= H) return;
          boxes.push([(x0 + x1) / 2 < W / 2 ? ["l", x1 + M] : ["r", W - x0 + M],
                      (y0 + y1) / 2 < H / 2 ? ["t", y1 + M] : ["b", H - y0 + M]]);
        });
      });
      var ll = L.latLngBounds(cfg.bounds), z = map.getZoom();
      var sw = map.project(ll.getSouthWest(), z), ne = map.project(ll.getNorthEast(), z);
      var bw = Math.max(Math.abs(ne.x - sw.x), 1), bh = Math.max(Math.abs(sw.y - ne.y), 1);
      var best = null, bestScale = 0;
      for (var choice = 0; choice < (1 << boxes.length); choice++) {
        var pad = {l: 0, t: 0, r: 0, b: 0};
        boxes.forEach(function (bx, q) { var side = bx[(choice >> q) & 1]; pad[side[0]] = Math.max(pad[side[0]], side[1]); });
        var scale = Math.min((W - pad.l - pad.r) / bw, (H - pad.t - pad.b) / bh);
        if (scale > bestScale) { bestScale = scale; best = pad; }
      }
      if (!best) return;  // no room left beside the boxes: the plain fit stays
      var snap = map.options.zoomSnap;
      map.options.zoomSnap = 0.25;  // as large as fits, not a whole zoom level smaller
      map.fitBounds(ll, {paddingTopLeft: [best.l, best.t], paddingBottomRight: [best.r, best.b],
                         animate: false});
      map.options.zoomSnap = snap;
    }
    window.geozzMap = {map: map, bounds: cfg.bounds, setPeriod: function (p) {
      var q = cfg.periods.indexOf(p); if (q < 0) return false;
      current = q; if (select) select.value = String(q); paint(); return true;
    }, groups: groups, canvases: canvases, state: function () { return state(current); },
    cellAt: function (lat, lon) { var hit = cellAt(L.latLng(lat, lon)); return hit ? hit.k : -1; },
    idOf: idOf};
  };
})();
