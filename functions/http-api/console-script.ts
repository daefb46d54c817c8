/**
 * The console's one script, served from its own origin (the pages' CSP allows no other): while an
 * incident's page is open, its timeline is fetched again every 15 seconds and put in place. The
 * page works without it; the server escapes everything in the fragment it sends.
 */
export const CONSOLE_SCRIPT = `'use strict';
(function () {
  var box = document.getElementById('timeline');
  if (!box || !window.fetch) return;
  setInterval(function () {
    fetch(box.getAttribute('data-src'), { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (answer) { return answer.ok ? answer.text() : undefined; })
      .then(function (fragment) { if (fragment !== undefined) box.innerHTML = fragment; })
      .catch(function () {});
  }, 15000);
})();
`;
