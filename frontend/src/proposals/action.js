// A proposal row's one action — a sharing request (share.js) or a draft registration (draft.js) —
// filed for an operator: an operator company's own; for a planner, the operator the proposals were
// for or, proposals for any operator, the one chosen in the row's labelled list (the button waits
// for the choice; the server refuses a Department filing naming no operator). The product asks
// before filing what another party will see. `memory` (rank → { operator, result }) outlives the
// table: drawn again (the language toggle), a row keeps its choice and what was filed.
import { t } from '../i18n.js';
import { el } from '../registration/dom.js';

const ANY = 'any';

/**
 * The action cell's controls for proposal `row` of `answer`.
 * `action` (share.js, draft.js): { className, textKey, data: the button's dataset before filing,
 * choice: { className, labelKey, name } of the list, except: the operator not offered,
 * confirm(operator): the question (null: none), file(operator): resolves to the result,
 * done(result): { text, data } shown once filed }.
 * `operators`: the short names a planner may file for; `say(error)` reports a failure.
 */
export function actionControls(row, answer, action, { operators, memory, say }) {
  const button = el('button', { type: 'button', className: `hg-button secondary ${action.className}`,
    textContent: t(action.textKey) });
  Object.assign(button.dataset, action.data ?? {});
  const kept = memory.get(row.rank) ?? {};
  const fixed = answer.operator !== ANY ? answer.operator : null;
  const choice = fixed ? null : operatorChoice(row, action, operators.filter((name) => name !== action.except),
    button, kept.operator, (operator) => memory.set(row.rank, { operator }));
  if (kept.result) showDone(action, kept.result, button, choice);
  button.addEventListener('click', async () => {
    const operator = fixed ?? choice.value;
    const question = operator && action.confirm(operator);
    if (!operator || (question && !window.confirm(question))) return;
    button.disabled = true;
    try {
      const result = await action.file(operator);
      memory.set(row.rank, { operator, result });
      showDone(action, result, button, choice);
    } catch (error) {
      button.disabled = false;
      say(error);
    }
  });
  return choice ? [...choice.labelled, button] : [button];
}

function showDone(action, result, button, choice) {
  const { text, data } = action.done(result);
  button.textContent = text;
  Object.assign(button.dataset, data);
  button.disabled = true;
  if (choice) choice.disabled = true;
}

/** The labelled list of `names` to file for, `chosen` preselected; `button` waits for a choice. */
function operatorChoice(row, action, names, button, chosen, remember) {
  const { className, labelKey, name } = action.choice;
  const id = `${className}-${row.rank}`;
  const select = el('select', { id, className, name }, [
    el('option', { value: '', textContent: t('prop.operatorPick') }),
    ...names.map((short) => el('option', { value: short, textContent: short })),
  ]);
  select.value = names.includes(chosen) ? chosen : '';
  button.disabled = !select.value;
  select.addEventListener('change', () => {
    button.disabled = !select.value;
    remember(select.value);
  });
  select.labelled = [el('label', { for: id, className: `${className}-label`, textContent: t(labelKey) }), select];
  return select;
}
