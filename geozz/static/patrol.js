/* geozz patrol route page (日巡查路线): constant code. Every value from the input arrives as
   JSON data and enters the document through textContent; nothing is parsed as HTML. */
(function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  window.geozzPatrolPage = function (d) {
    document.title = d.title;
    document.body.className = "gz-page gz-patrol";
    var root = document.getElementById("gz-root");
    var h = el("header");
    h.appendChild(el("h1", null, d.title));
    h.appendChild(el("div", "gz-summary", d.summary));
    root.appendChild(h);
    var main = el("main");
    var box = el("div"); box.id = "gz-map"; main.appendChild(box);
    var list = el("ol", "gz-stops"); list.id = "gz-stops"; main.appendChild(list);
    var foot = el("footer");
    (d.notes || []).forEach(function (n) { foot.appendChild(el("div", null, n)); });
    main.appendChild(foot);
    root.appendChild(main);
    var map = L.map(box, {zoomControl: true, attributionControl: true});
    map.attributionControl.setPrefix(false);
    if (d.credit) map.attributionControl.addAttribution(d.credit.replace(/[<>&"]/g, ""));
    (d.streets || []).forEach(function (s) {
      L.polyline(s, {color: "#9a9a9a", weight: 2, opacity: 0.7, interactive: false,
                     className: "gz-street"}).addTo(map);
    });
    var line = null;
    if (d.line && d.line.length > 1) {
      line = L.polyline(d.line, {color: "#d7301f", weight: 5, opacity: 0.85,
                                 className: "gz-route"}).addTo(map);
    }
    var markers = [];
    if (d.start) {
      var s = el("div", "gz-start", "\u2302");
      markers.push(L.marker(d.start, {icon: L.divIcon({html: s, className: "gz-stop-icon",
        iconSize: [26, 26]}), title: d.start_label}).addTo(map));
    }
    d.stops.forEach(function (p) {
      var icon = el("div", "gz-stop-number", String(p.n));
      var m = L.marker([p.lat, p.lon], {icon: L.divIcon({html: icon, className: "gz-stop-icon",
        iconSize: [24, 24]})});
      var tip = el("span", null, p.n + ". " + p.name);
      m.bindTooltip(tip);
      m.addTo(map);
      markers.push(m);
      var li = el("li");
      li.appendChild(el("b", null, p.name));
      li.appendChild(el("span", "gz-stop-id", " " + p.id));
      li.appendChild(el("span", "gz-stop-prize", " " + p.prize_label));
      list.appendChild(li);
    });
    var bounds = line ? line.getBounds() : null;
    markers.forEach(function (m) {
      bounds = bounds ? bounds.extend(m.getLatLng()) : L.latLngBounds([m.getLatLng()]);
    });
    if (bounds) map.fitBounds(bounds.pad(0.05)); else map.setView([0, 0], 2);
    window.geozzPatrol = {map: map, line: line, markers: markers, data: d};
  };
})();
