/**
 * The console's one script, served from its own origin (the pages' CSP allows no other). While a
 * page is open, each of its parts marked `data-live` (the board, an incident's timeline) is fetched
 * again every so many seconds and put in place: from its own `data-src` (a fragment), or from the
 * page itself. A page that refreshed itself whole (a meta refresh) would take the reader's place and
 * time away. The pages work without it; the server escapes everything it sends. Once the sign-in has
 * ended (a fetch is sent to sign in), it stops and says so rather than show the sign-in form.
 */
export const CONSOLE_SCRIPT = `'use strict';
(function () {
  if (!window.fetch || !window.DOMParser) return;
  var parts = document.querySelectorAll('[data-live]');
  Array.prototype.forEach.call(parts, function (part) {
    var seconds = Number(part.getAttribute('data-live')) || 30;
    var src = part.getAttribute('data-src');
    var timer = setInterval(function () {
      fetch(src || window.location.pathname, { credentials: 'same-origin', headers: { accept: 'text/html', 'x-console-refresh': '1' }, redirect: 'manual' })
        .then(function (answer) {
          if (answer.ok) {
            return answer.text().then(function (html) {
              if (src) { part.innerHTML = html; return; }
              var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(part.id);
              if (fresh) part.innerHTML = fresh.innerHTML;
            });
          }
          if (answer.type === 'opaqueredirect' || answer.status === 401 || answer.status === 403) {
            clearInterval(timer);
            var note = document.createElement('p');
            note.className = 'error';
            note.setAttribute('role', 'alert');
            note.textContent = 'Your sign-in has ended, so this page no longer refreshes: reload it to sign in again.';
            part.parentNode.insertBefore(note, part);
          }
        })
        .catch(function () {});
    }, seconds * 1000);
  });
})();
`;
