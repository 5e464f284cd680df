/* The approvals page: /approvals. Each release waiting for the signed-in approver, readable: the commits it brings
   (or takes away), the changed files per component, the database migration, the plan of commands, the deadline, who
   claimed it; Approve and Reject with a comment, decided over POST /api/approvals/{taskId} (four eyes enforced by the
   platform: a refusal is shown). When drawn, body[data-rendered] is "true" and body[data-count] holds how many. */
(function () {
  'use strict';
  const { json, post, el, time, badge, showError, planList } = window.Runbook;

  function short(sha) {
    return sha ? sha.substring(0, 12) : '(nothing served before)';
  }

  function commits(a) {
    const backward = a.direction === 'BACKWARD';
    const heading = el('h3', {}, [backward
      ? 'Takes away ' + a.commitCount + ' commit(s): it moves back to an older commit'
      : 'Brings ' + a.commitCount + ' commit(s)']);
    const rows = (a.commits || []).map(c => el('tr', {}, [
      el('td', { 'class': 'mono' }, [c.sha.substring(0, 7)]), el('td', {}, [c.subject]),
      el('td', {}, [c.author]), el('td', {}, [c.date])]));
    const more = a.commitCount > (a.commits || []).length
      ? el('p', { 'class': 'note' }, [(a.commitCount - a.commits.length) + ' more not listed']) : '';
    return [heading, el('table', { 'class': 'commits' + (backward ? ' backward' : '') }, [
      el('thead', {}, [el('tr', {}, ['Commit', 'Subject', 'Author', 'Date'].map(h => el('th', {}, [h])))]),
      el('tbody', {}, rows)]), more];
  }

  function changedFiles(a) {
    const entries = Object.entries(a.changedFiles || {});
    if (!entries.length) {
      return [];
    }
    return [el('h3', {}, ['Changed files per component']), el('table', { 'class': 'changed' }, [
      el('tbody', {}, entries.map(([component, count]) =>
        el('tr', {}, [el('td', {}, [component]), el('td', {}, [String(count) + ' file(s)'])])))])];
  }

  function plan(a) {
    return [el('h3', {}, ['Plan: what the run does once approved']), planList(a.plan)];
  }

  function card(a) {
    const comment = el('textarea', { rows: '2', cols: '60', placeholder: 'comment (optional, kept in the audit trail)', 'class': 'comment' });
    const result = el('p', { 'class': 'result' });
    const decide = approved => async () => {
      result.textContent = '';
      try {
        await post('/api/approvals/' + encodeURIComponent(a.taskId), { approved, comment: comment.value });
        result.replaceChildren(badge(approved ? 'APPROVED' : 'REJECTED'), ' ',
          el('a', { href: '/runs/' + encodeURIComponent(a.runId) }, ['follow the run']));
        section.querySelectorAll('button').forEach(b => { b.disabled = true; });
      } catch (error) {
        result.replaceChildren(el('span', { 'class': 'error refused' }, ['Refused: ' + error.message]));
      }
    };
    const approve = el('button', { type: 'button', 'class': 'approve' }, ['Approve']);
    const reject = el('button', { type: 'button', 'class': 'reject' }, ['Reject']);
    approve.addEventListener('click', decide(true));
    reject.addEventListener('click', decide(false));
    const facts = [
      ['Requested by', a.requestedBy], ['Ref', a.gitRef], ['Components', a.components],
      ['Serving now', short(a.fromCommit) + (a.fromSubject ? ' ' + a.fromSubject : '')],
      ['After the run', short(a.toCommit) + (a.toSubject ? ' ' + a.toSubject : '')],
      ['Release to switch to', a.backupId], ['Database backup restored', a.dbBackup],
      ['Database migration', a.databaseMigration === true ? 'yes: backed up first, then migrated' : a.databaseMigration === false ? 'no' : null],
      ['Claimed by', a.claimedBy], ['Requested', time(a.createdAt)], ['Decide by', time(a.deadline)]];
    const section = el('section', { 'class': 'approval', 'data-run': a.runId, 'data-task': a.taskId }, [
      el('h2', {}, [a.processKey + ' on ' + a.target + (a.gitRef ? ': ' + a.gitRef : ''), ' ',
        a.direction === 'BACKWARD' ? badge('ROLLED_BACK') : '']),
      el('dl', { 'class': 'facts' }, facts.filter(f => f[1]).flatMap(([name, value]) =>
        [el('dt', {}, [name]), el('dd', {}, [value])])),
      ...commits(a), ...changedFiles(a), ...plan(a),
      el('p', {}, [a.releaseBackup || '']),
      el('div', { 'class': 'decision' }, [comment, el('div', {}, [approve, ' ', reject])]), result,
      el('p', {}, [el('a', { href: '/runs/' + encodeURIComponent(a.runId) }, ['run page'])])]);
    return section;
  }

  async function load() {
    try {
      const approvals = await json('/api/approvals');
      const box = document.getElementById('approvals');
      box.replaceChildren(...(approvals.length ? approvals.map(card) : [el('p', {}, ['Nothing waits for you.'])]));
      document.body.dataset.count = String(approvals.length);
    } catch (error) {
      showError(error);
    }
    document.body.dataset.rendered = 'true';
  }

  load();
}());
