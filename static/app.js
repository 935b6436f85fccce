// app.js - the dashboard's only script: small enhancements; every page works without it
// (STYLE.md "Pages"). Loaded from /static (the CSP allows no inline script).
//
// Countdowns: <time data-countdown datetime="2026-11-24T06:00:00.000Z"> shows the time left
// to its deadline, once a second; the server's text ("in 2 minutes") stays when JS is off.
(function () {
  'use strict';
  var els = document.querySelectorAll('time[data-countdown]');
  if (!els.length) return;
  function left(ms) {
    var s = Math.round(ms / 1000), m = Math.floor(s / 60);
    if (s <= 0) return 'deadline passed';
    return (m > 0 ? m + ' min ' : '') + (s % 60) + ' s left';
  }
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(els, function (el) {
      var t = Date.parse(el.getAttribute('datetime'));
      if (!isNaN(t)) el.textContent = left(t - now);
    });
  }
  tick();
  window.setInterval(tick, 1000);
}());
