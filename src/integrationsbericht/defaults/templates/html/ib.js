/* Integrationsbericht: offline site search (no server, no network).
   The index is loaded by search-index.js as window.IB_SEARCH_INDEX; without JavaScript
   the search box stays hidden and every page reads normally. */
(function () {
  "use strict";
  // Small screens: the chapter list starts folded (without JavaScript it stays open).
  var details = document.querySelector(".sidebar__details");
  if (details && window.matchMedia) {
    var small = window.matchMedia("(max-width: 56rem)");
    details.open = !small.matches;
    var sync = function () { if (!small.matches) { details.open = true; } };
    if (small.addEventListener) { small.addEventListener("change", sync); }
  }
})();
(function () {
  "use strict";
  // Wide tables: a visible hint above every table that is wider than its scrolling area.
  var areas = document.querySelectorAll(".table-scroll");
  function hint() {
    for (var i = 0; i < areas.length; i++) {
      var area = areas[i];
      var prev = area.previousElementSibling;
      var has = prev && prev.classList.contains("ib-scroll-hint");
      var wide = area.scrollWidth > area.clientWidth + 1;
      if (wide && !has) {
        var p = document.createElement("p");
        p.className = "ib-scroll-hint";
        p.textContent = "Die Tabelle ist breiter als der Bildschirm: seitlich verschieben, um alle Spalten zu sehen.";
        area.parentNode.insertBefore(p, area);
      } else if (!wide && has) {
        prev.parentNode.removeChild(prev);
      }
    }
  }
  hint();
  window.addEventListener("resize", hint);
})();
(function () {
  "use strict";
  var box = document.getElementById("ib-search-box");
  var input = document.getElementById("ib-search");
  var list = document.getElementById("ib-search-results");
  var status = document.getElementById("ib-search-status");
  var index = window.IB_SEARCH_INDEX;
  if (!box || !input || !list || !Array.isArray(index)) { return; }
  box.hidden = false;

  var link = document.querySelector(".brand");
  var root = link ? link.getAttribute("href").replace(/index\.html$/, "") : "";

  function norm(s) {
    return s.toLowerCase().replace(/ß/g, "ss").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  var prepared = index.map(function (e) {
    return { e: e, title: norm(e.t + " " + e.s), text: norm(e.x) };
  });

  function snippet(text, word) {
    var pos = norm(text).indexOf(word);
    var start = Math.max(0, pos - 60);
    var s = text.slice(start, start + 160);
    return (start > 0 ? "… " : "") + s + (start + 160 < text.length ? " …" : "");
  }

  function search(q) {
    var words = norm(q).split(/\s+/).filter(function (w) { return w.length > 1; });
    list.textContent = "";
    if (words.length === 0) { list.hidden = true; status.textContent = ""; return; }
    var hits = [];
    prepared.forEach(function (p) {
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var inTitle = p.title.indexOf(words[i]) >= 0;
        var inText = p.text.indexOf(words[i]) >= 0;
        if (!inTitle && !inText) { return; }
        score += (inTitle ? 5 : 0) + (inText ? 1 : 0);
      }
      hits.push({ p: p, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    hits.slice(0, 12).forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + h.p.e.u;
      a.textContent = h.p.e.s ? h.p.e.t + " – " + h.p.e.s : h.p.e.t;
      var p = document.createElement("p");
      p.textContent = snippet(h.p.e.x, words[0]);
      li.appendChild(a);
      li.appendChild(p);
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
    status.textContent = hits.length === 0 ? "Keine Treffer." :
      (hits.length === 1 ? "Ein Treffer." : hits.length + " Treffer.");
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 120);
  });
  document.getElementById("ib-search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    search(input.value);
    var first = list.querySelector("a");
    if (first) { first.focus(); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !list.hidden) { list.hidden = true; input.focus(); }
  });
})();
(function () {
  "use strict";
  // Sortable tables (class ib-sortable): a button in every column head sorts the rows,
  // aria-sort tells screen readers the order. Without JavaScript the table reads as it is.
  var tables = document.querySelectorAll("table.ib-sortable");
  if (!tables.length) { return; }
  var hints = document.querySelectorAll(".ib-sort-hint");
  for (var h = 0; h < hints.length; h++) { hints[h].hidden = false; }
  function key(cell, numeric) {
    if (!cell) { return numeric ? null : ""; }
    if (numeric) {
      var v = cell.getAttribute("data-sort");
      return v === null || v === "" ? null : parseFloat(v);
    }
    return cell.textContent.trim();
  }
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.querySelectorAll("thead th");
    var body = table.tBodies[0];
    Array.prototype.forEach.call(heads, function (th, col) {
      var numeric = th.getAttribute("data-sort-type") === "number";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ib-sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }  // empty last
          var d = numeric ? x - y : x.localeCompare(y, "de");
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
