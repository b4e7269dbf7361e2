/* Grid maps: every element with class "map" and a data-geojson URL becomes a Leaflet map.
 *
 * data-geojson       GeoJSON endpoint of the grids to draw (the API's /grids.geojson)
 * data-focus         code of the grid to outline more strongly and zoom to
 * data-kind-select   id of a <select> whose value filters by grid kind
 * data-measure-select id of a <select> choosing what colours the grids: households,
 *                    minutes, gap or cases (needs the properties of /api/map/grids.geojson)
 * data-legend        id of the element that shows the colour legend
 * data-route         JSON list of [lon, lat] stops of a visiting order, drawn in order
 * data-follow-view   reload the grids in view (bbox) after each pan or zoom
 * data-empty         text shown when nothing has a boundary
 * Every general and dedicated grid carries its code as a label; micro-grids get theirs
 * once the map is zoomed in far enough to read them (MICRO_LABEL_ZOOM). Hovering a grid
 * shows its figures; clicking opens a popup with them and a link to the grid's page.
 * Smaller grids are drawn over larger ones; micro-grids that split one building share
 * its exact polygon, so their labels are drawn together and each popup links the others.
 * Base tiles come from the settings in #map-settings; without any, the grids are drawn
 * on a blank base, which works offline. The words the script writes come, translated,
 * from #map-labels.
 */
(function () {
  "use strict";

  const KIND_STYLE = {
    community: { color: "#c0392b", weight: 3, fillOpacity: 0.03 },
    general: { color: "#1d5fa8", weight: 2, fillOpacity: 0.08 },
    micro: { color: "#2e7d32", weight: 1, fillOpacity: 0.12 },
    dedicated: { color: "#8e44ad", weight: 2, fillOpacity: 0.2, dashArray: "4 3" },
  };

  // Colour ramps for the measures; each step is [upper bound (included), colour, legend].
  const MEASURES = {
    households: [[30, "#deebf7", "≤30"], [50, "#9ecae1", "30–50"], [70, "#4292c6", "50–70"],
      [100, "#2171b5", "70–100"], [Infinity, "#08306b", ">100"]],
    minutes: [[90, "#c7e9c0", "≤90"], [120, "#74c476", "90–120"], [150, "#31a354", "120–150"],
      [180, "#fd8d3c", "150–180"], [Infinity, "#d7301f", ">180"]],
    // Open cases under a grid (finegrid.cases), for readers who may see cases.
    cases: [[0, "#f7f7f7", "0"], [2, "#fee0d2", "1–2"], [5, "#fc9272", "3–5"],
      [10, "#ef3b2c", "6–10"], [Infinity, "#99000d", ">10"]],
  };

  // From this zoom on, micro-grids are large enough on screen for their codes to fit.
  const MICRO_LABEL_ZOOM = 16;

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  // Area of a GeoJSON (multi)polygon in square degrees: enough to order grids by size.
  function ringArea(ring) {
    let sum = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      sum += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
    }
    return Math.abs(sum / 2);
  }

  function geometryArea(geometry) {
    if (!geometry) return 0;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] :
      geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    return polygons.reduce((total, rings) =>
      total + ringArea(rings[0]) - rings.slice(1).reduce((holes, ring) => holes + ringArea(ring), 0), 0);
  }

  // The same polygon gives the same text, whichever vertex its rings start from and
  // whichever way they run.
  function ringSignature(ring) {
    const points = ring.slice(0, -1).map(([x, y]) => `${x.toFixed(7)},${y.toFixed(7)}`);
    // Start from the smallest vertex and go on towards the smaller of its neighbours.
    let start = 0;
    points.forEach((point, i) => { if (point < points[start]) start = i; });
    const rotated = points.slice(start).concat(points.slice(0, start));
    if (rotated.length > 2 && rotated[rotated.length - 1] < rotated[1]) rotated.push(...rotated.splice(1).reverse());
    return rotated.join(" ");
  }

  function polygonSignature(geometry) {
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.map((rings) => rings.map(ringSignature).join("|")).sort().join("/");
  }

  // The code's own segment(s), e.g. "003-07" of 510116001005-003-07.
  function shortCode(code) {
    return code.split("-").slice(1).join("-");
  }

  function measureColour(measure, properties) {
    if (measure === "gap") {
      const gap = properties.workers === 0 || !properties.party_org;
      return gap ? "#d7301f" : "#74c476";
    }
    const value = properties[measure];
    if (value === null || value === undefined) return "#bbbbbb";
    return MEASURES[measure].find((step) => value <= step[0])[1];
  }

  function jsonScript(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  const settings = () => jsonScript("map-settings");
  // The words written into legends, tooltips and popups, translated by the template.
  const TEXT = jsonScript("map-labels");

  // One legend entry: a swatch that stays on the line of its label.
  function legendItem(colour, label) {
    return `<span class="legend-item"><i style="background:${colour}"></i>${escapeHtml(label)}</span>`;
  }

  function legendHtml(measure) {
    if (measure === "gap") return legendItem("#d7301f", TEXT.gap) + legendItem("#74c476", TEXT.covered);
    if (!MEASURES[measure]) return "";
    return MEASURES[measure].map((s) => legendItem(s[1], s[2])).join("");
  }

  function addBaseLayer(map, config) {
    if (config.tiandituKey) {
      const key = encodeURIComponent(config.tiandituKey);
      const layer = (name) => L.tileLayer(
        `https://t{s}.tianditu.gov.cn/${name}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0` +
        `&LAYER=${name}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}` +
        `&TILECOL={x}&tk=${key}`,
        { subdomains: "01234567", maxZoom: 18, attribution: "© 天地图" });
      layer("vec").addTo(map);
      layer("cva").addTo(map);
    } else if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
    }
  }

  // Other pages' maps (the resident's pin picker) draw on the same base.
  window.FinegridMap = { addBaseLayer, settings };

  function gridUrl(code) {
    return `/grids/${encodeURIComponent(code)}/`;
  }

  // Households, minutes, workers and party organization, where the map page sends them.
  function figuresHtml(p) {
    if (p.households === undefined) return "";
    return `<br>${p.households} ${escapeHtml(TEXT.households)}` +
      (p.minutes ? ` · ${Math.round(p.minutes)} ${escapeHtml(TEXT.minutes)}` : "") +
      ` · ${escapeHtml(TEXT.workers)} ${p.workers}` +
      ` · ${escapeHtml(p.party_org ? TEXT.withPartyOrg : TEXT.withoutPartyOrg)}`;
  }

  function tooltipHtml(p) {
    return `${escapeHtml(p.name)}<br>${escapeHtml(p.code)}${figuresHtml(p)}`;
  }

  // The popup: the grid's figures and link, and the other micro-grids drawn on its polygon.
  function popupHtml(p, sharing) {
    let html = `<a href="${gridUrl(p.code)}" class="grid-link"><strong>${escapeHtml(p.name)}</strong></a>` +
      `<br>${escapeHtml(p.code)}${figuresHtml(p)}`;
    const others = sharing.filter((q) => q.properties.code !== p.code).map((q) => q.properties);
    if (others.length) {
      html += `<div class="map-shared">${escapeHtml(TEXT.sharedBoundary)}<ul>` +
        others.map((q) => `<li><a href="${gridUrl(q.code)}">${escapeHtml(q.name)}</a> ` +
          `${escapeHtml(shortCode(q.code))}</li>`).join("") + "</ul></div>";
    }
    return html;
  }

  function initMap(element) {
    const config = settings();
    const map = L.map(element, { zoomSnap: 0.25 });
    map.setView([30.66, 104.06], 10); // Chengdu until the grids arrive
    addBaseLayer(map, config);
    const focus = element.dataset.focus;
    const measureSelect = element.dataset.measureSelect && document.getElementById(element.dataset.measureSelect);
    const legend = element.dataset.legend && document.getElementById(element.dataset.legend);
    const layer = L.geoJSON(null, {
      style: (feature) => {
        const style = Object.assign({}, KIND_STYLE[feature.properties.kind] || KIND_STYLE.general);
        // Classes name each drawn grid, for styling and for the browser tests.
        style.className = `grid grid-${feature.properties.kind} grid-${feature.properties.code}`;
        if (feature.properties.code === focus) style.weight += 2;
        const measure = measureSelect && measureSelect.value;
        if (measure) {
          // With every kind on the map, the measure fills the finest grids only; the
          // larger ones stay as outlines around them.
          const kind = feature.properties.kind;
          const finest = kind === "micro" || (measure === "gap" && kind === "dedicated");
          const filled = (kindSelect && kindSelect.value) || finest;
          style.fillColor = measureColour(measure, feature.properties);
          style.fillOpacity = filled ? 0.65 : 0;
        }
        return style;
      },
      onEachFeature: (feature, featureLayer) => {
        const p = feature.properties;
        featureLayer.bindTooltip(tooltipHtml(p), { sticky: true });
        // The popup belongs to the map, not the grid, so it outlives the reload that
        // follows when opening it pans the map.
        featureLayer.on("click", (event) => {
          L.popup({ className: "grid-popup" }).setLatLng(event.latlng)
            .setContent(popupHtml(p, sharedPolygon(feature))).openOn(map);
          featureLayer.closeTooltip();
        });
      },
    }).addTo(map);
    // Micro-grids by polygon, to find those that share one; filled as the grids load.
    let byPolygon = new Map();
    const polygonKey = (feature) => polygonSignature(feature.geometry);
    const sharedPolygon = (feature) =>
      feature.properties.kind === "micro" && feature.geometry ? byPolygon.get(polygonKey(feature)) || [] : [];
    // Code labels: permanent tooltips of their own, so hovering a grid still shows its figures.
    const labels = { general: L.layerGroup().addTo(map), micro: L.layerGroup() };
    const labelZoom = () => {
      const showMicro = map.getZoom() >= MICRO_LABEL_ZOOM;
      if (showMicro !== map.hasLayer(labels.micro)) {
        if (showMicro) labels.micro.addTo(map); else labels.micro.remove();
      }
      element.dataset.zoom = String(map.getZoom());
    };
    map.on("zoomend", labelZoom);

    function addLabels() {
      labels.general.clearLayers();
      labels.micro.clearLayers();
      const labelled = new Set();
      layer.eachLayer((featureLayer) => {
        const feature = featureLayer.feature;
        const kind = feature.properties.kind;
        if (!feature.geometry || kind === "community" || labelled.has(feature)) return;
        // Grids sharing one polygon share one label, their codes one under the other.
        const group = kind === "micro" ? sharedPolygon(feature) : [feature];
        group.forEach((f) => labelled.add(f));
        const text = group.map((f) => escapeHtml(shortCode(f.properties.code))).join("<br>");
        L.tooltip({ permanent: true, direction: "center", className: `grid-label grid-label-${kind}` })
          .setLatLng(featureLayer.getCenter())
          .setContent(text)
          .addTo(kind === "micro" ? labels.micro : labels.general);
      });
    }

    const note = L.DomUtil.create("div", "map-note", element);
    note.hidden = true;
    const kindSelect = element.dataset.kindSelect && document.getElementById(element.dataset.kindSelect);
    let firstLoad = true;

    function load() {
      const url = new URL(element.dataset.geojson, window.location.origin);
      if (kindSelect && kindSelect.value) url.searchParams.set("kind", kindSelect.value);
      if (element.dataset.followView && !firstLoad) {
        const b = map.getBounds();
        url.searchParams.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","));
      }
      fetch(url, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((collection) => {
          // Largest first, so that smaller grids are drawn on top and stay clickable.
          const features = collection.features.slice().sort(
            (a, b) => geometryArea(b.geometry) - geometryArea(a.geometry));
          byPolygon = new Map();
          features.filter((f) => f.properties.kind === "micro" && f.geometry).forEach((f) => {
            const key = polygonKey(f);
            if (!byPolygon.has(key)) byPolygon.set(key, []);
            byPolygon.get(key).push(f);
          });
          byPolygon.forEach((group) => group.sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1)));
          layer.clearLayers();
          layer.addData(features);
          addLabels();
          const drawn = collection.features.filter((f) => f.geometry).length;
          note.hidden = drawn > 0;
          note.textContent = element.dataset.empty || "";
          if (firstLoad && drawn > 0) {
            const focused = layer.getLayers().find((l) => l.feature.properties.code === focus);
            map.fitBounds((focused || layer).getBounds(), { padding: [12, 12] });
          }
          labelZoom();
          element.dataset.features = String(drawn);
          firstLoad = false;
        });
    }

    if (element.dataset.route) {
      const stops = JSON.parse(element.dataset.route).map(([lon, lat]) => [lat, lon]);
      L.polyline(stops, { color: "#c0392b", weight: 2, dashArray: "5 4" }).addTo(map);
      stops.forEach((stop, index) => L.marker(stop, {
        icon: L.divIcon({ className: "route-label", html: String(index + 1), iconSize: [20, 20] }),
      }).addTo(map));
      element.dataset.routeStops = String(stops.length);
    }
    if (measureSelect) {
      measureSelect.addEventListener("change", () => {
        layer.setStyle(layer.options.style);
        if (legend) legend.innerHTML = legendHtml(measureSelect.value);
      });
    }
    if (kindSelect) kindSelect.addEventListener("change", load);
    if (element.dataset.followView) map.on("moveend", () => { if (!firstLoad) load(); });
    load();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".map[data-geojson]").forEach(initMap);
  });
})();
