// The accounts API's refusals (English from app/services/accounts.py and app/routers/auth.py) in the
// current language; a message without a template is shown as the server wrote it.
import { translateWith } from '../importMessages.js';

const TEMPLATES = [
  [/^password: at least (\d+) characters$/, 'pwMsg.length', (m) => ({ n: m[1] })],
  [/^password: must not contain the username$/, 'pwMsg.username', () => ({})],
  [/^password: one of the most common passwords/, 'pwMsg.common', () => ({})],
  [/^password: too easy to guess \(strength (\d) of 4, (\d) needed\)/, 'pwMsg.weak',
    (m) => ({ score: m[1], needed: m[2] })],
  [/^password: the new password must differ from the current one$/, 'pwMsg.same', () => ({})],
  [/^the current password is wrong$/, 'pwMsg.current', () => ({})],
];

export const accountMessage = (message) => translateWith(TEMPLATES, message).text;
