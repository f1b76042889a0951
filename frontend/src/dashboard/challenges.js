// The public challenges, counted per commune and per operator (GET /api/challenges/summary): how many
// are new, with the operator, resolved, rejected, overdue, and the median days to resolve.
import { getJSON } from '../api.js';
import { formatNumber } from '../format.js';
import { onLangChange, t } from '../i18n.js';

const COLUMNS = ['open', 'accepted', 'resolved', 'rejected', 'escalated', 'median_days_to_resolve'];

export class ChallengePanel {
  constructor(box) {
    this.box = box;
    this.summary = null;
    onLangChange(() => this.render());
  }

  async load() {
    this.summary = await getJSON('/api/challenges/summary');
    this.render();
  }

  table(rows, captionKey, unknownKey, label) {
    const table = document.createElement('table');
    table.className = 'hg-dash-table';
    table.createCaption().textContent = t(captionKey);
    const head = table.createTHead().insertRow();
    for (const key of ['dash.challenges.unit', ...COLUMNS.map((c) => `dash.challenges.${c}`)]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = t(key);
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = label(row) ?? t(unknownKey);
      tr.append(th);
      for (const column of COLUMNS) {
        const td = tr.insertCell();
        td.className = 'hg-number';
        const value = row[column];
        td.textContent = value === null ? '—' : formatNumber(value, 1);
      }
    }
    return table;
  }

  render() {
    if (!this.summary) return;
    const heading = document.createElement('h2');
    heading.textContent = t('dash.challenges.title');
    const link = document.createElement('a');
    link.href = '/challenge';
    link.textContent = t('challenge.link');
    const parts = [heading, link];
    if (!this.summary.by_commune.length) {
      const none = document.createElement('p');
      none.textContent = t('challenge.queueEmpty');
      parts.push(none);
    } else {
      parts.push(
        this.table(this.summary.by_commune, 'dash.challenges.byCommune', 'dash.challenges.noCommune', (row) => row.name),
        // Operators by the short name people know them by (Viettel, not the group's full name).
        this.table(this.summary.by_operator, 'dash.challenges.byOperator', 'dash.challenges.noOperator', (row) => row.code),
      );
      const note = document.createElement('p');
      note.className = 'hg-note';
      note.textContent = t('dash.challenges.perOperatorNote');
      parts.push(note);
    }
    this.box.replaceChildren(...parts);
  }
}
