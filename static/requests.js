// Live estimates on the request forms: as the form changes, ask the API for the same costing
// the server will save, and show it beside the form (travel: an itinerary; staffing: a position).
(function () {
  "use strict";

  function dollars(amount) {
    return "$" + Number(amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  // A percentage typed on the page ("36.45") as the decimal share the API reads ("0.3645"),
  // moved two places as text so that no digit is lost to floating point.
  function share(percent) {
    var match = /^(\d*)(?:\.(\d*))?$/.exec(percent);
    if (!match) { return percent; }
    var digits = ("00" + (match[1] || "0"));
    var whole = digits.slice(0, -2).replace(/^0+(?=\d)/, "");
    return whole + "." + digits.slice(-2) + (match[2] || "");
  }

  function row(label, amount, className) {
    var tr = document.createElement("tr");
    var th = document.createElement("th");
    th.scope = "row";
    th.textContent = label;
    tr.appendChild(th);
    [].concat(amount).forEach(function (value) {
      var td = document.createElement("td");
      td.textContent = value;
      td.className = "money";
      tr.appendChild(td);
    });
    if (className) { tr.className = className; }
    return tr;
  }

  function table(rows, head) {
    var element = document.createElement("table");
    element.className = "usa-table usa-table--borderless usa-table--compact";
    if (head) {
      var thead = element.createTHead().insertRow();
      head.forEach(function (text, i) {
        var th = document.createElement("th");
        th.scope = "col";
        th.textContent = text;
        if (i > 0) { th.className = "money"; }
        thead.appendChild(th);
      });
    }
    var body = element.createTBody();
    rows.forEach(function (tr) { body.appendChild(tr); });
    return element;
  }

  // Wires one form: `collect` gives the body (or null while it is incomplete), `show` the answer.
  function estimator(form, collect, show, waiting) {
    var target = document.getElementById(form.getAttribute("data-estimate-target"));
    var token = form.querySelector("input[name='csrf_token']");
    var timer = null;

    function problem(body) {
      var fields = (body && body.error && body.error.fields) || {};
      var p = document.createElement("p");
      p.className = "usa-error-message";
      p.textContent = Object.keys(fields).map(function (k) { return fields[k]; }).join(" ") || waiting;
      target.replaceChildren(p);
    }

    var inFlight = null;  // the request whose answer the panel waits for; an older one is dropped

    function refresh() {
      var body = collect();
      if (!body) { return; }
      if (inFlight) { inFlight.abort(); }
      var mine = inFlight = new AbortController();
      fetch(form.getAttribute("data-estimate-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify(body),
        signal: mine.signal
      }).then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, json: json }; });
      }).then(function (result) {
        if (mine !== inFlight) { return; }  // a later change asked again: its answer is the one to show
        inFlight = null;
        if (result.ok) { show(target, result.json); } else { problem(result.json); }
      }).catch(function (error) {
        if (mine === inFlight && error.name !== "AbortError") { problem(null); }
      });
    }

    // Typing a date changes it at every digit (year 0002, 0020, ...): ask once the typing pauses.
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    refresh();
  }

  function valueOf(form, name) {
    var field = form.elements.namedItem(name);
    if (!field || !field.value) { return ""; }
    var text = field.value.trim().replace(/[$,]/g, "");  // money as typed: "$1,800.00"
    return field.hasAttribute("data-percent") ? share(text) : text;
  }

  function notes(target, estimate) {
    (estimate.notes || []).forEach(function (note) {
      var p = document.createElement("p");
      p.className = "usa-hint";
      p.textContent = note;
      target.appendChild(p);
    });
  }

  // ---- Travel: lodging and meals per leg, airfare, other costs ----
  var travel = document.querySelector("form[data-estimate-url][data-estimate='travel']");
  if (travel) {
    estimator(travel, function () {
      var legs = [];
      travel.querySelectorAll("fieldset.leg").forEach(function (fieldset) {
        var i = fieldset.getAttribute("data-leg");
        legs.push({
          origin: valueOf(travel, "legs-" + i + "-origin"),
          city: valueOf(travel, "legs-" + i + "-city"),
          country: valueOf(travel, "legs-" + i + "-country"),
          depart: valueOf(travel, "legs-" + i + "-depart"),
          "return": valueOf(travel, "legs-" + i + "-return_")
        });
      });
      if (!legs.every(function (leg) { return leg.city && leg.country && leg.depart && leg["return"]; })) {
        return null;
      }
      var other = ["visa", "ground", "conference", "other"].reduce(function (sum, name) {
        var cents = Math.round(parseFloat(valueOf(travel, name) || "0") * 100);
        return sum + (isNaN(cents) ? 0 : cents);
      }, 0);
      var body = { legs: legs, other: (other / 100).toFixed(2) };
      if (valueOf(travel, "airfare")) { body.airfare = valueOf(travel, "airfare"); }
      return body;
    }, function (target, estimate) {
      target.replaceChildren(table([
        row("Lodging", dollars(estimate.lodging)), row("Meals and incidentals", dollars(estimate.mie)),
        row("Airfare", dollars(estimate.airfare)), row("Other", dollars(estimate.other)),
        row("Total", dollars(estimate.total), "totals")
      ]));
      notes(target, estimate);
    }, "Complete the itinerary to see the cost.");
  }

  // ---- Staffing: pay and benefits by fiscal year ----
  var staffing = document.querySelector("form[data-estimate-url][data-estimate='staffing']");
  if (staffing) {
    estimator(staffing, function () {
      var body = {
        kind: valueOf(staffing, "kind"),
        fte: valueOf(staffing, "fte"),
        start_date: valueOf(staffing, "start_date"),
        end_date: valueOf(staffing, "end_date") || null,
        benefits_rate: valueOf(staffing, "benefits_rate"),
        pay_raise: valueOf(staffing, "pay_raise"),
        pay_plan: valueOf(staffing, "pay_plan") || null,
        grade: valueOf(staffing, "grade") ? Number(valueOf(staffing, "grade")) : null,
        step: valueOf(staffing, "step") ? Number(valueOf(staffing, "step")) : null,
        annual_rate: valueOf(staffing, "annual_rate") || null
      };
      var priced = (body.pay_plan && body.grade && body.step) || body.annual_rate;
      return body.kind && body.fte && body.start_date && priced ? body : null;
    }, function (target, estimate) {
      var years = estimate.by_fiscal_year.filter(function (year) { return year.days > 0; }).map(function (year) {
        return row("FY" + year.fiscal_year, [dollars(year.pay), dollars(year.benefits), dollars(year.total)]);
      });
      target.replaceChildren(table(years, ["Fiscal year", "Pay", "Benefits", "Cost"]));
      var p = document.createElement("p");
      p.textContent = "A full year costs " + dollars(estimate.annual_cost) + " (pay " + dollars(estimate.annual_pay) + ").";
      target.appendChild(p);
    }, "Give the pay (plan, grade and step, or an annual rate) and a start date to see the cost.");
  }
})();
