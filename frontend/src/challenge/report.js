// The public report form: fill, prove (proof.js), send as multipart; then show the private link.
import { ApiError, sendForm } from '../api.js';
import { t, tEnum } from '../i18n.js';
import { describeError } from '../notify.js';
import { el } from './dom.js';
import { mountPicker, spotOfPage } from './picker.js';
import { solveProof } from './proof.js';

const KINDS = ['no_signal', 'weak_signal', 'no_fibre'];
const TECHNOLOGIES = { no_signal: ['4G', '5G', '3G', '2G'], weak_signal: ['4G', '5G', '3G', '2G'], no_fibre: ['fixed'] };

function fill(select, values, label) {
  const chosen = select.value;
  select.replaceChildren(...values.map(([value, text]) => new Option(label ? label(value) : text, value)));
  if (values.some(([value]) => value === chosen)) select.value = chosen;
}

/** Wire the form; `info` is GET /api/challenges/form; `onFiled(code, token)` after a report is kept. */
export function mountReport(form, info, onFiled) {
  const field = (name) => form.elements.namedItem(name);
  const hint = form.querySelector('#hg-ch-hint');
  const render = () => {
    fill(field('kind'), KINDS.map((k) => [k]), (k) => tEnum('challenge_kind', k));
    fill(field('technology'), TECHNOLOGIES[field('kind').value || 'no_signal'].map((k) => [k, k === 'fixed' ? 'FTTH' : k]));
    fill(field('operator'), [['', t('challenge.operatorUnknown')],
      ...info.operators.map((o) => [o.short_name, o.name && o.name !== o.short_name ? `${o.short_name} — ${o.name}` : o.short_name])]);
  };
  field('kind').addEventListener('change', render);
  // The local time now, as datetime-local wants it.
  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  field('observed_at').value = now.toISOString().slice(0, 16);
  // A spot or a hamlet sent from the map's popups, then the map picker on it.
  const asked = spotOfPage();
  if (asked.lon !== null && asked.lat !== null) {
    field('lon').value = String(asked.lon);
    field('lat').value = String(asked.lat);
  }
  if (asked.hamlet) field('hamlet').value = asked.hamlet;
  mountPicker(form.querySelector('#hg-ch-picker'), field('lon'), field('lat'));
  form.querySelector('#hg-ch-locate').addEventListener('click', () => {
    navigator.geolocation?.getCurrentPosition((position) => {
      field('lon').value = position.coords.longitude.toFixed(6);
      field('lat').value = position.coords.latitude.toFixed(6);
      field('lat').dispatchEvent(new Event('change')); // the picker's marker follows
    });
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('#hg-ch-submit');
    button.disabled = true;
    hint.className = 'hg-note';
    try {
      hint.textContent = t('challenge.proving');
      const body = new FormData(form);
      body.set('observed_at', new Date(field('observed_at').value).toISOString());
      for (const name of ['lon', 'lat', 'hamlet', 'operator']) if (!body.get(name)) body.delete(name);
      if (!field('file').files.length) body.delete('file');
      body.set('proof', await solveProof(info.proof_bits));
      hint.textContent = t('challenge.sending');
      const filed = await sendForm('/api/challenges', body);
      hint.textContent = '';
      onFiled(filed.code, filed.token);
    } catch (error) {
      hint.className = 'hg-note hg-report-status is-refused';
      hint.textContent = error instanceof ApiError ? describeError(error) : String(error);
    } finally {
      button.disabled = false;
    }
  });
  render();
  return render;
}

/** The private link, shown once after filing. */
export function filedNotice(box, code, token) {
  const link = `${window.location.origin}/challenge#t=${token}`;
  box.hidden = false;
  box.replaceChildren(
    el('p', { className: 'hg-report-status is-written' }, t('challenge.filed', { code })),
    el('p', { className: 'hg-ch-link', id: 'hg-ch-private-link' }, link),
    el('a', { href: `/challenge#t=${token}`, className: 'hg-button hg-primary', id: 'hg-ch-follow' }, t('challenge.openLink')),
  );
}
