/* The targets page: /targets. Per target what serves (release, commit, ref, since when, by whom, drift), its remote
   hosts' health, its PM2 apps
   at a glance, its releases (tags, age) with a rollback to each, its last runs, and forms: deploy or update to a ref
   picked from the remote's branches and tags, roll back to a release picked by tag, restart; each with a preview of
   the plan before anything is requested. A started run opens its page. When drawn, body[data-rendered] is "true". */
(function () {
  'use strict';
  const { json, post, el, time, badge, showError, planList } = window.Runbook;

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

  /** A target's remote hosts: each one's health (its agent's last call), its agent's version and the steps it runs now. */
  function hostList(t) {
    if (!t.hosts || t.hosts.length === 0) {
      return el('span', {});
    }
    return el('table', { 'class': 'hosts' }, [
      el('thead', {}, [el('tr', {}, ['Host', 'Status', 'Last contact', 'Agent', 'Running'].map(h => el('th', {}, [h])))]),
      el('tbody', {}, t.hosts.map(h => el('tr', { 'data-host': h.name }, [
        el('td', { 'class': 'mono' }, [h.name]),
        el('td', {}, [badge(h.status === 'UP' ? 'HEALTHY' : 'UNHEALTHY'), ' ', h.status,
          ...(h.details && h.details.reason ? [' (' + h.details.reason + ')'] : [])]),
        el('td', {}, [h.details && h.details.lastContact ? age(h.details.lastContact) : 'never']),
        el('td', { 'class': 'mono' }, [(h.details && h.details.client) || '']),
        el('td', {}, [((h.details && h.details.runningSteps) || []).join(', ')])])))]);
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

  /** A plan preview (GET .../plan) drawn into box: the commit, what serves now, the steps and their commands. */
  async function preview(t, query, box) {
    box.replaceChildren(el('p', { 'class': 'note' }, ['Planning…']));
    try {
      const p = await json('/api/targets/' + encodeURIComponent(t.name) + '/plan?' + new URLSearchParams(query));
      box.replaceChildren(
        el('p', {}, [p.processKey + ' to ', el('span', { 'class': 'mono' }, [(p.commit || '').substring(0, 12)]),
          ' ' + (p.subject || '') + ' (serving now: ' + (p.servingCommit ? p.servingCommit.substring(0, 12) : 'nothing') + ')',
          p.approvalRequired ? ' · an approver decides first' : '']),
        planList(p.steps));
    } catch (error) {
      box.replaceChildren(el('p', { 'class': 'error' }, [error.message]));
    }
  }

  /** Deploy (all components) or update (some) to a ref picked from the remote's branches and tags, or typed. */
  function deployForm(t, refs) {
    const base = '/api/targets/' + encodeURIComponent(t.name);
    const ref = el('input', { type: 'text', name: 'gitRef', placeholder: t.branch + ' (branch, tag or commit)', 'class': 'ref' });
    const pick = el('select', { 'class': 'ref-pick' }, [el('option', { value: '' }, ['pick a branch or tag (newest first)']),
      ...refs.map(r => el('option', { value: r.name }, [r.name + ' · ' + r.kind + ' · ' + (r.subject || '') + ' · ' + age(r.date)]))]);
    pick.addEventListener('change', () => { ref.value = pick.value; });
    const boxes = Object.keys(t.components || {}).map(name => el('label', {}, [
      el('input', { type: 'checkbox', 'class': 'component', value: name, checked: 'checked' }), ' ' + name]));
    const chosen = () => boxes.map(b => b.querySelector('input')).filter(i => i.checked).map(i => i.value);
    const partial = () => chosen().length < boxes.length;
    const query = () => Object.assign({ processKey: partial() ? 'update' : 'deploy' },
      ref.value ? { gitRef: ref.value } : {}, partial() ? { components: chosen().join(',') } : {});
    const plan = el('div', { 'class': 'preview' });
    const previewButton = el('button', { type: 'button', 'class': 'preview-deploy' }, ['Preview plan']);
    previewButton.addEventListener('click', () => preview(t, query(), plan));
    const result = el('span', { 'class': 'result' });
    const deploy = el('button', { type: 'button', 'class': 'deploy' }, ['Deploy']);
    deploy.addEventListener('click', () => starter(base + (partial() ? '/updates' : '/deployments'), () => {
      const body = ref.value ? { gitRef: ref.value } : {};
      return partial() ? Object.assign(body, { components: chosen().join(',') }) : body;
    }, result)());
    return el('div', { 'class': 'form deploy-form' }, [
      el('h3', {}, ['Deploy or update']),
      el('div', {}, [pick, ' ', ref]),
      el('div', {}, ['Components: ', ...boxes, el('span', { 'class': 'note' }, [' (all: deploy; some: update)'])]),
      el('div', {}, [previewButton, ' ', deploy, ' ', result,
        t.approvalRequired ? el('span', { 'class': 'note' }, [' an approver decides before anything changes']) : '']),
      plan]);
  }

  /** Roll back to a release picked by its tags and age. */
  function rollbackForm(t, list) {
    const base = '/api/targets/' + encodeURIComponent(t.name);
    const older = list.filter(r => !r.current);
    const pick = el('select', { 'class': 'release-pick' }, [el('option', { value: '' }, ['pick a release']),
      ...older.map(r => el('option', { value: r.id }, [((r.tags || []).join(', ') || '(no tag)') + ' · ' + age(r.createdAt) + ' · ' + r.id]))]);
    const plan = el('div', { 'class': 'preview' });
    const previewButton = el('button', { type: 'button', 'class': 'preview-rollback' }, ['Preview plan']);
    previewButton.addEventListener('click', () => preview(t, { processKey: 'rollback', releaseId: pick.value }, plan));
    const result = el('span', { 'class': 'result' });
    const rollback = el('button', { type: 'button', 'class': 'rollback-picked' }, ['Roll back']);
    rollback.addEventListener('click', starter(base + '/rollbacks', () => ({ releaseId: pick.value }), result));
    return el('div', { 'class': 'form rollback-form' }, [el('h3', {}, ['Roll back']),
      el('div', {}, [pick, ' ', previewButton, ' ', rollback, ' ', result]), plan]);
  }

  function forms(t, refs, list) {
    const base = '/api/targets/' + encodeURIComponent(t.name);
    const restartResult = el('span', { 'class': 'result' });
    const restart = el('button', { type: 'button', 'class': 'restart' }, ['Restart apps']);
    restart.addEventListener('click', starter(base + '/restarts', () => ({}), restartResult));
    return el('div', { 'class': 'forms' }, [deployForm(t, refs), rollbackForm(t, list),
      el('h3', {}, ['Restart']), el('div', {}, [restart, ' ', restartResult,
        el('span', { 'class': 'note' }, [' with their env read afresh; never waits for a request that waits for its approval'])])]);
  }

  async function section(t) {
    const base = '/api/targets/' + encodeURIComponent(t.name);
    const remote = t.hosts && t.hosts.length > 0;
    const [list, services_, recent, refs] = await Promise.all([
      json(base + '/releases').catch(() => []),
      // a target on other hosts: its apps' state is each host's (the hosts table), not the platform's PM2
      remote ? Promise.resolve(null) : json(base + '/services').catch(() => []),
      json('/api/runs?limit=5&target=' + encodeURIComponent(t.name)).catch(() => []),
      json(base + '/refs').catch(() => [])]);
    return el('section', { 'class': 'target', 'data-target': t.name }, [
      el('h2', {}, [t.name, ' ', el('span', { 'class': 'note' }, ['branch ' + t.branch + (t.approvalRequired ? ', approval required' : '')])]),
      serving(t), hostList(t), services_ === null ? null : services(services_), forms(t, refs, list),
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
