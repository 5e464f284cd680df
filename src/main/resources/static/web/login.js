/* The sign-in form: the CSRF token from the RUNBOOK-XSRF-TOKEN cookie that GET /login set, the page to return to, and what
   happened last time (?error, ?expired, ?signed-out). */
(function () {
  'use strict';
  const query = new URLSearchParams(location.search);
  const cookie = document.cookie.split('; ').find(part => part.startsWith('RUNBOOK-XSRF-TOKEN='));
  document.getElementById('csrf').value = cookie ? decodeURIComponent(cookie.substring('RUNBOOK-XSRF-TOKEN='.length)) : '';
  document.getElementById('next').value = query.get('next') || '';
  const messages = {
    error: ['error', 'Wrong user or password, or too many failed attempts: try again later.'],
    expired: ['error', 'The sign-in form had expired: please sign in again.'],
    'signed-out': ['note', 'You are signed out.']
  };
  const shown = Object.keys(messages).find(key => query.has(key));
  if (shown) {
    const message = document.getElementById('message');
    message.className = messages[shown][0];
    message.textContent = messages[shown][1];
    message.hidden = false;
  }
}());
