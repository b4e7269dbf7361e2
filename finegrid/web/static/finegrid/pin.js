/* The resident's pin picker on the phone report page (finegrid.cases): a tap on the map
 * marks where the problem is and fills the form's hidden lon/lat; without a pin the place
 * is the resident's home. The map shows the resident's community (#pin-bounds), on the
 * base the map pages use (FinegridMap from map.js); the server checks the pin lies in it.
 */
(function () {
  "use strict";

  function init() {
    const element = document.getElementById("pin-map");
    const boundsNode = document.getElementById("pin-bounds");
    if (!element || !boundsNode || !window.L) return;
    const form = element.closest("form");
    const lon = form.querySelector("input[name=lon]");
    const lat = form.querySelector("input[name=lat]");
    const state = document.querySelector("[data-testid=pin-state]");
    const map = L.map(element, { zoomSnap: 0.25 });
    if (window.FinegridMap) window.FinegridMap.addBaseLayer(map, window.FinegridMap.settings());
    const area = L.geoJSON(JSON.parse(boundsNode.textContent), {
      style: { color: "#c0392b", weight: 2, fillOpacity: 0.05 },
      interactive: false,
    }).addTo(map);
    map.fitBounds(area.getBounds());
    let marker = null;

    function show(latlng) {
      if (!marker) {
        marker = L.circleMarker(latlng, { radius: 9, color: "#1d5fa8", weight: 3, fillOpacity: 0.6,
          className: "pin" }).addTo(map);
      }
      marker.setLatLng(latlng);
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      state.textContent = `📍 ${lon.value}, ${lat.value}`;
    }

    if (lon.value && lat.value) show(L.latLng(Number(lat.value), Number(lon.value)));
    map.on("click", (event) => show(event.latlng));
    document.getElementById("pin-clear").addEventListener("click", () => {
      if (marker) marker.remove();
      marker = null;
      lon.value = "";
      lat.value = "";
      state.textContent = state.dataset.empty;
    });
    element.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", init);
})();
