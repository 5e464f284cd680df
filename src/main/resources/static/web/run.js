/* The run page: /runs/{runId}. Draws the run's BPMN diagram with the path taken, the failed step and the
   compensation steps marked, and lists steps (duration, log tail, whole log), approval and outcome. While the run
   is not ended it follows /api/runs/{id}/events: each command's output appears line by line under "Live output",
   and a step or state change redraws the page (polling every 2 s when the stream cannot be opened). A request that
   waits for its approval offers Approve/Reject to approvers and Withdraw to its requester and administrators (the
   platform decides: a refusal, four eyes say, is shown); a run whose host failed (rollout.on-failure: ask) offers
   operators Retry/Roll back. When drawn, body[data-rendered] is "true" and body[data-state] holds the run's state. */
(function () {
  'use strict';
  const { json, text, post, me, el, time, duration, badge, showError } = window.Runbook;
  const runId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop());
  const api = '/api/runs/' + encodeURIComponent(runId);
  const viewer = new window.BpmnJS({ container: '#diagram' });
  let drawn = false;
  let markers = [];
  let events = null;
  let reload = null;
  const MAX_LIVE_LINES = 2000;

  /** Opens the run's event stream once: log lines go to "Live output", other events redraw the page. */
  function follow() {
    if (events || !window.EventSource) {
      return false;
    }
    events = new EventSource(api + '/events');
    const redraw = () => {
      clearTimeout(reload);
      reload = setTimeout(load, 150);
    };
    events.addEventListener('log', message => {
      const data = JSON.parse(message.data);
      const box = document.getElementById('live-log');
      document.getElementById('live').hidden = false;
      box.append(document.createTextNode('[' + data.activityId + (data.host ? ' on ' + data.host : '') + '] '
        + data.line + '\n'));
      while (box.childNodes.length > MAX_LIVE_LINES) {
        box.removeChild(box.firstChild);
      }
      box.scrollTop = box.scrollHeight;
      document.body.dataset.liveLines = String(box.childNodes.length);
    });
    // a reconnect replays the run from its start: begin the output again
    events.addEventListener('open', () => {
      document.getElementById('live-log').textContent = '';
    });
    events.addEventListener('step', redraw);
    events.addEventListener('state', redraw);
    events.addEventListener('end', () => {
      events.close();
      redraw();
    });
    events.onerror = () => {
      if (events.readyState === EventSource.CLOSED) {
        events = null;
        setTimeout(load, 2000);
      }
    };
    return true;
  }

  function facts(run) {
    const rows = [['Run', run.runId], ['Process', run.processKey], ['Target', run.target],
      ['Description', run.businessKey], ['State', run.state], ['Outcome', run.outcome || '—'],
      ['Requested by', run.requestedBy], ['Git ref', run.gitRef], ['Commit', run.targetCommit],
      ['Previous commit', run.previousCommit], ['Release backup', run.backupId],
      ['Started', time(run.startedAt)], ['Ended', time(run.endedAt)],
      ['Duration', duration(run.startedAt, run.endedAt)], ['Failure', run.failure]];
    document.getElementById('facts').replaceChildren(...rows.filter(r => r[1]).flatMap(([name, value]) =>
      [el('dt', {}, [name]), el('dd', { id: 'fact-' + name.toLowerCase().replace(/ /g, '-') }, [value])]));
  }

  function approval(run) {
    const box = document.getElementById('approval');
    const a = run.approval;
    if (!a) {
      box.textContent = 'This run had no approval.';
      return;
    }
    const parts = [];
    if (a.decidedBy) {
      parts.push(badge(a.approved ? 'APPROVED' : 'REJECTED'), ' by ', el('strong', {}, [a.decidedBy]),
        ' at ' + time(a.decidedAt));
      if (a.comment) {
        parts.push(el('div', {}, ['Comment: ', el('q', { id: 'approval-comment' }, [a.comment])]));
      }
    } else if (a.decidedAt) {
      parts.push(badge('EXPIRED'), ' nobody decided by ' + time(a.deadline || a.decidedAt));
    } else {
      parts.push(badge('WAITING_FOR_APPROVAL'), ' since ' + time(a.requestedAt) + ', deadline ' + time(a.deadline) + ' ',
        el('a', { href: '/camunda/app/tasklist/default/#/?task=' + encodeURIComponent(a.taskId) }, ['open in Tasklist']));
    }
    box.replaceChildren(el('div', { id: 'approval-summary' }, parts));
    if (run.state === 'WAITING_FOR_APPROVAL' && a.taskId && !a.decidedAt) {
      me.then(user => box.append(actions(run, a, user)));
    }
  }

  /**
   * A host failed and an operator decides (rollout.on-failure: ask): the failure, and for operators the two ways on:
   * retry that host, or roll every host back (POST .../host-decisions; a refusal is shown).
   */
  function decision(run) {
    const section = document.getElementById('decision-section');
    const box = document.getElementById('decision');
    if (run.state !== 'WAITING_FOR_DECISION') {
      section.hidden = true;
      box.replaceChildren();
      return;
    }
    section.hidden = false;
    const failed = (run.steps || []).filter(s => s.outcome === 'FAILED').pop();
    const result = el('p', { id: 'decision-result', 'class': 'result' });
    const decide = choice => async () => {
      try {
        await post(api + '/host-decisions', { decision: choice });
        load();
      } catch (error) {
        result.replaceChildren(el('span', { 'class': 'error refused' }, ['Refused: ' + error.message]));
      }
    };
    box.replaceChildren(el('p', { id: 'decision-summary' }, [badge('WAITING_FOR_DECISION'), ' ',
      (failed && failed.host ? 'host ' + failed.host : 'the host') + ' failed at ' + (failed ? failed.name : 'a step')
        + ': ' + (run.failure || '')]));
    me.then(user => {
      if (user.operate && !document.getElementById('decide-retry')) {
        const retry = el('button', { type: 'button', id: 'decide-retry' }, ['Retry the host']);
        const rollback = el('button', { type: 'button', id: 'decide-rollback' }, ['Roll every host back']);
        retry.addEventListener('click', decide('retry'));
        rollback.addEventListener('click', decide('rollback'));
        box.append(el('div', {}, [retry, ' ', rollback]), result);
      }
    });
  }

  let lastResult = null;

  /** What the signed-in user may do with a waiting request: decide it (approvers), withdraw it (requester, admin). */
  function actions(run, a, user) {
    const result = el('p', { id: 'action-result', 'class': 'result' }, lastResult ? [lastResult] : []);
    // the page may have been redrawn since the click: write into the result box that is shown now
    const show = node => {
      lastResult = node;
      (document.getElementById('action-result') || result).replaceChildren(node);
    };
    const act = call => async () => {
      try {
        await call();
        lastResult = null;
        load();
      } catch (error) {
        show(el('span', { 'class': 'error refused' }, ['Refused: ' + error.message]));
      }
    };
    const children = [];
    if (user.approve) {
      const comment = el('textarea', { rows: '2', cols: '60', id: 'approval-comment-input',
        placeholder: 'comment (optional, kept in the audit trail)' });
      const decide = approved => act(() => post('/api/approvals/' + encodeURIComponent(a.taskId),
        { approved, comment: comment.value }));
      const approve = el('button', { type: 'button', id: 'approve' }, ['Approve']);
      const reject = el('button', { type: 'button', id: 'reject' }, ['Reject']);
      approve.addEventListener('click', decide(true));
      reject.addEventListener('click', decide(false));
      if (user.user === run.requestedBy) {
        children.push(el('p', { 'class': 'note' }, ['You requested this run: four eyes, another approver decides it.']));
      }
      children.push(comment, el('div', {}, [approve, ' ', reject]));
    }
    if (user.user === run.requestedBy || (user.groups || []).includes('camunda-admin')) {
      const withdraw = el('button', { type: 'button', id: 'withdraw' }, ['Withdraw this request']);
      withdraw.addEventListener('click', act(() => post(api + '/withdraw')));
      children.push(el('div', {}, [withdraw]));
    }
    children.push(result);
    return el('div', { id: 'approval-actions', 'class': 'decision' }, children);
  }

  function steps(run) {
    const rows = (run.steps || []).map(step => {
      const log = step.logTail
        ? el('details', {}, [el('summary', {}, ['tail']), el('pre', { 'class': 'log' }, [step.logTail])])
        : '';
      const whole = step.logTail
        ? el('a', { href: api + '/steps/' + encodeURIComponent(step.activityId) + '/log'
            + (step.host ? '?host=' + encodeURIComponent(step.host) : ''), target: '_blank' }, ['whole log'])
        : '';
      return el('tr', { 'class': step.compensation ? 'compensation' : null, 'data-activity': step.activityId }, [
        el('td', {}, [step.name || step.activityId, step.host ? ' on ' + step.host : '',
          el('div', { 'class': 'mono' }, [step.activityId])]),
        el('td', {}, [badge(step.outcome)]),
        el('td', {}, [time(step.startedAt)]),
        el('td', {}, [duration(step.startedAt, step.endedAt)]),
        el('td', {}, [whole, log])]);
    });
    document.querySelector('#steps tbody').replaceChildren(...rows);
  }

  /** Marker classes per element id: path taken, flows taken, running, failed and compensation steps. */
  function markersOf(run, registry) {
    const classes = new Map();
    const add = (id, cls) => classes.set(id, (classes.get(id) || new Set()).add(cls));
    const path = run.path || [];
    const firstIndex = new Map();
    const lastIndex = new Map();
    path.forEach((id, i) => {
      if (!firstIndex.has(id)) {
        firstIndex.set(id, i);
      }
      lastIndex.set(id, i);
      add(id, 'rb-visited');
    });
    // A flow was taken when its target was entered from it: of the flows into a visited element whose source was
    // visited, the one whose source was entered last before the target.
    const flows = registry.filter(e => e.type === 'bpmn:SequenceFlow');
    const byTarget = new Map();
    flows.forEach(flow => {
      const source = flow.businessObject.sourceRef.id;
      const target = flow.businessObject.targetRef.id;
      if (firstIndex.has(source) && firstIndex.has(target)) {
        byTarget.set(target, (byTarget.get(target) || []).concat([flow]));
      }
    });
    byTarget.forEach((candidates, target) => {
      const before = candidates.filter(f => firstIndex.get(f.businessObject.sourceRef.id) < lastIndex.get(target));
      const pool = before.length ? before : candidates;
      const best = Math.max(...pool.map(f => firstIndex.get(f.businessObject.sourceRef.id)));
      pool.filter(f => firstIndex.get(f.businessObject.sourceRef.id) === best).forEach(f => add(f.id, 'rb-taken'));
    });
    (run.steps || []).forEach(step => {
      if (step.outcome === 'RUNNING') {
        add(step.activityId, 'rb-running');
      }
      if (step.outcome === 'FAILED' || step.outcome === 'INCIDENT') {
        add(step.activityId, 'rb-failed');
      }
      if (step.compensation) {
        add(step.activityId, 'rb-compensation');
        registry.filter(e => e.type === 'bpmn:Association' && e.businessObject.targetRef
            && e.businessObject.targetRef.id === step.activityId).forEach(association => {
          add(association.id, 'rb-compensation');
          add(association.businessObject.sourceRef.id, 'rb-compensation');
        });
      }
    });
    return classes;
  }

  function mark(run) {
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    markers.forEach(([id, cls]) => canvas.removeMarker(id, cls));
    markers = [];
    markersOf(run, registry).forEach((classes, id) => {
      if (registry.get(id)) {
        classes.forEach(cls => {
          canvas.addMarker(id, cls);
          markers.push([id, cls]);
        });
      }
    });
  }

  async function load() {
    try {
      const run = await json(api);
      document.title = run.processKey + ' on ' + run.target + ' · Runbook Platform';
      document.getElementById('title').textContent = run.processKey + ' on ' + run.target;
      document.getElementById('outcome').replaceWith(Object.assign(badge(run.outcome || run.state), { id: 'outcome' }));
      facts(run);
      approval(run);
      decision(run);
      steps(run);
      if (!drawn) {
        await viewer.importXML(await text(api + '/diagram'));
        viewer.get('canvas').zoom('fit-viewport');
        drawn = true;
      }
      mark(run);
      document.body.dataset.state = run.state;
      document.body.dataset.outcome = run.outcome || '';
      document.body.dataset.rendered = 'true';
      if (run.state !== 'ENDED' && !events && !follow()) {
        setTimeout(load, 2000);
      }
    } catch (error) {
      showError(error);
      setTimeout(load, 5000);
    }
  }

  load();
}());
