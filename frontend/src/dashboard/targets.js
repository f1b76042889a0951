// A plan's targets: each editable (the server keeps every change), with its history.
import { getJSON, sendJSON, withQuery } from '../api.js';
import { formatDateTime, formatIndicator } from '../format.js';
import { localName, onLangChange, t } from '../i18n.js';
import { describeError, notify } from '../notify.js';
import { element } from '../popup.js';

export class TargetsPanel {
  constructor(container, { onSaved }) {
    this.container = container;
    this._onSaved = onSaved;
    this.targets = [];
    this.history = new Map(); // id → changes, once asked for
    this.plan = null; // a plan's code; null: the server's default
  }

  async mount(plan = null) {
    await this.setPlan(plan);
    onLangChange(() => this._render());
  }

  async setPlan(plan) {
    this.plan = plan;
    this.history.clear();
    this.targets = (await getJSON(withQuery('/api/targets', { plan }))).targets;
    this._render();
  }

  _render() {
    const root = element('div');
    root.append(element('h2', null, t('dash.targets.title')), element('p', 'hg-note', t('dash.targets.note')));
    const table = element('table', 'hg-dash-table hg-dash-targets');
    table.id = 'dash-targets-table';
    const body = element('tbody');
    for (const target of this.targets) {
      const tr = element('tr');
      tr.dataset.indicator = target.id;
      const value = element('input');
      Object.assign(value, { type: 'number', min: '0', step: 'any', value: String(target.target_value) });
      value.setAttribute('aria-label', `${t('dash.targets.value')}: ${localName(target)}`);
      if (target.unit === '%') value.max = '100';
      const save = element('button', 'hg-button', t('dash.targets.save'));
      save.type = 'button';
      save.addEventListener('click', () => this._save(target, value.value));
      const more = element('button', 'hg-link-button', t('dash.targets.history'));
      more.type = 'button';
      more.addEventListener('click', () => this._history(target));
      const name = element('td');
      name.append(element('span', null, localName(target)));
      const changes = this.history.get(target.id);
      if (changes) name.append(this._changes(target, changes));
      const cell = element('td', 'num');
      cell.append(value, ` ${target.unit === 'per_100' ? t('unit.per100') : target.unit} `);
      const actions = element('td');
      actions.append(save, more);
      tr.append(name, cell, actions);
      body.append(tr);
    }
    table.append(body);
    root.append(table);
    this.container.replaceChildren(root);
  }

  _changes(target, changes) {
    const list = element('ul', 'hg-dash-history');
    if (!changes.length) list.append(element('li', null, t('dash.targets.noHistory')));
    for (const c of changes) {
      list.append(element('li', null, t('dash.targets.change', {
        time: formatDateTime(c.changed_at), old: formatIndicator(c.old_value, target.unit),
        new: formatIndicator(c.new_value, target.unit),
      }) + (c.note ? ` — ${c.note}` : '')));
    }
    return list;
  }

  async _save(target, raw) {
    try {
      const saved = await sendJSON(withQuery(`/api/targets/${encodeURIComponent(target.id)}`, { plan: this.plan }), {
        method: 'PUT', body: { target_value: Number(raw) },
      });
      this.targets = this.targets.map((x) => (x.id === saved.id ? saved : x));
      this.history.delete(target.id);
      notify(t('dash.targets.saved', { name: localName(saved) }));
      this._onSaved();
    } catch (error) {
      notify(describeError(error));
    }
    this._render();
  }

  async _history(target) {
    try {
      const path = withQuery(`/api/targets/${encodeURIComponent(target.id)}/history`, { plan: this.plan });
      this.history.set(target.id, (await getJSON(path)).changes);
    } catch (error) {
      notify(describeError(error));
    }
    this._render();
  }
}
