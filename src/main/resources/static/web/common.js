/* Shared helpers of the run pages. Requests go to location.origin: the page URL may carry credentials, which fetch()
   refuses in a URL, while the browser keeps sending the HTTP Basic credentials it has for this origin. */
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
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
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

  return {
    json: async path => (await request(path, 'application/json')).json(),
    post,
    text: async path => (await request(path, 'application/xml, text/plain, */*')).text(),
    el, time, duration, badge, showError
  };
}());
