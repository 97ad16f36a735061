// Progressive enhancement for the translation editor: live preview, a warning before leaving
// with unsaved changes, and a copy of unsaved text in this browser's storage, offered back
// after a dropped connection. The form works without any of this.
(function () {
  "use strict";
  var form = document.getElementById("translate-form");
  if (!form) { return; }
  var key = form.getAttribute("data-storage-key");
  var fields = function () { return form.querySelectorAll("input[name=title], textarea"); };
  var dirty = false;
  var snapshot = function () {
    var out = {};
    fields().forEach(function (el, i) { out[el.name + ":" + i] = el.value; });
    return out;
  };
  var saved = null;
  try { saved = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  var offer = document.getElementById("restore-offer");
  if (saved && JSON.stringify(saved) === JSON.stringify(snapshot())) {
    window.localStorage.removeItem(key);  // that text was saved: nothing to offer back
    saved = null;
  }
  if (saved) {
    offer.hidden = false;
    document.getElementById("restore-button").addEventListener("click", function () {
      fields().forEach(function (el, i) {
        var value = saved[el.name + ":" + i];
        if (typeof value === "string") { el.value = value; }
      });
      offer.hidden = true; dirty = true; preview();
    });
    document.getElementById("discard-button").addEventListener("click", function () {
      window.localStorage.removeItem(key); offer.hidden = true;
    });
  }
  var timer = null;
  var previewBox = document.getElementById("preview");
  var section = document.getElementById("preview-section");
  var token = form.querySelector("input[name=csrf_token]").value;
  function body() {
    var whole = form.querySelector("textarea[name=body]");
    if (whole) { return whole.value; }
    var parts = [];
    form.querySelectorAll("textarea[name=block]").forEach(function (el) {
      if (el.value.trim()) { parts.push(el.value.trim()); }
    });
    return parts.join("\n\n");
  }
  function preview() {
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({body: body()})
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      // The server renders with the archive's one Markdown function (sanitised by nh3).
      if (data) { previewBox.innerHTML = data.html; section.hidden = false; }
    }).catch(function () { /* offline: the copy in storage still protects the text */ });
  }
  form.addEventListener("input", function () {
    dirty = true;
    try { window.localStorage.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full */ }
    window.clearTimeout(timer);
    timer = window.setTimeout(preview, 600);
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  preview();
})();
