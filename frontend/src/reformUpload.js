// The Department applies an administrative reform (POST /api/import/reform): the lineage file
// (which old communes form each new one), optionally the new codes and the new units' polygons,
// the day the new units start and the act. "Kiểm tra" checks everything and writes nothing;
// "Áp dụng" ends the old units and inserts the new ones, all or nothing.
import { sendForm, withQuery } from './api.js';
import { formatNumber } from './format.js';
import { t } from './i18n.js';
import { field, headedForm, input, refusalLines, resultBox, showForm, showLines as say } from './uploadForm.js';

const COUNTS = ['communes_ended', 'communes_inserted', 'districts_ended', 'provinces_ended',
  'provinces_inserted', 'hamlets_moved', 'lineage'];

/** The reform's form in `section` (shown to the Department's staff only). */
export function mountReformUpload(section) {
  const form = headedForm('reform');
  const effective = input('date', { name: 'effective', required: true });
  const act = input('text', { name: 'reform', maxLength: 200, autocomplete: 'off' });
  const lineage = input('file', { name: 'lineage', accept: '.csv,.txt,.xlsx,.xlsm', required: true });
  const codes = input('file', { name: 'codes', accept: '.csv,.txt,.xlsx,.xlsm' });
  const polygons = input('file', { name: 'polygons', accept: '.geojson,.json,.gpkg,.zip' });
  const actions = document.createElement('div');
  actions.className = 'hg-upload-actions';
  const check = Object.assign(document.createElement('button'), { type: 'submit', value: 'check', className: 'hg-button', id: 'hg-reform-check' });
  check.dataset.i18n = 'reform.check';
  const apply = Object.assign(document.createElement('button'), { type: 'submit', value: 'apply', className: 'hg-button hg-primary', id: 'hg-reform-apply' });
  apply.dataset.i18n = 'reform.apply';
  actions.append(check, apply);
  const result = resultBox('hg-reform-result');
  form.append(...field('hg-reform-effective', 'reform.effective', effective),
    ...field('hg-reform-act', 'reform.act', act), ...field('hg-reform-lineage', 'reform.lineage', lineage),
    ...field('hg-reform-codes', 'reform.codes', codes), ...field('hg-reform-polygons', 'reform.polygons', polygons),
    actions, result);
  showForm(section, form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const dryRun = event.submitter?.value !== 'apply';
    if (!lineage.files[0] || !effective.value) {
      say(result, [t('reform.missing')], true);
      return;
    }
    if (!dryRun && !window.confirm(t('reform.confirm', { day: effective.value }))) return;
    const body = new FormData();
    body.append('lineage', lineage.files[0], lineage.files[0].name);
    if (codes.files[0]) body.append('codes', codes.files[0], codes.files[0].name);
    if (polygons.files[0]) body.append('polygons', polygons.files[0], polygons.files[0].name);
    const params = { effective: effective.value, reform: act.value || undefined, dry_run: dryRun ? 'true' : 'false' };
    check.disabled = apply.disabled = true;
    try {
      const report = await sendForm(withQuery('/api/import/reform', params), body);
      const lines = COUNTS.filter((k) => report.counts[k]).map((k) =>
        t(`reform.count.${k}`, { n: formatNumber(report.counts[k], 0) }));
      say(result, [t(report.dry_run ? 'reform.checked' : 'reform.applied'), ...lines,
        ...(report.warnings ?? [])], false);
    } catch (error) {
      say(result, [t('reform.refused'), ...refusalLines(error)], true);
    } finally {
      check.disabled = apply.disabled = false;
    }
  });
}
