/* The runs page (history): /runs?target=&processKey=&outcome=&state=, running and finished runs newest first, each
   linking to its run page. */
(function () {
  'use strict';
  const { json, el, time, badge, showError } = window.Runbook;
  const params = new URLSearchParams(location.search);

  async function load() {
    try {
      const targets = await json('/api/targets');
      const select = document.getElementById('target');
      targets.forEach(t => select.append(el('option', {}, [t.name])));
      select.value = params.get('target') || '';
      document.getElementById('processKey').value = params.get('processKey') || '';
      document.getElementById('outcomeFilter').value = params.get('outcome') || '';
      document.getElementById('stateFilter').value = params.get('state') || '';

      const query = new URLSearchParams({ limit: '100' });
      ['target', 'processKey', 'outcome', 'state'].filter(name => params.get(name)).forEach(name => query.set(name, params.get(name)));
      const runs = await json('/api/runs?' + query);
      document.querySelector('#runs tbody').replaceChildren(...runs.map(run => el('tr', { 'data-run': run.runId }, [
        el('td', {}, [el('a', { href: '/runs/' + encodeURIComponent(run.runId) }, [time(run.startedAt)])]),
        el('td', {}, [run.processKey]),
        el('td', {}, [run.target]),
        el('td', {}, [run.businessKey]),
        el('td', {}, [badge(run.state)]),
        el('td', {}, [run.outcome ? badge(run.outcome) : '']),
        el('td', {}, [run.requestedBy]),
        el('td', {}, [run.decidedBy ? run.decidedBy + (run.approved ? ' (approved)' : ' (rejected)') : ''])])));
      document.body.dataset.rendered = 'true';
    } catch (error) {
      showError(error);
    }
  }

  load();
}());
