/**
 * The console's one script, served from its own origin (the pages' CSP allows no other): while an
 * incident's page is open, its timeline is fetched again every 15 seconds and put in place. The
 * page works without it; the server escapes everything in the fragment it sends. Once the sign-in
 * has ended (the fetch is sent to sign in), it stops and says so rather than show the sign-in page.
 */
export const CONSOLE_SCRIPT = `'use strict';
(function () {
  var box = document.getElementById('timeline');
  if (!box || !window.fetch) return;
  var timer = setInterval(function () {
    fetch(box.getAttribute('data-src'), { credentials: 'same-origin', headers: { accept: 'text/html' }, redirect: 'manual' })
      .then(function (answer) {
        if (answer.ok) return answer.text().then(function (fragment) { box.innerHTML = fragment; });
        if (answer.type === 'opaqueredirect' || answer.status === 401 || answer.status === 403) {
          clearInterval(timer);
          var note = document.createElement('p');
          note.className = 'error';
          note.setAttribute('role', 'alert');
          note.textContent = 'Your sign-in has ended, so this timeline no longer refreshes: reload the page to sign in again.';
          box.parentNode.insertBefore(note, box);
        }
      })
      .catch(function () {});
  }, 15000);
})();
`;
