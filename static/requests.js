// Live travel estimate: as the itinerary changes, ask the API for the same
// breakdown the server will save, and show it beside the form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-estimate-url]");
  if (!form) { return; }
  var target = document.getElementById(form.getAttribute("data-estimate-target"));
  var token = form.querySelector("input[name='csrf_token']");
  var timer = null;

  function value(name) {
    var field = form.elements.namedItem(name);
    return field && field.value ? field.value.trim() : "";
  }

  function money(name) {
    return value(name).replace(/[$,]/g, "");
  }

  function collect() {
    var legs = [];
    form.querySelectorAll("fieldset.leg").forEach(function (fieldset) {
      var i = fieldset.getAttribute("data-leg");
      legs.push({
        origin: value("legs-" + i + "-origin"),
        city: value("legs-" + i + "-city"),
        country: value("legs-" + i + "-country"),
        depart: value("legs-" + i + "-depart"),
        "return": value("legs-" + i + "-return_")
      });
    });
    var other = ["visa", "ground", "conference", "other"].reduce(function (sum, name) {
      var cents = Math.round(parseFloat(money(name) || "0") * 100);
      return sum + (isNaN(cents) ? 0 : cents);
    }, 0);
    var body = { legs: legs, other: (other / 100).toFixed(2) };
    if (money("airfare")) { body.airfare = money("airfare"); }
    return body;
  }

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  function show(estimate) {
    var table = document.createElement("table");
    table.className = "usa-table usa-table--borderless usa-table--compact";
    [["Lodging", estimate.lodging], ["Meals and incidentals", estimate.mie], ["Airfare", estimate.airfare],
     ["Other", estimate.other], ["Total", estimate.total]].forEach(function (row) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = row[0];
      tr.appendChild(th);
      tr.appendChild(cell("$" + Number(row[1]).toLocaleString("en-US", { minimumFractionDigits: 2 }), "money"));
      if (row[0] === "Total") { tr.className = "totals"; }
      table.appendChild(tr);
    });
    target.replaceChildren(table);
    (estimate.notes || []).forEach(function (note) {
      var p = document.createElement("p");
      p.className = "usa-hint";
      p.textContent = note;
      target.appendChild(p);
    });
  }

  function problem(body) {
    var fields = (body && body.error && body.error.fields) || {};
    var p = document.createElement("p");
    p.className = "usa-error-message";
    p.textContent = Object.keys(fields).map(function (k) { return fields[k]; }).join(" ") ||
      "Complete the itinerary to see the cost.";
    target.replaceChildren(p);
  }

  function refresh() {
    var body = collect();
    if (!body.legs.every(function (leg) { return leg.city && leg.country && leg.depart && leg["return"]; })) {
      return;
    }
    fetch(form.getAttribute("data-estimate-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      if (result.ok) { show(result.json); } else { problem(result.json); }
    }).catch(function () { problem(null); });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
  form.addEventListener("change", refresh);
  refresh();
})();
