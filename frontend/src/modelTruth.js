// "So với đo đạc": the model card's comparison of the live coverage with the speed-test samples, and
// for planners the calibration the samples suggest (apply it, after a confirmation, or withdraw it).
import { isStaff } from './account/session.js';
import { sendJSON } from './api.js';
import { formatDateTime, formatNumber, formatShare } from './format.js';
import { t } from './i18n.js';
import { describeError } from './notify.js';
import { element } from './popup.js';

const none = () => t('value.none');
const signed = (value) => (value > 0 ? '+' : '') + formatNumber(value, 1).replace(/^-/, '−');
const dB = (value) => (value === null || value === undefined ? none() : `${signed(value)} dB`);
const share = (value) => (value === null || value === undefined ? none() : formatShare(value, 1));

function table(caption, headers, rows) {
  const out = element('table', 'hg-popup-table hg-truth-table');
  out.append(element('caption', 'visually-hidden', caption));
  const head = element('tr');
  headers.forEach((text) => {
    const th = element('th', null, text);
    th.scope = 'col';
    head.append(th);
  });
  const body = element('tbody');
  rows.forEach((row) => body.append(row));
  out.append(element('thead'), body);
  out.tHead.append(head);
  const scroll = element('div', 'hg-truth-scroll'); // a phone scrolls the table, not the dialog
  scroll.append(out);
  return scroll;
}

function row(key, cells) {
  const tr = element('tr');
  tr.dataset.truth = key;
  cells.forEach((cell) => {
    const td = element('td');
    td.append(cell);
    tr.append(td);
  });
  return tr;
}

function comparison(truth) {
  const box = element('section', 'hg-truth');
  box.dataset.param = 'truth';
  box.append(element('h3', null, t('truth.title')));
  box.append(element('p', 'hg-note', t('truth.rule', { threshold: signed(truth.threshold_dbm) })));
  if (!truth.groups.length) {
    box.append(element('p', 'hg-card-message', t('truth.noSamples')));
    return box;
  }
  const rows = truth.groups.map((g) => row(`${g.operator}/${g.technology}`, [
    g.operator, g.technology, formatNumber(g.n, 0), share(g.agreement),
    `${formatNumber(g.confusion.model_only, 0)} / ${formatNumber(g.confusion.measured_only, 0)}`,
    g.signal_n ? `${dB(g.median_error_db)} (${formatNumber(g.signal_n, 0)})` : none(),
  ]));
  box.append(table(t('truth.title'), [t('truth.operator'), t('truth.technology'), t('truth.n'),
    t('truth.agreement'), t('truth.disagree'), t('truth.medianError')], rows));
  box.append(element('p', 'hg-note', t('truth.placed', {
    placed: formatNumber(truth.samples_placed, 0), samples: formatNumber(truth.samples, 0) })));
  return box;
}

export class TruthSection {
  /** `reload()` fetches the card again after a change. */
  constructor(reload) {
    this.reload = reload;
    this.message = '';
    this.busy = false;
  }

  render(truth) {
    const box = element('div', 'hg-truth-box');
    box.append(comparison(truth));
    const staff = isStaff();
    if (!staff && !truth.in_force.length) return box;
    const calib = element('section', 'hg-truth-calibration');
    calib.append(element('h3', null, t('truth.calibrationTitle')));
    calib.append(element('p', 'hg-note', t('truth.calibrationIntro')));
    if (truth.in_force.length) {
      calib.append(table(t('truth.inForce'), [t('truth.operator'), t('truth.class'), t('truth.offset'),
        t('truth.acceptedBy'), ''], truth.in_force.map((c) => row(`${c.operator}/${c.tech_class}`, [
        c.operator, t(`card.${c.tech_class}`), dB(c.offset_db),
        t('truth.acceptedWhen', { who: c.accepted_by, time: formatDateTime(c.accepted_at) }),
        staff ? this._button(t('truth.withdraw'), () => this._withdraw(c)) : '',
      ]))));
    }
    if (staff) {
      if (truth.proposals.length) {
        calib.append(table(t('truth.proposed'), [t('truth.operator'), t('truth.class'), t('truth.offset'),
          t('truth.samples'), t('truth.beforeAfter'), ''], truth.proposals.map((p) => row(
          `${p.operator}/${p.tech_class}`, [
            p.operator, t(`card.${p.tech_class}`), dB(p.offset_db), formatNumber(p.samples, 0),
            `${share(p.agreement_before)} → ${share(p.agreement_after)}`,
            this._button(t('truth.apply'), () => this._accept(p)),
          ]))));
      } else {
        calib.append(element('p', 'hg-card-message', t('truth.noProposal')));
      }
    }
    const status = element('p', 'hg-truth-status', this.message);
    status.setAttribute('role', 'status');
    calib.append(status);
    box.append(calib);
    return box;
  }

  _button(text, action) {
    const button = element('button', 'hg-button hg-truth-action', text);
    button.type = 'button';
    button.disabled = this.busy;
    button.addEventListener('click', action);
    return button;
  }

  async _accept(p) {
    const question = t('truth.confirmApply', {
      operator: p.operator, offset: dB(p.offset_db), before: share(p.agreement_before), after: share(p.agreement_after),
    });
    if (!window.confirm(question)) return;
    await this._send(() => sendJSON('/api/coverage/calibrations', {
      body: { operator: p.operator, tech_class: p.tech_class, offset_db: p.offset_db },
    }), t('truth.applied', { operator: p.operator, offset: dB(p.offset_db) }));
  }

  async _withdraw(c) {
    if (!window.confirm(t('truth.confirmWithdraw', { operator: c.operator, offset: dB(c.offset_db) }))) return;
    const url = `/api/coverage/calibrations/${encodeURIComponent(c.operator)}/${c.tech_class}`;
    await this._send(() => sendJSON(url, { method: 'DELETE' }), t('truth.withdrawn', { operator: c.operator }));
  }

  async _send(request, done) {
    this.busy = true;
    try {
      await request();
      this.message = done;
    } catch (error) {
      this.message = t('truth.failed', { message: describeError(error) });
    }
    this.busy = false;
    await this.reload();
  }
}
