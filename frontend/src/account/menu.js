// The header's account corner: a login dialog for visitors; name, role and logout when logged in.
// Logging in or out reloads the page, so every layer and panel starts again with the new rights.
import { onLangChange, t, translateDom } from '../i18n.js';
import { accountMessage } from './messages.js';
import { changePassword, currentUser, login, logout } from './session.js';

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith('data-') || key === 'for' || key === 'autocomplete') node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function field(id, labelKey, type, autocomplete) {
  const input = el('input', { id, name: id, type, required: true, autocomplete });
  return [el('label', { for: id, 'data-i18n': labelKey }), input];
}

function passwordDialog({ forced }) {
  const error = el('p', { className: 'hg-form-error', role: 'alert', hidden: true });
  const form = el('form', { method: 'dialog', className: 'hg-form' }, [
    el('h2', { 'data-i18n': 'account.changePassword' }),
    ...(forced ? [el('p', { 'data-i18n': 'account.mustChange' })] : []),
    ...field('hg-current-password', 'account.currentPassword', 'password', 'current-password'),
    ...field('hg-new-password', 'account.newPassword', 'password', 'new-password'),
    error,
    el('div', { className: 'hg-form-actions' }, [el('button', { type: 'submit', 'data-i18n': 'account.changePassword' })]),
  ]);
  const dialog = el('dialog', { className: 'hg-dialog hg-account-dialog', id: 'hg-password-dialog' }, [form]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await changePassword(form.elements['hg-current-password'].value, form.elements['hg-new-password'].value);
      dialog.close();
      window.location.reload();
    } catch (err) {
      error.textContent = accountMessage(err);
      error.hidden = false;
    }
  });
  translateDom(dialog);
  document.body.append(dialog);
  return dialog;
}

function loginDialog() {
  const error = el('p', { className: 'hg-form-error', role: 'alert', hidden: true });
  const cancel = el('button', { type: 'button', 'data-i18n': 'account.cancel' });
  const form = el('form', { method: 'dialog', className: 'hg-form' }, [
    el('h2', { 'data-i18n': 'account.title' }),
    ...field('hg-username', 'account.username', 'text', 'username'),
    ...field('hg-password', 'account.password', 'password', 'current-password'),
    error,
    el('div', { className: 'hg-form-actions' }, [cancel, el('button', { type: 'submit', id: 'hg-login-submit', 'data-i18n': 'account.submit' })]),
  ]);
  const dialog = el('dialog', { className: 'hg-dialog hg-account-dialog', id: 'hg-login-dialog' }, [form]);
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      await login(form.elements['hg-username'].value, form.elements['hg-password'].value);
      window.location.reload();
    } catch (err) {
      const said = accountMessage(err);
      // A refused password says it all ("Mật khẩu: không đúng …"); anything else is prefixed.
      error.textContent = err.problems?.[0]?.code ? said : t('account.failed', { message: said });
      error.hidden = false;
    }
  });
  translateDom(dialog);
  document.body.append(dialog);
  return dialog;
}

/** Fill the header's `#hg-account` element. */
export function mountAccountMenu(root) {
  const user = currentUser();
  if (!user) {
    const dialog = loginDialog();
    const button = el('button', { type: 'button', id: 'hg-login-button', className: 'hg-lang-button', 'data-i18n': 'account.login' });
    button.title = t('account.anonymous');
    button.addEventListener('click', () => dialog.showModal());
    root.replaceChildren(button);
  } else {
    const name = el('span', { className: 'hg-account-name', id: 'hg-account-name' });
    const update = () => {
      name.textContent = t('account.signedIn', { name: user.username, role: t(`role.${user.role}`) });
    };
    update();
    const out = el('button', { type: 'button', id: 'hg-logout-button', className: 'hg-lang-button', 'data-i18n': 'account.logout' });
    out.addEventListener('click', async () => {
      await logout().catch(() => {});
      window.location.reload();
    });
    root.replaceChildren(name, out);
    onLangChange(update);
    if (user.must_change_password) passwordDialog({ forced: true }).showModal();
  }
  translateDom(root);
}
