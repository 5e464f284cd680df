/* The targets page: /targets. Per target what serves (release, commit, ref, since when, by whom, drift), its PM2 apps
   at a glance, its releases (tags, age) with a rollback to each, its last runs, and forms to deploy a ref and to
   restart. A started run opens its page. When drawn, body[data-rendered] is "true". */
(function () {
  'use strict';
  const { json, post, el, time, badge, showError } = window.Runbook;

  function age(iso) {
    if (!iso) {
      return '';
    }
    const minutes = Math.round((Date.now() - new Date(iso)) / 60000);
    return minutes < 60 ? minutes + ' min ago' : minutes < 2880 ? Math.round(minutes / 60) + ' h ago' : Math.round(minutes / 1440) + ' days ago';
  }

  /** Starts a run; on success opens its page, else shows why next to the button. */
  function starter(path, body, result) {
    return async () => {
      result.textContent = '';
      try {
        const started = await (await post(path, body())).json();
        location.href = '/runs/' + encodeURIComponent(started.runId);
      } catch (error) {
        result.replaceChildren(el('span', { 'class': 'error refused' }, ['Refused: ' + error.message]));
      }
    };
  }

  function serving(t) {
    const c = t.currentRelease;
    if (!c || !c.releaseId) {
      return el('p', { 'class': 'serving' }, ['Nothing serves yet.']);
    }
    return el('dl', { 'class': 'facts serving' }, [
      el('dt', {}, ['Release']), el('dd', { 'class': 'release' }, [c.releaseId]),
      el('dt', {}, ['Commit']), el('dd', { 'class': 'mono' }, [c.commit ? c.commit.substring(0, 12) : '']),
      el('dt', {}, ['Ref']), el('dd', {}, [c.gitRef || '']),
      el('dt', {}, ['Since']), el('dd', {}, [c.deployedAt ? time(c.deployedAt) + ' (' + age(c.deployedAt) + ')' : '']),
      el('dt', {}, ['By']), el('dd', {}, [c.deployedBy || '']),
      ...(c.drift ? [el('dt', {}, ['Drift']), el('dd', { 'class': 'error drift' }, [c.drift])] : [])]);
  }

  function services(list) {
    return el('table', { 'class': 'services' }, [
      el('thead', {}, [el('tr', {}, ['Component', 'PM2 app', 'Status', 'Restarts', 'Up since'].map(h => el('th', {}, [h])))]),
      el('tbody', {}, list.map(s => el('tr', { 'data-app': s.name }, [
        el('td', {}, [s.component || '']), el('td', {}, [s.name]),
        el('td', {}, [badge(s.status === 'online' ? 'HEALTHY' : 'UNHEALTHY'), ' ', s.status]),
        el('td', {}, [String(s.restarts)]),
        el('td', {}, [s.uptimeMs ? age(new Date(Date.now() - s.uptimeMs).toISOString()) : ''])])))]);
  }

  function releases(t, list) {
    return el('table', { 'class': 'releases' }, [
      el('thead', {}, [el('tr', {}, ['Release', 'Tags', 'Commit', 'Made', 'By', ''].map(h => el('th', {}, [h])))]),
      el('tbody', {}, list.map(r => {
        const result = el('span', { 'class': 'result' });
        const button = r.current ? el('span', {}, [badge('DEPLOYED'), ' serving'])
          : el('button', { type: 'button', 'class': 'rollback' }, ['Roll back to this']);
        if (!r.current) {
          button.addEventListener('click', starter('/api/targets/' + encodeURIComponent(t.name) + '/rollbacks',
            () => ({ releaseId: r.id }), result));
        }
        return el('tr', { 'data-release': r.id }, [
          el('td', { 'class': 'mono' }, [r.id]), el('td', {}, [(r.tags || []).join(', ')]),
          el('td', { 'class': 'mono' }, [r.commit ? r.commit.substring(0, 12) : '']),
          el('td', {}, [age(r.createdAt)]), el('td', {}, [r.by || '']), el('td', {}, [button, ' ', result])]);
      }))]);
  }

  function runs(list) {
    return el('table', { 'class': 'recent' }, [
      el('tbody', {}, list.map(run => el('tr', {}, [
        el('td', {}, [el('a', { href: '/runs/' + encodeURIComponent(run.runId) }, [time(run.startedAt)])]),
        el('td', {}, [run.processKey]), el('td', {}, [run.gitRef || '']),
        el('td', {}, [badge(run.outcome || run.state)]), el('td', {}, [run.requestedBy || ''])])))]);
  }

  function forms(t, tags) {
    const base = '/api/targets/' + encodeURIComponent(t.name);
    const ref = el('input', { type: 'text', name: 'gitRef', placeholder: t.branch + ' (branch, tag or commit)', list: 'refs-' + t.name, 'class': 'ref' });
    const refs = el('datalist', { id: 'refs-' + t.name }, tags.map(tag => el('option', { value: tag })));
    const deployResult = el('span', { 'class': 'result' });
    const deploy = el('button', { type: 'button', 'class': 'deploy' }, ['Deploy']);
    deploy.addEventListener('click', starter(base + '/deployments', () => (ref.value ? { gitRef: ref.value } : {}), deployResult));
    const restartResult = el('span', { 'class': 'result' });
    const restart = el('button', { type: 'button', 'class': 'restart' }, ['Restart apps']);
    restart.addEventListener('click', starter(base + '/restarts', () => ({}), restartResult));
    return el('div', { 'class': 'forms' }, [
      el('div', {}, [ref, refs, ' ', deploy, ' ', deployResult,
        t.approvalRequired ? el('span', { 'class': 'note' }, [' an approver decides before anything changes']) : '']),
      el('div', {}, [restart, ' ', restartResult])]);
  }

  async function section(t) {
    const base = '/api/targets/' + encodeURIComponent(t.name);
    const [list, services_, recent] = await Promise.all([
      json(base + '/releases').catch(() => []),
      json(base + '/services').catch(() => []),
      json('/api/runs?limit=5&target=' + encodeURIComponent(t.name)).catch(() => [])]);
    const tags = [...new Set(list.flatMap(r => r.tags || []))];
    return el('section', { 'class': 'target', 'data-target': t.name }, [
      el('h2', {}, [t.name, ' ', el('span', { 'class': 'note' }, ['branch ' + t.branch + (t.approvalRequired ? ', approval required' : '')])]),
      serving(t), services(services_), forms(t, tags),
      el('h3', {}, ['Releases']), releases(t, list),
      el('h3', {}, ['Last runs']), runs(recent)]);
  }

  async function load() {
    try {
      const targets = await json('/api/targets');
      document.getElementById('targets').replaceChildren(...await Promise.all(targets.map(section)));
    } catch (error) {
      showError(error);
    }
    document.body.dataset.rendered = 'true';
  }

  load();
}());
