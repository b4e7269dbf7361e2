/* Grid maps: every element with class "map" and a data-geojson URL becomes a Leaflet map.
 *
 * data-geojson       GeoJSON endpoint of the grids to draw (the API's /grids.geojson)
 * data-focus         code of the grid to outline more strongly and zoom to
 * data-kind-select   id of a <select> whose value filters by grid kind
 * data-follow-view   reload the grids in view (bbox) after each pan or zoom
 * data-empty         text shown when nothing has a boundary
 * Clicking a grid opens its page. Base tiles come from the settings in #map-settings;
 * without any, the grids are drawn on a blank base, which works offline.
 */
(function () {
  "use strict";

  const KIND_STYLE = {
    community: { color: "#c0392b", weight: 3, fillOpacity: 0.03 },
    general: { color: "#1d5fa8", weight: 2, fillOpacity: 0.08 },
    micro: { color: "#2e7d32", weight: 1, fillOpacity: 0.12 },
    dedicated: { color: "#8e44ad", weight: 2, fillOpacity: 0.2, dashArray: "4 3" },
  };

  function settings() {
    const node = document.getElementById("map-settings");
    return node ? JSON.parse(node.textContent) : {};
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

  function gridUrl(code) {
    return `/grids/${encodeURIComponent(code)}/`;
  }

  function initMap(element) {
    const config = settings();
    const map = L.map(element, { zoomSnap: 0.25, preferCanvas: true });
    map.setView([30.66, 104.06], 10); // Chengdu until the grids arrive
    addBaseLayer(map, config);
    const focus = element.dataset.focus;
    const layer = L.geoJSON(null, {
      style: (feature) => {
        const style = Object.assign({}, KIND_STYLE[feature.properties.kind] || KIND_STYLE.general);
        if (feature.properties.code === focus) style.weight += 2;
        return style;
      },
      onEachFeature: (feature, featureLayer) => {
        const p = feature.properties;
        featureLayer.bindTooltip(`${p.name}<br>${p.code}`, { sticky: true });
        featureLayer.on("click", () => { window.location.href = gridUrl(p.code); });
      },
    }).addTo(map);
    const note = L.DomUtil.create("div", "map-note", element);
    note.hidden = true;
    const kindSelect = element.dataset.kindSelect && document.getElementById(element.dataset.kindSelect);
    let firstLoad = true;

    function load() {
      const url = new URL(element.dataset.geojson, window.location.origin);
      if (kindSelect) url.searchParams.set("kind", kindSelect.value);
      if (element.dataset.followView && !firstLoad) {
        const b = map.getBounds();
        url.searchParams.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","));
      }
      fetch(url, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((collection) => {
          layer.clearLayers();
          layer.addData(collection);
          const drawn = collection.features.filter((f) => f.geometry).length;
          note.hidden = drawn > 0;
          note.textContent = element.dataset.empty || "";
          if (firstLoad && drawn > 0) {
            const focused = layer.getLayers().find((l) => l.feature.properties.code === focus);
            map.fitBounds((focused || layer).getBounds(), { padding: [12, 12] });
          }
          element.dataset.features = String(drawn);
          firstLoad = false;
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
