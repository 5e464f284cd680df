/* Shared helpers of the console's pages. Requests go to location.origin with the session cookie of the sign-in page
   (or the HTTP Basic credentials the browser has for this origin); state-changing ones carry the CSRF token. */
window.Runbook = (function () {
  'use strict';

  async function request(path, accept) {
    const response = await fetch(location.origin + path, { credentials: 'same-origin', headers: { Accept: accept } });
    if (!response.ok) {
      let detail = '';
      try {
        const problem = await response.json();
        detail = problem.detail ? ': ' + problem.detail : '';
      } catch (notJson) {
        // the status says it
      }
      throw new Error(path + ': HTTP ' + response.status + detail);
    }
    return response;
  }

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (value !== null && value !== undefined) {
        node.setAttribute(name, value);
      }
    });
    (children || []).forEach(child => node.append(child === null || child === undefined ? '' : child));
    return node;
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleString() : '';
  }

  function duration(from, to) {
    if (!from || !to) {
      return '';
    }
    const ms = new Date(to) - new Date(from);
    return ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(1) + ' s';
  }

  function badge(text) {
    return el('span', { 'class': 'badge ' + (text || '') }, [text || '']);
  }

  function showError(error) {
    const box = document.getElementById('error');
    box.textContent = String(error.message || error);
    box.hidden = false;
  }

  /** POSTs JSON; an error carries the problem's detail (403 four eyes, 409 decided already ...). */
  async function post(path, body) {
    const response = await fetch(location.origin + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-RUNBOOK-XSRF-TOKEN': csrfToken() },
      body: JSON.stringify(body || {})
    });
    if (!response.ok) {
      let detail = 'HTTP ' + response.status;
      try {
        const problem = await response.json();
        detail = problem.detail || problem.message || detail;
      } catch (notJson) {
        // keep the status
      }
      throw new Error(detail);
    }
    return response;
  }

  /** The steps of a plan (an approval's, or a preview's), each with its commands and note. */
  function planList(steps) {
    return el('ol', { 'class': 'plan' }, (steps || []).map(step => el('li', {}, [
      el('strong', {}, [step.name || step.activityId]),
      ...(step.commands || []).map(c => el('div', { 'class': 'mono' }, ['$ ' + c.command + (c.dir ? '   (in ' + c.dir + ')' : '')])),
      step.note ? el('div', { 'class': 'note' }, [step.note]) : ''])));
  }

  /** The CSRF token the platform set as the cookie RUNBOOK-XSRF-TOKEN ('' before it has). */
  function csrfToken() {
    const cookie = document.cookie.split('; ').find(part => part.startsWith('RUNBOOK-XSRF-TOKEN='));
    return cookie ? decodeURIComponent(cookie.substring('RUNBOOK-XSRF-TOKEN='.length)) : '';
  }

  /* Who is signed in and what they may do (GET /api/me); the navigation shows only the pages the role may use, and a
     page the role may not use (body data-needs="operate" or "approve") sends them to one they may. */
  const me = request('/api/me', 'application/json').then(response => response.json());
  me.then(user => {
    document.body.dataset.user = user.user;
    const needs = document.body.dataset.needs;
    if (needs && !user[needs]) {
      location.replace(user.operate ? '/targets' : user.approve ? '/approvals' : '/camunda/app/tasklist/');
      return;
    }
    const nav = document.getElementById('nav');
    if (!nav) {
      return;
    }
    const links = [];
    if (user.operate) {
      links.push(el('a', { href: '/targets' }, ['Targets']), el('a', { href: '/runs' }, ['Runs']));
    }
    if (user.approve) {
      links.push(el('a', { href: '/approvals' }, ['Approvals']));
    }
    links.push(el('a', { href: '/camunda/app/tasklist/' }, ['Tasklist']));
    const signOut = el('form', { method: 'post', action: '/logout', 'class': 'signout' }, [
      el('input', { type: 'hidden', name: '_csrf', value: csrfToken() }),
      el('span', { id: 'signed-in-user' }, [user.user]),
      el('button', { type: 'submit', id: 'sign-out' }, ['Sign out'])
    ]);
    nav.replaceChildren(...links, signOut);
  }).catch(error => showError(error));

  return {
    json: async path => (await request(path, 'application/json')).json(),
    me, csrfToken, planList,
    post,
    text: async path => (await request(path, 'application/xml, text/plain, */*')).text(),
    el, time, duration, badge, showError
  };
}());
